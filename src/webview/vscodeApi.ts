import type { FromWebviewMessage } from '../shared/protocol';

export interface VsCodeApi<S> {
  postMessage(message: FromWebviewMessage): void;
  getState(): S | undefined;
  setState(state: S): void;
}

declare function acquireVsCodeApi<S>(): VsCodeApi<S>;

export function getVsCodeApi<S>(): VsCodeApi<S> {
  return acquireVsCodeApi<S>();
}
