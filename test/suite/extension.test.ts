// The shipped extension (installed from its .vsix) in the real extension host.
import * as assert from 'node:assert/strict';
import vscode = require('vscode');

const EXTENSION_ID = 'glm-voice-clone.glm-voice-clone';
const PANEL_TITLE = 'GLM Voice Clone';

function allTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs);
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

suite('Installed extension (real extension host)', () => {
  teardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('is installed from the vsix and activates', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not installed`);
    await ext.activate();
    assert.equal(ext.isActive, true);
  });

  test('registers its commands', async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
    const commands = new Set(await vscode.commands.getCommands(true));
    for (const id of ['openPanel', 'cloneVoice', 'setApiKey', 'clearApiKey']) {
      assert.ok(commands.has(`glmVoiceClone.${id}`), `glmVoiceClone.${id} is not registered`);
    }
  });

  test('Open Panel opens a webview tab labelled "GLM Voice Clone"', async () => {
    await vscode.commands.executeCommand('glmVoiceClone.openPanel');
    const tab = await waitFor('the panel tab', () => allTabs().find((t) => t.label === PANEL_TITLE));
    assert.ok(tab.input instanceof vscode.TabInputWebview, 'the tab shows a webview');
    assert.match((tab.input as vscode.TabInputWebview).viewType, /glmVoiceClone\.panel/);
  });

  test('does not activate at startup (no "*" nor "onStartupFinished")', () => {
    const events: string[] = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.activationEvents ?? [];
    assert.equal(events.includes('*'), false, `activationEvents: ${events.join(', ')}`);
    assert.equal(events.includes('onStartupFinished'), false, `activationEvents: ${events.join(', ')}`);
  });

  test(`runs on Node ≥ 20.18.1 (this host: ${process.versions.node})`, () => {
    assert.ok(compareVersions(process.versions.node, '20.18.1') >= 0, `Node ${process.versions.node}`);
  });
});
