// `glm-voice-clone transcribe`: an audio URL through Novita's speech recognition, the text printed.
import { SampleFlow } from '../../core/flows/sample';
import { commandSummary } from '../messages';
import { COMMON, commonOptions } from '../options';
import { UsageError } from '../problems';
import { reportFailure } from '../reporter';
import type { CliCommand } from './command';

export const transcribe: CliCommand = {
  usage: 'glm-voice-clone transcribe <audio URL> [options]',
  summary: commandSummary.transcribe,
  options: { ...COMMON },
  positionals: true,
  common: commonOptions,
  async run({ runtime, parsed: p, l10n, signal }) {
    const url = p.positionals[0];
    if (!url || p.positionals.length > 1) throw new UsageError({ kind: 'noInputs', command: 'transcribe' });
    const samples = new SampleFlow({ connections: runtime.connections, folders: runtime.audioFolder, settings: () => runtime.settings });
    try {
      const text = await samples.transcribe(url, signal);
      if (runtime.options.json) runtime.json({ event: 'transcribed', url, text });
      else runtime.out(text);
      return 0;
    } catch (err) {
      return reportFailure(runtime, l10n, err, signal);
    }
  },
};
