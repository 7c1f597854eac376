// `npm run bench:levels` (and part of `npm run bench`): the double's tone at three levels (its `tone` setting: quiet,
// middling, loud; a fifth of each clip a pause), about a minute each, mastered for podcast and acx by the core
// (src/core/master), then measured again: after podcast |integrated − target| (≤ 0.5 LU) and true peak (≤ -1 dBTP),
// after acx RMS (-23…-18 dB) and sample peak (≤ -3 dBFS). Prints the figures; checks nothing (see the unit tests).
import { performance } from 'node:perf_hooks';
import { complianceReport, loudnessTarget, master, PRESETS, type PresetId } from '../../src/core/master';
import { SAMPLE_RATE, synthesizePcm } from '../double/synth';

export const LEVELS_DB = [-40, -25, -6];

function narration(levelDb: number, seconds: number): Int16Array {
  const parts: Buffer[] = [];
  let frames = 0;
  for (let k = 0; frames < seconds * SAMPLE_RATE; k++) {
    const pcm = synthesizePcm(`Sentence ${k} of the bench narration, spoken at one level throughout its length.`, { levelDb, pause: 0.2 });
    parts.push(pcm);
    frames += pcm.length / 2;
  }
  const all = Buffer.concat(parts);
  const out = new Int16Array(all.length / 2);
  new Uint8Array(out.buffer).set(all);
  return out;
}

async function main(): Promise<void> {
  process.stdout.write(`mastering: the double's tone at ${LEVELS_DB.join(', ')} dB peak, 60 s each (Node ${process.version})\n`);
  for (const levelDb of LEVELS_DB) {
    const samples = narration(levelDb, 60);
    for (const preset of ['podcast', 'acx'] as PresetId[]) {
      const t0 = performance.now();
      const r = await master({ samples, sampleRate: SAMPLE_RATE, channels: 1 }, preset);
      const ms = performance.now() - t0;
      const report = complianceReport(r.pcm, preset);
      const m = report.measurement;
      const figures = preset === 'podcast'
        ? `|I − target| ${Math.abs(m.integratedLufs - (loudnessTarget(PRESETS.podcast, 1) as number)).toFixed(2)} LU (≤ 0.5), true peak ${m.truePeakDbtp.toFixed(2)} dBTP (≤ -1)`
        : `RMS ${m.rmsDb.toFixed(2)} dB (-23…-18), peak ${m.samplePeakDbfs.toFixed(2)} dBFS (≤ -3), noise floor ${m.noiseFloorDb.toFixed(1)} dB (≤ -60)`;
      process.stdout.write(`level ${String(levelDb).padStart(3)} dB → ${preset.padEnd(7)} ${report.pass ? 'pass' : 'FAIL'}: ${figures}; gain ${r.gainDb.toFixed(1)} dB${r.limitedSamples ? ', limiter acted' : ''}; ${ms.toFixed(0)} ms\n`);
    }
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
