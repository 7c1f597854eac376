// The getting-started walkthrough's steps complete on the real action: each is a context key (package.json
// `completionEvents: onContext:…`) set here when the key is stored, a voice is in the library, a file was spoken.
import * as vscode from 'vscode';
import type { ApiKeyStore } from '../platform/apiKey';
import type { ExtensionStorage } from '../platform/storage';

export const WALKTHROUGH_KEYS = {
  hasKey: 'glmVoiceClone.walkthrough.hasKey',
  hasVoice: 'glmVoiceClone.walkthrough.hasVoice',
  spokeFile: 'glmVoiceClone.walkthrough.spokeFile',
} as const;

const setContext = (key: string, value: boolean) => void vscode.commands.executeCommand('setContext', key, value);

/** Keeps the "key set" and "voice cloned" steps in step with the key store and the library. */
export function trackWalkthrough(keys: ApiKeyStore, storage: ExtensionStorage): vscode.Disposable {
  const keyState = () => void keys.has().then((has) => setContext(WALKTHROUGH_KEYS.hasKey, has));
  const keySub = keys.onDidChange(keyState);
  keyState();
  let unsubscribe: (() => void) | undefined;
  let disposed = false;
  void storage.library().then((library) => {
    if (disposed) return;
    const voiceState = () => setContext(WALKTHROUGH_KEYS.hasVoice, library.voices().length > 0);
    unsubscribe = library.onDidChange(voiceState);
    voiceState();
  });
  return {
    dispose() {
      disposed = true;
      keySub.dispose();
      unsubscribe?.();
    },
  };
}

/** A whole file was read aloud (not exported): the last step is done. */
export function markFileSpoken(): void {
  setContext(WALKTHROUGH_KEYS.spokeFile, true);
}
