// `glm-voice-clone speak`: text (arguments, a file, or standard input) into one audio file, its format from --format
// or the --out extension.
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import { formatOfPath } from '../../core/export/formats';
import { subtitlePaths } from '../../core/export/outputPath';
import { NarrateFlow } from '../../core/flows/narrate';
import { Synthesizer } from '../../core/flows/synthesis';
import { progressText } from '../../messages/index';
import { languageOf } from '../files';
import { commandSummary, speakDoneText } from '../messages';
import { CACHE, COMMON, VOICE, cacheOptions, commonOptions, formatOption, narrationSettings, string, voiceOptions } from '../options';
import { boundedMp3Encoder } from '../mp3Jobs';
import { UsageError } from '../problems';
import { reportFailure } from '../reporter';
import { checkedResolver, providerRouter } from '../voices';
import type { CliCommand } from './command';

export const speak: CliCommand = {
  usage: 'glm-voice-clone speak [text…] --out FILE [options]',
  summary: commandSummary.speak,
  options: { ...VOICE, file: { type: 'string', short: 'f', value: 'FILE|-' }, out: { type: 'string', short: 'o', value: 'FILE' }, ...CACHE, ...COMMON },
  positionals: true,
  common: commonOptions,
  async run({ runtime, parsed: p, l10n, signal }) {
    const v = voiceOptions('speak', p);
    const out = string(p, 'out');
    if (!out) throw new UsageError({ kind: 'missingOption', command: 'speak', option: 'out' });
    const file = string(p, 'file');
    let text: string;
    if (file === '-') text = await readStdin();
    else if (file !== undefined) {
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        throw new UsageError({ kind: 'readFile', path: file, code: (err as { code?: string }).code });
      }
    } else text = p.positionals.join(' ');
    if (!text.trim()) throw new UsageError({ kind: 'noInputs', command: 'speak' });
    const voice = (await checkedResolver(runtime, v.voice))(v.voice);
    const target = resolve(out);
    const format = formatOption('speak', p, formatOfPath(target));
    const subtitles = subtitlePaths(target.slice(0, target.length - extname(target).length), v.subtitles);
    await mkdir(dirname(target), { recursive: true });
    const synthesizer = new Synthesizer({
      connections: runtime.connections,
      cache: runtime.cache(cacheOptions('speak', p)),
      endpoint: () => runtime.settings.apiBaseUrl,
      providers: runtime.providers,
      providerOf: providerRouter(await runtime.registry(), runtime.provider),
    });
    const flow = new NarrateFlow({
      synthesizer,
      folders: runtime.scratch,
      library: () => Promise.reject(new Error('no history in the CLI')),
      settings: () => narrationSettings(v),
      // the CLI's own worker (its bundle), as narrate's: nothing beside dist/cli.js is needed
      encodeMp3: boundedMp3Encoder(1),
    });
    try {
      const result = await flow.narrate(
        { text, languageId: file && file !== '-' ? languageOf(file) : undefined, voice, kind: 'speech' },
        {
          signal,
          progress: (e) => {
            if (e.step === 'retryWait') runtime.err(progressText(e, l10n));
          },
          output: { path: target, format, mp3Kbps: v.mp3Kbps, srtPath: subtitles.srt, vttPath: subtitles.vtt, history: false },
        },
      );
      if (runtime.options.json) {
        runtime.json({ event: 'done', output: result.filePath, subtitles: result.subtitles, chunks: result.chunks, cachedChunks: result.cachedChunks, durationSec: result.durationSec, requests: synthesizer.session.requests });
      } else runtime.out(speakDoneText({ output: result.filePath, chunks: result.chunks, cached: result.cachedChunks, durationSec: result.durationSec }, l10n));
      return 0;
    } catch (err) {
      return reportFailure(runtime, l10n, err, signal);
    }
  },
};

async function readStdin(): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of process.stdin) parts.push(chunk as Buffer);
  return Buffer.concat(parts).toString('utf8');
}
