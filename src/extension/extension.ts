import * as vscode from 'vscode';
import { ActiveVoice } from './activeVoice';
import { ApiKeyStore } from './apiKey';
import { CloneService } from './cloneService';
import { readSpeechSettings } from './config';
import { registerCommands } from './commands';
import { registerLibraryCommands } from './libraryCommands';
import { LibraryTreeProvider } from './libraryView';
import { Log } from './log';
import { NovitaService } from './novitaService';
import { PANEL_VIEW_TYPE, VoiceClonePanel } from './panel';
import { SampleService } from './sampleService';
import type { Services } from './services';
import { SpeechService } from './speechService';
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
  const samples = new SampleService(novita, storage);
  const clone = new CloneService(novita, storage, () => readSpeechSettings().historyMaxItems, samples);
  const active = new ActiveVoice(context.globalState);
  const speech = new SpeechService(novita, storage);
  const services: Services = { context, keys, log, novita, storage, clone, active, speech, samples };
  const voicesTree = new LibraryTreeProvider('voices', storage, active);
  const historyTree = new LibraryTreeProvider('history', storage, active);

  context.subscriptions.push(
    log,
    keys,
    novita,
    active,
    voicesTree,
    historyTree,
    ...registerCommands(services),
    ...registerLibraryCommands(services),
    vscode.window.registerTreeDataProvider('glmVoiceClone.voices', voicesTree),
    vscode.window.registerTreeDataProvider('glmVoiceClone.history', historyTree),
    vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
      async deserializeWebviewPanel(panel) {
        VoiceClonePanel.revive(panel, services);
      },
    }),
    { dispose: () => VoiceClonePanel.instance?.dispose() },
    vscode.window.onDidChangeWindowState((e) => {
      if (e.focused) void storage.refreshIfOpen();
    }),
  );
}

export function deactivate(): void {}
