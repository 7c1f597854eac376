import * as vscode from 'vscode';
import { ApiKeyStore } from './apiKey';
import { CloneService } from './cloneService';
import { registerCommands } from './commands';
import { Log } from './log';
import { NovitaService } from './novitaService';
import { PANEL_VIEW_TYPE, VoiceClonePanel } from './panel';
import type { Services } from './services';
import { ExtensionStorage } from './storage';

/**
 * Kept cheap on purpose: no I/O and no heavy module here; the client bundle loads on the first request.
 * Returns no API: an exported object would hand other extensions a way to the key.
 */
export function activate(context: vscode.ExtensionContext): void {
  const log = new Log();
  const keys = new ApiKeyStore(context.secrets);
  const novita = new NovitaService(keys, log);
  const storage = new ExtensionStorage(context.globalStorageUri, log);
  const clone = new CloneService(novita, storage);
  const services: Services = { context, keys, log, novita, storage, clone };

  context.subscriptions.push(
    log,
    keys,
    novita,
    ...registerCommands(services),
    vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
      async deserializeWebviewPanel(panel) {
        VoiceClonePanel.revive(panel, services);
      },
    }),
    { dispose: () => VoiceClonePanel.instance?.dispose() },
  );
}

export function deactivate(): void {}
