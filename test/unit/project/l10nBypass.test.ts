import * as assert from 'node:assert/strict';
import { findBypasses, hasWords, scanForBypasses } from '../../../scripts/l10n/bypass';

// No English a user reads may skip l10n: the host's messages, prompts, titles, tooltips, tree items, diagnostics and
// code actions, and the panel's visible text and accessible names (scripts/l10n/bypass.ts reads the TypeScript AST).

suite('l10n: no user-facing English bypasses l10n', function () {
  this.timeout(30_000);

  test('src/host and src/webview hand the user no raw English', () => {
    assert.deepEqual(scanForBypasses().map((b) => `${b.file}:${b.line} ${b.text}`), []);
  });

  test('a planted raw string is found, in every kind of place the check covers', () => {
    const planted = [
      "vscode.window.showErrorMessage('Something broke.');",
      "vscode.window.showWarningMessage(l10n.t('Sure?'), { modal: true }, 'Delete');",
      "vscode.window.showInputBox({ title: l10n.t('Name'), prompt: 'Type a name' });",
      "vscode.window.showQuickPick(items, { placeHolder: 'Pick one' });",
      "vscode.window.withProgress({ location, title: `Cloning ${name}` }, run);",
      "item.tooltip = 'Click to choose another voice.';",
      "const t = new vscode.TreeItem('System voices');",
      "const d = new vscode.Diagnostic(range, cond ? l10n.t('ok') : 'No voice for this speaker');",
      "const a = new vscode.CodeAction('Assign a voice', kind);",
      "statusBarItem.text = `$(unmute) Speaking with ${name}`;",
      "el.textContent = 'Checking the sample…';",
      "button.setAttribute('aria-label', 'Play this preview');",
      "input.placeholder = 'https://example.com/sample.wav or a path';",
      "items.push({ label: 'Cloned voices', kind });",
    ];
    const found = findBypasses('planted.ts', planted.join('\n'));
    assert.deepEqual(
      found.map((b) => b.line),
      planted.map((_, i) => i + 1),
      `not found: ${planted.filter((_, i) => !found.some((b) => b.line === i + 1)).join(' / ')}`,
    );
  });

  test('translated text, codicons, the product name, URLs and interpolations alone pass', () => {
    const clean = [
      "vscode.window.showErrorMessage(`GLM Voice Clone: ${e.message}`, l10n.t('Retry'));",
      "vscode.window.showInputBox({ title: l10n.t('Name'), placeHolder: 'sk_…', prompt: vscode.l10n.t('Paste the key') });",
      "item.text = `$(unmute) ${v.name}`;",
      "el.textContent = '';",
      "el.textContent = `${n} / ${max}`;",
      "input.placeholder = 'https://example.com/sample.wav';",
      "log.warn('a log line is for the developer');",
    ];
    assert.deepEqual(findBypasses('clean.ts', clean.join('\n')), []);
  });

  test('what counts as words', () => {
    assert.equal(hasWords('Retry'), true);
    assert.equal(hasWords('重试'), true);
    assert.equal(hasWords('GLM Voice Clone: '), false);
    assert.equal(hasWords('$(check) · 1.0×'), false);
  });
});
