// The getting-started walkthrough's steps complete on the real action: each step's completion event is a context
// key (package.json `completionEvents: onContext:…`) that this module raises for a moment when the key is stored, a
// voice is cloned, a file was spoken.
//
// A pulse, not a state: VS Code registers the steps when its walkthrough service starts (often only when a
// walkthrough is opened) and a key already true at that moment never completes its step in that session. So each
// key goes true on the action (the step ticks, and VS Code keeps that) and back to unset a moment later, ready for
// the next time. At start, what is already done (a stored key, a voice in the library) pulses once too.
import vscode = require('vscode');
import type { ApiKeyStore } from '../platform/apiKey';
import type { ExtensionStorage } from '../platform/storage';
import { ENV_KEY, SECRET_KEY, ZHIPU_ENV_KEY, ZHIPU_SECRET_KEY } from '../platform/apiKeyNames';

export const WALKTHROUGH_KEYS = {
  hasKey: 'glmVoiceClone.walkthrough.hasKey',
  hasVoice: 'glmVoiceClone.walkthrough.hasVoice',
  spokeFile: 'glmVoiceClone.walkthrough.spokeFile',
} as const;

const PULSE_MS = 1500;
const timers = new Map<string, ReturnType<typeof setTimeout>>();

/** The step of `key` is done now. */
function pulse(key: string): void {
  clearTimeout(timers.get(key));
  void vscode.commands.executeCommand('setContext', key, true);
  timers.set(
    key,
    setTimeout(() => {
      timers.delete(key);
      void vscode.commands.executeCommand('setContext', key, undefined);
    }, PULSE_MS),
  );
}

/** Pulses the "key set" step when a key (either provider's) is stored, the "voice cloned" step when the library gains a voice. */
export function trackWalkthrough(keys: ApiKeyStore, storage: ExtensionStorage): vscode.Disposable {
  const keyStored = () => void keys.hasAny().then((has) => has && pulse(WALKTHROUGH_KEYS.hasKey));
  const keySub = keys.onDidChange(keyStored);
  keyStored();
  let unsubscribe: (() => void) | undefined;
  let disposed = false;
  void storage.library().then((library) => {
    if (disposed) return;
    let known = new Set(library.voices().map((v) => v.voiceId));
    if (known.size) pulse(WALKTHROUGH_KEYS.hasVoice);
    unsubscribe = library.onDidChange(() => {
      const now = new Set(library.voices().map((v) => v.voiceId));
      if ([...now].some((id) => !known.has(id))) pulse(WALKTHROUGH_KEYS.hasVoice);
      known = now;
    });
  });
  return {
    dispose() {
      disposed = true;
      keySub.dispose();
      unsubscribe?.();
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
    },
  };
}

/** A whole file was read aloud (not exported): the last step is done. */
export function markFileSpoken(): void {
  pulse(WALKTHROUGH_KEYS.spokeFile);
}

/** Whether a key is usable, Novita's or Zhipu's: stored, or in NOVITA_API_KEY / ZHIPU_API_KEY (used when none is stored, as ApiKeyStore does). */
export async function keyUsable(secrets: vscode.SecretStorage): Promise<boolean> {
  if (process.env[ENV_KEY]?.trim() || process.env[ZHIPU_ENV_KEY]?.trim()) return true;
  for (const name of [SECRET_KEY, ZHIPU_SECRET_KEY]) if (await Promise.resolve(secrets.get(name)).catch(() => undefined)) return true;
  return false;
}

/**
 * The "key set" step is done whenever a key is usable, a key from the environment included (nothing is ever stored
 * for it, so no store event pulses the step). The walkthrough service registers the steps when it starts and only a
 * key going true after that ticks one, so the key pulses when the walkthrough may just have started: at activation
 * (opening the walkthrough activates the extension, `onWalkthrough:`; the shell calls this a tick later) and when a
 * tab opens that the API knows no input for (the walkthrough's and the welcome page's editor). Loads nothing else.
 */
export function watchWalkthroughKey(usable: () => Promise<boolean>): vscode.Disposable {
  const check = () =>
    void usable().then(
      (yes) => yes && pulse(WALKTHROUGH_KEYS.hasKey),
      () => undefined,
    );
  check();
  const tabs = vscode.window.tabGroups.onDidChangeTabs((e) => {
    if (e.opened.some((t) => t.input === undefined)) check();
  });
  return {
    dispose() {
      tabs.dispose();
      clearTimeout(timers.get(WALKTHROUGH_KEYS.hasKey));
    },
  };
}
