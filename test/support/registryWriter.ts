// Child process of the kill-mid-write test: writes the voice registry in a loop (large records, one change after
// another) until it is killed. Prints "ready" once the registry is open, then one line per saved change.
import { VoiceRegistry } from '../../src/core/library/voiceRegistry';

async function main(): Promise<void> {
  const dir = process.argv[2];
  const registry = await VoiceRegistry.open(dir);
  const start = registry.voices().length;
  process.stdout.write('ready\n');
  for (let i = start; ; i++) {
    await registry.addVoice({
      voiceId: `voice_${process.pid}_${i}`,
      name: `kill-${i}`,
      sampleUrl: 'https://example.com/sample.wav',
      // ~256 KB per record, so a write takes long enough to be interrupted
      transcript: `${i} `.repeat(64 * 1024),
      createdAt: new Date().toISOString(),
    });
    process.stdout.write(`saved ${i + 1}\n`);
  }
}

void main();
