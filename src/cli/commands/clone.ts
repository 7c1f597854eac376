// `glm-voice-clone clone`: a voice cloned from a sample URL, or with --provider zhipu from a file (--file), with the
// user's statement that they may; recorded in the data folder's registry (with its provider) so --voice can name it;
// the preview copied to --out when asked.
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { problemOf } from '../../core/errors';
import { CloneFlow } from '../../core/flows/clone';
import { SampleFlow } from '../../core/flows/sample';
import { fieldProblemsText, progressText } from '../../messages/index';
import { cloneDoneText, commandSummary } from '../messages';
import { COMMON, commonOptions, flag, string } from '../options';
import { UsageError } from '../problems';
import { reportFailure } from '../reporter';
import type { CliCommand } from './command';

const DEFAULT_PREVIEW_TEXT = 'Hello! This is a preview of my new voice.';

export const clone: CliCommand = {
  usage: 'glm-voice-clone clone (--sample-url URL | --file FILE --provider zhipu) --name NAME --i-have-the-right [options]',
  summary: commandSummary.clone,
  options: {
    'sample-url': { type: 'string', value: 'URL' },
    file: { type: 'string', value: 'FILE' },
    name: { type: 'string', value: 'NAME' },
    transcript: { type: 'string', value: 'TEXT' },
    text: { type: 'string', value: 'TEXT' },
    out: { type: 'string', short: 'o', value: 'FILE' },
    'accept-warnings': { type: 'boolean' },
    'i-have-the-right': { type: 'boolean' },
    ...COMMON,
  },
  positionals: false,
  common: commonOptions,
  async run({ runtime, parsed: p, l10n, signal }) {
    const sampleUrl = string(p, 'sample-url');
    const name = string(p, 'name');
    const file = string(p, 'file');
    if (!sampleUrl && !file) throw new UsageError({ kind: 'missingOption', command: 'clone', option: 'sample-url' });
    let sampleFile: { path: string; bytes: Uint8Array } | undefined;
    if (file) {
      const path = resolve(file);
      try {
        sampleFile = { path, bytes: await readFile(path) };
      } catch (err) {
        throw new UsageError({ kind: 'readFile', path: file, code: (err as { code?: string }).code });
      }
    }
    if (!name) throw new UsageError({ kind: 'missingOption', command: 'clone', option: 'name' });
    const samples = new SampleFlow({ connections: runtime.connections, folders: runtime.audioFolder, settings: () => runtime.settings });
    const flow = new CloneFlow({ connections: runtime.connections, folders: runtime.audioFolder, library: () => runtime.registry(), samples, historyMaxItems: () => 50, providers: runtime.providers });
    const form = { sampleUrl: sampleFile ? '' : (sampleUrl ?? ''), transcript: string(p, 'transcript') ?? '', text: string(p, 'text') ?? DEFAULT_PREVIEW_TEXT, voiceName: name };
    try {
      const outcome = await flow.clone(form, {
        signal,
        acceptWarnings: flag(p, 'accept-warnings'),
        // The user's statement that they may clone this voice, as the editor's checkbox asks; without it, nothing is sent.
        consent: flag(p, 'i-have-the-right'),
        provider: runtime.provider,
        ...(sampleFile ? { sampleFile } : {}),
        progress: (e) => {
          if (!runtime.options.json) runtime.err(progressText(e, l10n));
        },
      });
      let preview = outcome.filePath;
      const out = string(p, 'out');
      if (out) {
        await mkdir(dirname(resolve(out)), { recursive: true });
        await copyFile(outcome.filePath, resolve(out));
        preview = resolve(out);
      }
      if (runtime.options.json) runtime.json({ event: 'cloned', voiceId: outcome.voiceId, name: outcome.voiceName, preview, ...(runtime.provider !== 'novita' ? { provider: runtime.provider } : {}) });
      else runtime.out(cloneDoneText({ name: outcome.voiceName, voiceId: outcome.voiceId, preview }, l10n));
      return 0;
    } catch (err) {
      const problem = problemOf(err);
      if (problem.kind === 'formInvalid') {
        const texts = fieldProblemsText(problem.problems, l10n);
        for (const line of Object.values(texts)) runtime.err(line);
        if (runtime.options.json) runtime.json({ event: 'failed', error: problem });
        return 2;
      }
      return reportFailure(runtime, l10n, err, signal);
    }
  },
};
