// The activation shell: stubs for every contributed command, registered in activate(); a tick later dist/shell.js
// registers the views, the panel serializer, the status-bar item and the lenses. The features themselves
// (dist/features.js) load on the first use of any of them.
import vscode = require('vscode');
import type { ActiveVoice } from '../views/activeVoice';
import type { Features } from './features';
import type * as ShellModule from './later';
import { loadFeatures, once } from './lazy';
import { WindowState } from '../platform/windowState';

/** The shell's second half: `dist/shell.js`, a tick after activation (a literal path, as in lazy.ts). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const loadShell = once(() => require('./shell.js') as typeof ShellModule);

/** How long the setup left for after activate() took (ms), for the bench: it runs in the extension host too. */
export const startup: { deferredMs?: number } = {};

/**
 * No I/O and no heavy module here: activate() registers the commands, which VS Code runs as soon as activation is
 * done (a command can be what activated the extension). The rest follows a tick later (dist/shell.js): the tree
 * views, the player's view and the panel's serializer (VS Code waits for those to be registered), the status-bar
 * item, the lens provider and the document watchers. Returns no API: an exported object would hand other
 * extensions a way to the key.
 */
export function activate(context: vscode.ExtensionContext): void {
  let active: ActiveVoice | undefined;
  const state = new WindowState(context.globalState);
  const voice = (): ActiveVoice => (active ??= new (loadShell().ActiveVoice)(state));
  let features: Features | undefined;
  const get = (): Features => (features ??= loadFeatures().createFeatures(context, voice(), state));
  const commands: { command: string }[] = context.extension.packageJSON.contributes?.commands ?? [];
  const later: vscode.Disposable[] = [];
  let disposed = false;
  context.subscriptions.push(
    {
      dispose: () => {
        disposed = true;
        features?.dispose();
        active?.dispose();
        for (const d of later) d.dispose();
      },
    },
    ...commands.map(({ command }) => vscode.commands.registerCommand(command, (...args: unknown[]) => get().run(command, args))),
  );
  setTimeout(() => {
    if (disposed) return;
    const t0 = performance.now();
    const shell = loadShell();
    later.push(...shell.setUp({ features: get, loaded: () => features, voice, secrets: context.secrets }));
    startup.deferredMs = performance.now() - t0;
    if (!features && shell.anyScriptOpen()) get();
  }, 0);
}

export function deactivate(): void {}
