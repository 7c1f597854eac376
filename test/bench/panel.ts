// Open Panel → interactive, seen from the extension host: the command resolves only once the webview has
// loaded its script and the host has answered its "ready" message.
import vscode = require('vscode');

const PANEL_VIEW_TYPE = /glmVoiceClone\.panel/;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function panelTabOpen(): boolean {
  return vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .some((t) => t.input instanceof vscode.TabInputWebview && PANEL_VIEW_TYPE.test(t.input.viewType));
}

/** Milliseconds from issuing glmVoiceClone.openPanel to its promise resolving. */
export async function openPanelTimed(): Promise<number> {
  const t0 = performance.now();
  await vscode.commands.executeCommand('glmVoiceClone.openPanel');
  return performance.now() - t0;
}

/** Closes every editor and waits until the panel's tab is gone, then lets the workbench settle. */
export async function closeAll(settleMs = 400): Promise<void> {
  // A Speak File opens the read-along player in the panel area: its webview would be the first one a runner finds.
  await vscode.commands.executeCommand('glmVoiceClone.readAlong.stop');
  await vscode.commands.executeCommand('workbench.action.closePanel');
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  const deadline = Date.now() + 10_000;
  while (panelTabOpen() && Date.now() < deadline) await sleep(20);
  if (panelTabOpen()) throw new Error('the panel did not close');
  await sleep(settleMs);
}

/**
 * `runs` opens, each from a closed panel; the first is the window's first open when nothing opened it before.
 * After each open but the first, `probe` (a bare webview's open) runs too, so both see the same machine.
 */
export async function measurePanelOpens(runs: number, say: (line: string) => void, probe: () => Promise<number>): Promise<{ panel: number[]; probe: number[] }> {
  const times: number[] = [];
  const probes: number[] = [];
  await closeAll();
  for (let i = 0; i < runs; i++) {
    times.push(await openPanelTimed());
    await closeAll();
    if (i > 0) {
      probes.push(await probe());
      await closeAll();
    }
    say(`open panel ${i + 1}/${runs}: ${times[i].toFixed(0)} ms${i > 0 ? ` (bare webview ${probes[i - 1].toFixed(0)} ms)` : ''}`);
  }
  return { panel: times, probe: probes };
}
