import type * as vscode from 'vscode';
import type { ActiveVoice } from '../views/activeVoice';
import type { ApiKeyStore } from '../platform/apiKey';
import type { CloneFlow } from '../../core/flows/clone';
import type { Log } from '../platform/log';
import type { NovitaService } from './novitaService';
import type { SampleFlow } from '../../core/flows/sample';
import type { Synthesizer } from '../../core/flows/synthesis';
import type { CostTotals } from '../platform/costs';
import type { CastDiagnostics } from '../views/castDiagnostics';
import type { SpeechService } from './speechService';
import type { ExtensionStorage } from '../platform/storage';
import type { ReadAlong } from '../readAlong/readAlong';
import type { RetakenSentences } from '../platform/retakes';

/** Everything commands and the panel share; built once in activate(). */
export interface Services {
  context: vscode.ExtensionContext;
  /** Global state as this window last wrote it: read and write through this, not context.globalState. */
  state: vscode.Memento;
  keys: ApiKeyStore;
  log: Log;
  novita: NovitaService;
  storage: ExtensionStorage;
  clone: CloneFlow;
  active: ActiveVoice;
  speech: SpeechService;
  samples: SampleFlow;
  synthesizer: Synthesizer;
  costs: CostTotals;
  castDiagnostics: CastDiagnostics;
  readAlong: ReadAlong;
  retaken: RetakenSentences;
}
