// The getting-started walkthrough in the real extension host: it opens, and its steps complete on context keys the
// extension sets on the real action (the e2e layer sees the steps tick in the workbench).
import * as assert from 'node:assert/strict';
import vscode = require('vscode');
import { WALKTHROUGH_KEYS } from '../../src/host/services/walkthrough';

const EXTENSION_ID = 'glm-voice-clone.glm-voice-clone';

interface WalkthroughStep {
  id: string;
  completionEvents?: string[];
}

suite('Walkthrough (real extension host)', () => {
  teardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('is contributed with three steps, each completed by a context key the extension sets', () => {
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as { contributes: { walkthroughs: { id: string; steps: WalkthroughStep[] }[] } };
    const walkthrough = pkg.contributes.walkthroughs.find((w) => w.id === 'gettingStarted');
    assert.ok(walkthrough, 'the gettingStarted walkthrough is contributed');
    assert.deepEqual(
      walkthrough.steps.map((s) => [s.id, s.completionEvents]),
      [
        ['setApiKey', [`onContext:${WALKTHROUGH_KEYS.hasKey}`]],
        ['cloneVoice', [`onContext:${WALKTHROUGH_KEYS.hasVoice}`]],
        ['speakFile', [`onContext:${WALKTHROUGH_KEYS.spokeFile}`]],
      ],
    );
  });

  test('workbench.action.openWalkthrough opens it in an editor tab', async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
    const before = vscode.window.tabGroups.all.flatMap((g) => g.tabs).length;
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', `${EXTENSION_ID}#gettingStarted`, false);
    const deadline = Date.now() + 10_000;
    while (vscode.window.tabGroups.all.flatMap((g) => g.tabs).length <= before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs);
    assert.ok(tabs.length > before, 'a tab opened');
    assert.ok(tabs.some((t) => t.isActive && /welcome|walkthrough|get started/i.test(t.label)), `the active tab is the walkthrough: ${tabs.map((t) => t.label).join(', ')}`);
  });
});
