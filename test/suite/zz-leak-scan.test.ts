// Runs last (files run in sorted order): after every other in-editor suite has cloned, spoken and failed with its own
// distinctive key, no key may appear anywhere but in SecretStorage: not in the output channel's log files, the
// extension's global storage, globalState, the settings, any other file of the editor's user-data folder or the run's
// HOME and TMPDIR, nor in any message the suite was shown.
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import vscode = require('vscode');
import type { CloneCommandResult } from '../../src/host/commands/clone';
import { shownMessages } from '../support/shownMessages';
import { startDouble, stopDouble, sleep } from './fixture';

const KEY = 'gvc-leakscan-key-4a7e0c19b2d8';
/** Every key the in-editor suites use: "gvc-<suite>-key-<hex>" (and clone.test's "gvc-test-key-<hex>"). */
const ANY_SUITE_KEY = /gvc-[a-z]+-key-[0-9a-f]{10,}/g;

function walk(dir: string, skip: (path: string) => boolean): string[] {
  if (!existsSync(dir) || skip(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    if (skip(p)) return [];
    if (d.isDirectory()) return walk(p, skip);
    return d.isFile() ? [p] : [];
  });
}

/** The suite keys found in `bytes`, as UTF-8, UTF-16 or URL-encoded text. */
function keysIn(bytes: Buffer): string[] {
  const found = new Set<string>();
  for (const text of [bytes.toString('latin1'), bytes.toString('utf16le')]) for (const m of text.matchAll(ANY_SUITE_KEY)) found.add(m[0]);
  return [...found];
}

suite('zz: the API key leaks nowhere (scan at the end of the in-editor suite)', function () {
  this.timeout(120_000);

  test('no suite key in logs, global storage, globalState, settings, the user-data folder, HOME, TMPDIR or any message shown', async () => {
    const double = await startDouble(KEY);
    let storageRoot: string;
    try {
      // One more success and one failure with this key, so the scan also covers what they wrote.
      const ok = await vscode.commands.executeCommand<CloneCommandResult>('glmVoiceClone.cloneVoice', {
        consent: true,
        sampleUrl: `${double.baseUrl}/samples/voice.wav`,
        transcript: 'The last transcript of the run.',
        text: 'The last clone of the run.',
        voiceName: `leakscan-${Date.now().toString(36)}`,
      });
      assert.ok(ok?.ok, JSON.stringify(ok));
      storageRoot = dirname(dirname(ok.filePath));
      double.setFault('clone', { status: 401, body: { code: 401, reason: 'INVALID_API_KEY', message: `key Bearer ${KEY} is not valid`, metadata: { key: KEY } } });
      const failed = await vscode.commands.executeCommand<CloneCommandResult>('glmVoiceClone.cloneVoice', {
        consent: true,
        sampleUrl: `${double.baseUrl}/samples/voice.wav`,
        transcript: '',
        text: 'Refused, echoing the key.',
        voiceName: `leakscan-denied-${Date.now().toString(36)}`,
      });
      assert.equal(failed?.ok, false);
      if (failed && !failed.ok) assert.equal(failed.message.includes(KEY), false, `the key is in the message: ${failed.message}`);
    } finally {
      await stopDouble(double);
    }
    await vscode.commands.executeCommand('glmVoiceClone.showLog');
    await sleep(2000); // log files are flushed asynchronously

    // <user-data>/User/globalStorage/<extension id>: the user-data folder is three levels up; the run's scratch
    // folder (HOME, TMPDIR) holds it.
    const userData = dirname(dirname(dirname(storageRoot)));
    const scratch = dirname(userData);
    assert.ok(existsSync(join(userData, 'User', 'settings.json')), `no settings.json under ${userData}`);
    const logFiles = walk(join(userData, 'logs'), () => false).filter((f) => f.endsWith('GLM Voice Clone.log'));
    assert.ok(logFiles.length > 0, 'the output channel writes a log file (the scan would be blind otherwise)');
    assert.ok(logFiles.some((f) => /POST .*\/v3\/glm-tts-voice-clone/.test(readFileSync(f, 'utf8'))), 'the log file records requests');

    // The browser's profile is code-server's SecretStorage backing store (web secrets live in the browser), and the
    // extension's own bundles cannot hold a key; everything else is scanned.
    const skip = (p: string) => /[/\\](chromium|ext|node_modules)$/.test(p) || p.endsWith('.vsix');
    const hits: string[] = [];
    let scanned = 0;
    for (const file of walk(scratch, skip)) {
      if (statSync(file).size > 100 * 1024 * 1024) continue;
      const bytes = readFileSync(file);
      scanned++;
      const keys = keysIn(bytes);
      if (!keys.length) continue;
      if (file.endsWith('state.vscdb')) {
        // globalState and the workbench's storage: a key may sit only under a "secret://" entry, encrypted or not.
        const text = bytes.toString('latin1');
        const outside = keys.filter((k) => text.split(k).slice(0, -1).some((before) => !/secret:\/\/[^\n]{0,400}$/.test(before.slice(-500))));
        if (outside.length) hits.push(`${relative(scratch, file)}: ${outside.join(', ')} outside a secret:// entry`);
        continue;
      }
      hits.push(`${relative(scratch, file)}: ${keys.join(', ')}`);
    }
    for (const message of shownMessages()) for (const m of message.matchAll(ANY_SUITE_KEY)) hits.push(`a message shown to the user: ${m[0]}`);
    const config = vscode.workspace.getConfiguration();
    for (const section of ['glmVoiceClone', 'http']) {
      const text = JSON.stringify(config.get(section) ?? null);
      if (ANY_SUITE_KEY.test(text)) hits.push(`the ${section} settings`);
      ANY_SUITE_KEY.lastIndex = 0;
    }
    process.stdout.write(`      scanned ${scanned} files under ${scratch} and ${shownMessages().length} messages shown\n`);
    assert.deepEqual(hits, [], 'a key leaked');
    assert.ok(scanned > 20, `only ${scanned} files scanned`);
  });
});
