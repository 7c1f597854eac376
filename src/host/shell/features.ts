// Everything the extension does, built on the first command, view or restored panel: bundled as dist/features.js
// so that activation (extension.ts) parses almost nothing.
import vscode = require('vscode');
import type { ActiveVoice } from '../views/activeVoice';
import { ApiKeyStore } from '../platform/apiKey';
import { CloneFlow } from '../../core/flows/clone';
import { NarrateFlow } from '../../core/flows/narrate';
import { SampleFlow } from '../../core/flows/sample';
import { Synthesizer } from '../../core/flows/synthesis';
import { ChunkCache } from '../../core/cache/chunkCache';
import { join } from 'node:path';
import { costSummary, CostTotals } from '../platform/costs';
import { CastDiagnostics } from '../views/castDiagnostics';
import { commandHandlers } from '../commands/clone';
import { isCommandId, type CommandHandlers } from '../commands/ids';
import { readCacheSettings, readSpeechSettings } from '../platform/config';
import { libraryCommandHandlers } from '../commands/library';
import { narrationCommandHandlers } from '../commands/narration';
import { LibraryTreeProvider } from '../views/libraryTree';
import { RemoteVoices } from '../views/remoteVoices';
import { Log } from '../platform/log';
import { connectionSettings, NovitaService } from '../services/novitaService';
import { VoiceClonePanel } from '../panel/panel';
import type { Services } from '../services/services';
import { SpeechService } from '../services/speechService';
import { ExtensionStorage } from '../platform/storage';
import { trackWalkthrough } from '../services/walkthrough';
import { readAlongCommandHandlers } from '../commands/readAlong';
import { ReadAlong } from '../readAlong/readAlong';
import { RetakenSentences } from '../platform/retakes';

export interface Features extends vscode.Disposable {
  run(command: string, args: unknown[]): unknown;
  tree(which: 'voices' | 'history'): vscode.TreeDataProvider<unknown>;
  revivePanel(panel: vscode.WebviewPanel): void;
  resolvePlayer(view: vscode.WebviewView): void;
  onWindowFocused(): void;
}

/** `state`: the extension's global state as this window last wrote it (platform/windowState.ts). */
export function createFeatures(context: vscode.ExtensionContext, active: ActiveVoice, state: vscode.Memento): Features {
  const log = new Log();
  const keys = new ApiKeyStore(context.secrets);
  const novita = new NovitaService(keys, log);
  const storage = new ExtensionStorage(context.globalStorageUri, log);
  // The core's flows, given the editor's ports: the connection, the audio folder, the registry, the settings.
  const { connections } = novita;
  const folders = { audioDir: () => storage.ensureAudioDir() };
  const library = () => storage.library();
  const samples = new SampleFlow({ connections, folders, settings: connectionSettings });
  const clone = new CloneFlow({ connections, folders, library, samples, historyMaxItems: () => readSpeechSettings().historyMaxItems, providers: novita.providers });
  // One synthesizer for everything that speaks: chunks come from the on-disk cache (shared by windows) when it has
  // them, and the cost meter counts what was sent and what was served.
  const cache = new ChunkCache({ dir: join(context.globalStorageUri.fsPath, 'chunks'), maxBytes: readCacheSettings().maxBytes });
  // A voice recorded as Zhipu's is spoken at Zhipu; every other voice (every record before Zhipu) at Novita, as before.
  const synthesizer = new Synthesizer({ connections, cache, endpoint: () => connectionSettings().apiBaseUrl, onCost: (delta) => costs.add(delta), providers: novita.providers, providerOf: (id) => storage.opened?.voice(id)?.provider, onStreamFallback: (err) => log.warn(`zhipu: a chunk's stream broke (${err.problem.kind === 'streamBroken' ? err.problem.reason : err.problem.kind}); asked for it whole`) });
  const costs = new CostTotals(state, () => showCosts());
  const showCosts = () => active.setCosts(costSummary(synthesizer.session, costs.total));
  const retaken = new RetakenSentences(state);
  const speech = new SpeechService(new NarrateFlow({ synthesizer, folders, library, settings: readSpeechSettings }), log, retaken.has);
  const castDiagnostics = new CastDiagnostics();
  const readAlong = new ReadAlong(context.extensionUri, speech, log);
  const remoteVoices = new RemoteVoices(keys, novita);
  const services: Services = { context, state, keys, log, novita, storage, clone, active, speech, samples, synthesizer, costs, castDiagnostics, readAlong, retaken, remoteVoices };
  const trees = { voices: new LibraryTreeProvider('voices', storage, active, remoteVoices), history: new LibraryTreeProvider('history', storage, active) };
  // Typed: a command id without a handler, or a handler without an id, does not compile.
  const handlers: CommandHandlers = {
    ...commandHandlers(services),
    ...libraryCommandHandlers(services),
    ...narrationCommandHandlers(services),
    ...readAlongCommandHandlers(services),
    // Zhipu's list fetched again; answers with the voices tree's rows as drawn (for scripts and tests).
    'glmVoiceClone.refreshVoices': async () => {
      await storage.refreshIfOpen();
      await remoteVoices.refresh();
      return trees.voices.rows();
    },
  };
  const disposables: vscode.Disposable[] = [log, keys, novita, remoteVoices, trees.voices, trees.history, castDiagnostics, readAlong, trackWalkthrough(keys, storage), { dispose: () => void costs.flush() }];

  return {
    run(command, args) {
      if (!isCommandId(command)) throw new Error(`GLM Voice Clone: no handler for ${command}.`);
      return handlers[command](...args);
    },
    tree: (which) => trees[which] as vscode.TreeDataProvider<unknown>,
    revivePanel: (panel) => void VoiceClonePanel.revive(panel, services),
    resolvePlayer: (view) => readAlong.player.resolve(view),
    onWindowFocused: () => void storage.refreshIfOpen(),
    dispose() {
      VoiceClonePanel.instance?.dispose();
      for (const d of disposables.reverse()) d.dispose();
    },
  };
}
