import type { FromWebviewMessage } from '../shared/protocol';

/** `M`: what the page posts to the host (the panel's messages by default; the read-along player has its own). */
export interface VsCodeApi<S, M = FromWebviewMessage> {
  postMessage(message: M): void;
  getState(): S | undefined;
  setState(state: S): void;
}

declare function acquireVsCodeApi<S, M>(): VsCodeApi<S, M>;

export function getVsCodeApi<S, M = FromWebviewMessage>(): VsCodeApi<S, M> {
  return acquireVsCodeApi<S, M>();
}
