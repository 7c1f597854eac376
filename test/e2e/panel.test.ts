// The clone panel in a real workbench (code-server + chromium), driven as a person would.
import * as assert from 'node:assert/strict';
import { runCommand, webview } from './workbench';

suite('Clone panel in the browser', () => {
  test('Open Panel from the palette shows the form; an empty sample URL is reported next to its field and the typed text stays', async () => {
    await runCommand('GLM Voice Clone: Open Panel');
    const view = webview();
    await view.getByText('Sample audio URL', { exact: true }).waitFor({ state: 'visible', timeout: 30_000 });
    await view.locator('body[data-ready="true"]').waitFor({ timeout: 15_000 });

    const text = 'A sentence typed in the end-to-end test.';
    await view.getByLabel('Sample audio URL').fill(''); // an earlier test's draft may have been restored
    await view.getByLabel('Text to preview').fill(text);
    await view.getByLabel('I have the right to clone this voice').check();
    await view.getByRole('button', { name: 'Clone and preview' }).click();

    const error = view.locator('#sampleUrl-error');
    await error.waitFor({ state: 'visible', timeout: 5000 });
    assert.match((await error.textContent()) ?? '', /\S/, 'the error says something');
    assert.match((await view.getByLabel('Sample audio URL').getAttribute('aria-describedby')) ?? '', /\bsampleUrl-error\b/, 'the error belongs to the field');
    assert.equal(await view.getByLabel('Sample audio URL').getAttribute('aria-invalid'), 'true');
    assert.equal(await view.getByLabel('Text to preview').inputValue(), text, 'the typed text is still there');
  });
});
