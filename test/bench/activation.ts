// Activation cost in a fresh extension host: the extension is activated here, once, by this suite. Timed three
// ways: our own high-resolution clock around the CommonJS load of the main module and around its activate()
// call (the headline), VS Code's own performance marks for the same two steps (1 ms resolution), and the
// caller's view of `Extension.activate()` (VS Code's own overhead included).
import { realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import vscode = require('vscode');
import { EXTENSION_ID, type ActivationSample } from './protocol';
import { openPanelTimed, sleep } from './panel';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const NodeModule = require('node:module') as {
  _extensions: Record<string, (module: { exports: unknown }, filename: string) => void>;
  _load: (request: string, parent: { filename?: string } | undefined, isMain: boolean) => unknown;
};

interface Timings {
  loadMs?: number;
  activateMs?: number;
  /** Time inside each require() the main module made while it loaded (first call per request). */
  requireMs: Record<string, number>;
  /** Files of the main module's folder in require.cache when activate() returned. */
  loadedAtActivation?: string[];
  /** The main module's `startup` export: the setup it leaves for a tick after activate() times itself there. */
  startup?: { deferredMs?: number };
}

type ActivateFn = (...args: unknown[]) => unknown;

/**
 * Wraps Node's `.js` loader for exactly one file: times its compile + evaluation, then hands VS Code a copy of
 * its exports whose activate() is timed too. (esbuild's CommonJS exports are getters that cannot be redefined,
 * so the exports object is replaced, not patched.) Restored once the file has loaded.
 */
function timeModule(file: string, timings: Timings): () => void {
  const original = NodeModule._extensions['.js'];
  const restore = () => {
    NodeModule._extensions['.js'] = original;
  };
  NodeModule._extensions['.js'] = function (this: unknown, module, filename) {
    if (filename !== file) return original.call(this, module, filename);
    restore();
    // VS Code's own hook (which serves `vscode`) is already in Module._load: this one wraps it
    const load = NodeModule._load;
    NodeModule._load = function (this: unknown, request, parent, isMain) {
      if (parent?.filename !== file) return load.call(this, request, parent, isMain);
      const t = performance.now();
      try {
        return load.call(this, request, parent, isMain);
      } finally {
        timings.requireMs[request] ??= performance.now() - t;
      }
    };
    const t0 = performance.now();
    try {
      return original.call(this, module, filename);
    } finally {
      timings.loadMs = performance.now() - t0;
      NodeModule._load = load;
      const exported = module.exports as Record<string, unknown> | undefined;
      timings.startup = exported?.startup as Timings['startup'];
      const activate = exported?.activate;
      if (typeof activate === 'function') {
        module.exports = {
          ...exported,
          activate(this: unknown, ...args: unknown[]) {
            const start = performance.now();
            const result = (activate as ActivateFn).apply(this, args);
            // What activation itself loaded from the extension's folder (what it leaves for a tick later comes after)
            timings.loadedAtActivation = Object.keys(require.cache).filter((f) => f !== filename && dirname(f) === dirname(filename));
            if (result && typeof (result as Promise<unknown>).then === 'function') {
              return (result as Promise<unknown>).finally(() => (timings.activateMs = performance.now() - start));
            }
            timings.activateMs = performance.now() - start;
            return result;
          },
        };
      }
    }
  };
  return restore;
}

interface Mark {
  name: string;
  startTime: number;
}

/** VS Code keeps its performance marks on globalThis in every process, the extension host included. */
function vscodeMarks(): Mark[] {
  const marks = (globalThis as { MonacoPerformanceMarks?: { getMarks(): Mark[] } }).MonacoPerformanceMarks;
  return marks?.getMarks() ?? [];
}

function between(marks: Mark[], from: string, to: string): number | undefined {
  const a = marks.find((m) => m.name === `code/extHost/${from}/${EXTENSION_ID}`);
  const b = marks.find((m) => m.name === `code/extHost/${to}/${EXTENSION_ID}`);
  return a && b ? b.startTime - a.startTime : undefined;
}

const SETTLE_MS = Number(process.env.GVC_BENCH_SETTLE_MS ?? 3000);

interface Activated {
  file: string;
  fresh: boolean;
  timings: Timings;
  apiActivateMs: number;
}

/** Activates extension `id` (not yet active, main module not yet loaded) with its load and activate() timed. */
async function activateTimed(id: string): Promise<Activated> {
  const ext = vscode.extensions.getExtension(id);
  if (!ext) throw new Error(`${id} is not installed`);
  const main = (ext.packageJSON as { main?: string }).main ?? './dist/extension.js';
  const file = realpathSync(join(ext.extensionPath, main.endsWith('.js') ? main : `${main}.js`));
  const fresh = !ext.isActive && require.cache[file] === undefined;
  const timings: Timings = { requireMs: {} };
  const restore = timeModule(file, timings);
  const t0 = performance.now();
  try {
    await ext.activate();
  } finally {
    restore();
  }
  const apiActivateMs = performance.now() - t0;
  if (timings.loadMs === undefined || timings.activateMs === undefined) {
    throw new Error(`the main module ${file} was not loaded through Node's CommonJS loader here (already loaded: ${!fresh})`);
  }
  return { file, fresh, timings, apiActivateMs };
}

/**
 * `controlId`: a hello-world extension (one command) activated in the same start, before or after the product as
 * `controlFirst` says (alternated over the starts by the runner), to show what activation costs here at the least.
 */
export async function measureActivation(say: (line: string) => void, controlId?: string, controlFirst = false): Promise<ActivationSample> {
  // The suite starts while the workbench is still starting (built-in extensions, the browser rendering): on a
  // small machine that contention would swamp the figure, so let the window settle first.
  await sleep(SETTLE_MS);
  let control: Activated | undefined;
  if (controlId && controlFirst) control = await activateTimed(controlId);
  const product = await activateTimed(EXTENSION_ID);
  if (controlId && !controlFirst) control = await activateTimed(controlId);
  const { file, fresh, timings, apiActivateMs } = product;
  const marks = vscodeMarks();
  const dist = dirname(file);
  // What activation itself loaded (the setup left for a tick later may load more, on its own time).
  const alsoLoaded = (timings.loadedAtActivation ?? Object.keys(require.cache).filter((f) => f !== file && dirname(f) === dist)).map((f) => basename(f));
  // The setup left for after activate() (a zero timeout): it has run once a few ticks have passed.
  for (let i = 0; i < 100 && timings.startup && timings.startup.deferredMs === undefined; i++) await sleep(10);
  const panelColdMs = await openPanelTimed();
  const sample: ActivationSample = {
    fresh: fresh && (control?.fresh ?? true),
    moduleLoadMs: timings.loadMs!,
    activateMs: timings.activateMs!,
    deferredMs: timings.startup?.deferredMs,
    vscodeCodeLoadingMs: between(marks, 'willLoadExtensionCode', 'didLoadExtensionCode'),
    vscodeActivateMs: between(marks, 'willActivateExtension', 'didActivateExtension'),
    apiActivateMs,
    requireMs: timings.requireMs,
    alsoLoaded,
    control: control && { loadMs: control.timings.loadMs!, activateMs: control.timings.activateMs!, first: controlFirst },
    panelColdMs,
    nodeVersion: process.versions.node,
    vscodeVersion: vscode.version,
  };
  say(
    `activation: load ${sample.moduleLoadMs.toFixed(2)} ms + activate() ${sample.activateMs.toFixed(2)} ms` +
      (sample.deferredMs !== undefined ? `, then ${sample.deferredMs.toFixed(2)} ms of setup a tick later` : '') +
      ` (VS Code marks: ${sample.vscodeCodeLoadingMs ?? '?'} + ${sample.vscodeActivateMs ?? '?'} ms; Extension.activate() ${apiActivateMs.toFixed(1)} ms);` +
      (sample.control ? ` hello-world ${(sample.control.loadMs + sample.control.activateMs).toFixed(2)} ms (${controlFirst ? 'before' : 'after'});` : '') +
      ` first Open Panel ${panelColdMs.toFixed(0)} ms${alsoLoaded.length ? `; also loaded: ${alsoLoaded.join(', ')}` : ''}${sample.fresh ? '' : ' (NOT FRESH)'}`,
  );
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  return sample;
}
