// What the panel's modules share, handed to each of them explicitly: the state the panel persists, how to save it,
// and how to talk to the host.
import type { CloneForm } from '../core/validation';
import type { FromWebviewMessage, PreviewInfo, SampleFileInfo, ToWebviewMessage } from '../shared/protocol';
import type { VsCodeApi } from './vscodeApi';

export interface PanelState {
  form: CloneForm;
  /** A local file chosen as the sample (the URL field is then not used). */
  sampleFile?: SampleFileInfo;
  preview?: PreviewInfo;
  playbackRate?: number;
}

export interface Panel {
  /** One object for the panel's life: modules change its fields, then `save`. */
  readonly state: PanelState;
  /** Webview state survives hiding and reloads; the host's copy of the draft survives closing the panel. */
  save(): void;
  post(message: FromWebviewMessage): void;
}

/** One kind of message from the host. */
export type HostMessage<T extends ToWebviewMessage['type']> = Extract<ToWebviewMessage, { type: T }>;

/** `restored`: the webview kept a state of its own (hidden or reloaded), which wins over the host's draft. */
export function createPanel(vscode: VsCodeApi<PanelState>): { panel: Panel; restored: boolean } {
  const restored = vscode.getState();
  const state: PanelState = restored ?? { form: { sampleUrl: '', transcript: '', text: '', voiceName: '' } };
  return {
    panel: {
      state,
      save: () => vscode.setState(state),
      post: (message) => vscode.postMessage(message),
    },
    restored: restored !== undefined,
  };
}

export function newRequestId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
