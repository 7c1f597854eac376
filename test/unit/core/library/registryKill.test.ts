// Killing the extension host in the middle of a registry write leaves the previous registry (or the new one)
// readable, never a torn one: a child process writes large records in a loop and is SIGKILLed at random moments.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VoiceRegistry, REGISTRY_FILE } from '../../../../src/core/library/voiceRegistry';
import { mulberry32 } from '../../../double/random';

const WRITER = join(__dirname, '..', '..', '..', 'support', 'registryWriter.ts');
const ROUNDS = 8;

/** Starts the writer, lets it write for `ms` after it is ready, SIGKILLs it; resolves with the last count it reported. */
function writeThenKill(dir: string, ms: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let reported = -1;
    let buffered = '';
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line === 'ready') {
          reported = Math.max(reported, 0);
          setTimeout(() => child.kill('SIGKILL'), ms);
        }
        const m = /^saved (\d+)$/.exec(line);
        if (m) reported = Number(m[1]);
      }
    });
    child.once('error', reject);
    child.once('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve(reported) : reject(new Error(`the writer exited by itself (${_code ?? signal})`))));
  });
}

suite('registry: killed mid-write', function () {
  this.timeout(60_000);
  let dir: string;
  setup(() => {
    dir = mkdtempSync(join(tmpdir(), 'gvc-kill-'));
  });
  teardown(() => rmSync(dir, { recursive: true, force: true }));

  test(`${ROUNDS} SIGKILLs at random moments: the registry always opens whole, holding every change reported saved`, async () => {
    const random = mulberry32(20261124);
    let previous = 0;
    let interrupted = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const reported = await writeThenKill(dir, Math.floor(random() * 400));
      const registry = await VoiceRegistry.open(dir);
      assert.equal(registry.recovered, undefined, `round ${round}: the registry was unreadable (${registry.recovered?.reason})`);
      assert.equal(registry.droppedOnLoad, 0);
      const count = registry.voices().length;
      // Every change the writer reported saved is there; at most the one in flight is (or is not) there too.
      assert.ok(count >= Math.max(previous, reported) && count <= Math.max(previous, reported) + 1, `round ${round}: ${count} voices, ${reported} reported, ${previous} before`);
      // The file itself is whole JSON: what a reader that is not VoiceRegistry would see too.
      const parsed = JSON.parse(readFileSync(join(dir, REGISTRY_FILE), 'utf8')) as { voices: unknown[] };
      assert.equal(parsed.voices.length, count);
      if (readdirSync(dir).some((f) => f.includes('.tmp-'))) interrupted++;
      previous = count;
    }
    // The temp files a kill leaves are never read as the registry (it opened whole every time above).
    assert.ok(previous > ROUNDS, `only ${previous} changes were written: the kills hit nothing`);
    process.stdout.write(`      ${previous} changes written; ${interrupted} of ${ROUNDS} kills left a temp file behind, never a torn registry\n`);
  });
});
