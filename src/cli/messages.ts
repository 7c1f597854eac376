// Every sentence the command-line tool says, through the translator it is given (@vscode/l10n, with the zh-cn
// bundle when the locale asks for it). Problems of the core are worded by src/messages; only what a terminal user
// must be told differently (where the key comes from) is said here instead.
import type { Problem } from '../core/errors';
import { describeProblem, formatBytes, formatSeconds, type L10n } from '../messages/index';
import type { InputProblem } from './files';
import type { CliProblem } from './problems';

export type OptionName =
  | 'base-url'
  | 'key-file'
  | 'data-dir'
  | 'timeout'
  | 'json'
  | 'verbose'
  | 'help'
  | 'cache-dir'
  | 'no-cache'
  | 'cache-max-mb'
  | 'voice'
  | 'speed'
  | 'volume'
  | 'concurrency'
  | 'format'
  | 'mp3-kbps'
  | 'jobs'
  | 'subtitles'
  | 'out'
  | 'shard'
  | 'on-failure'
  | 'dry-run'
  | 'file'
  | 'sample-url'
  | 'name'
  | 'transcript'
  | 'text'
  | 'accept-warnings'
  | 'max-mb'
  | 'all'
  | 'cast'
  | 'pronunciations'
  | 'pause-ms'
  | 'chapter-level'
  | 'title'
  | 'author'
  | 'album'
  | 'year'
  | 'cover'
  | 'force'
  | 'master'
  | 'i-have-the-right'
  | 'provider'
  | 'remote';

/** Each command's summary: its row in the main --help and the start of its own (see src/cli/commands/<name>.ts). */
export const commandSummary = {
  narrate: (l10n: L10n) => l10n.t('Voices every file into audio (WAV or MP3, optional subtitles) beside it or under --out, through the chunk cache: a second run sends only what changed.'),
  speak: (l10n: L10n) => l10n.t('Speaks the given text (or a file, or standard input with --file -) into one audio file.'),
  clone: (l10n: L10n) => l10n.t('Clones a voice from a sample URL at Novita, or from a file on this computer at Zhipu (--file, --provider zhipu), and records it in the data folder, so --voice can use it by name.'),
  transcribe: (l10n: L10n) => l10n.t('Transcribes an audio URL with Novita’s speech recognition and prints the text.'),
  voices: (l10n: L10n) => l10n.t('Lists the system voices and the voices cloned into the data folder (--remote: also those at Zhipu); “voices delete NAME” deletes a voice at Zhipu.'),
  cache: (l10n: L10n) => l10n.t('Shows the chunk cache’s size (stats) or shrinks it (prune; --all empties it).'),
};

export function optionHelp(l10n: L10n): Record<OptionName, string> {
  return {
    'base-url': l10n.t('API base URL (default https://api.novita.ai; http only to this machine, e.g. the double).'),
    'key-file': l10n.t('Read the API key from this file instead of NOVITA_API_KEY. The key is never taken as an argument.'),
    provider: l10n.t('Where to clone and speak: novita (default, or GVC_PROVIDER) or zhipu (bigmodel.cn: key from ZHIPU_API_KEY or --key-file; clones from a file; --base-url then names Zhipu’s API, default https://open.bigmodel.cn/api/paas/v4).'),
    remote: l10n.t('Also list the voices at the provider (Zhipu), marking those known only here or only there.'),
    'data-dir': l10n.t('Folder of the voice registry and clone previews (default $XDG_DATA_HOME/glm-voice-clone).'),
    timeout: l10n.t('Seconds to wait for each request (default 60).'),
    json: l10n.t('Print results as JSON, one object per line.'),
    verbose: l10n.t('Log every request on standard error (the key is never shown).'),
    help: l10n.t('Show this help.'),
    'cache-dir': l10n.t('Chunk cache folder (default $XDG_CACHE_HOME/glm-voice-clone/chunks); keep it between CI runs.'),
    'no-cache': l10n.t('Send every chunk, keep nothing.'),
    'cache-max-mb': l10n.t('Size the cache is kept under, least recently used chunks first (default 4096).'),
    voice: l10n.t('System voice, or a cloned voice’s name or id (default tongtong; see “glm-voice-clone voices”).'),
    speed: l10n.t('Speaking speed, 0.5–2 (default 1).'),
    volume: l10n.t('Volume, above 0 up to 10 (default 1).'),
    concurrency: l10n.t('Requests in flight at once, shared by all files (default 4, at most 64).'),
    format: l10n.t('Audio format (default wav; speak: from the --out extension).'),
    'mp3-kbps': l10n.t('MP3 bitrate in kbit/s (default 64).'),
    jobs: l10n.t('MP3 files encoded at once, each in a worker thread (default: the number of processors less one, at least 1).'),
    subtitles: l10n.t('Subtitles written beside the audio (default none).'),
    out: l10n.t('narrate: folder to write under, mirroring the paths (default: beside each file). speak, clone: the file to write.'),
    shard: l10n.t('Voice only shard I of N (1-based) of the sorted file list, e.g. in a CI matrix.'),
    'on-failure': l10n.t('When a chunk fails for good: stop (the file fails; default) or skip (silence in its place, reported).'),
    'dry-run': l10n.t('Only list the files, their chunks and the characters that would be sent.'),
    file: l10n.t('speak: read the text from this file (- for standard input). clone: the voice sample on this computer (MP3 or WAV, at most 10 MB; with --provider zhipu).'),
    'sample-url': l10n.t('Public URL of the voice sample (3–30 s of speech).'),
    name: l10n.t('Name of the new voice (letters, digits, - and _).'),
    transcript: l10n.t('What the sample says (better clones; optional).'),
    text: l10n.t('Text of the preview spoken by the new voice.'),
    'accept-warnings': l10n.t('Clone even when the sample check warns (too short, too long…).'),
    'max-mb': l10n.t('prune: the size to shrink the cache to (default 4096).'),
    all: l10n.t('prune: remove every entry.'),
    cast: l10n.t('Voices per speaker for scripts (default .vscode/glm-voice-cast.json here, as in the editor); a file’s front matter “voices:” wins.'),
    pronunciations: l10n.t('Words to say differently (default .vscode/glm-voice-pronunciations.json here, as in the editor).'),
    'i-have-the-right': l10n.t('Confirm that you have the right to clone the voice in the sample (required, as the editor’s checkbox is; recorded with the voice).'),
    'pause-ms': l10n.t('Silence between two speakers’ lines in a script, in milliseconds (default 300).'),
    'chapter-level': l10n.t('Markdown headings down to this level (and a screenplay’s scene headings) become chapters: name.chapters.vtt, and ID3 chapters in an MP3 (default 2; 0: none).'),
    title: l10n.t('MP3 title tag, for files whose front matter has no “title:”.'),
    author: l10n.t('MP3 author (artist) tag, for files whose front matter has no “author:”.'),
    album: l10n.t('MP3 album tag, for files whose front matter has no “album:”.'),
    year: l10n.t('MP3 year tag, for files whose front matter has no “year:”.'),
    cover: l10n.t('Cover image (JPEG or PNG) for the MP3, for files whose front matter has no “cover:” (relative to the file).'),
    force: l10n.t('Render every file, even one whose output is up to date (same text, voices and settings; output unchanged).'),
    master: l10n.t('Master each file for where it is published: podcast (-16 LUFS, -19 for mono; true peak ≤ -1 dBTP; 44.1 kHz; MP3 128 kbit/s), acx (audiobooks: RMS -23 to -18 dB, peaks ≤ -3 dBFS, noise floor ≤ -60 dB, room tone, 44.1 kHz, MP3 192 kbit/s), web (-16 LUFS, MP3 64 kbit/s), or none (default). A line per file says whether it meets its preset; the exit code is 1 when one does not.'),
  };
}

/** The main --help: a row per command (its name and summary, in the registry's order). */
export function mainUsage(commands: ReadonlyArray<readonly [name: string, summary: string]>, l10n: L10n): string {
  const rows = commands.map(([c, summary]) => `  ${c.padEnd(11)} ${summary}`);
  return [
    'glm-voice-clone <command> [options]',
    '',
    ...rows,
    '',
    l10n.t('The API key comes from NOVITA_API_KEY or --key-file; proxies from HTTPS_PROXY and NO_PROXY.'),
    l10n.t('With --provider zhipu (or GVC_PROVIDER=zhipu), Zhipu’s key comes from ZHIPU_API_KEY or --key-file.'),
    l10n.t('Run “glm-voice-clone <command> --help” for a command’s options.'),
    l10n.t('Exit codes: 0 done, 1 something failed (the rest was still done), 2 wrong usage, 130 interrupted (finished chunks are kept; run again to resume).'),
    '',
  ].join('\n');
}

/** A core problem as the terminal says it: the key's advice names the environment variable and --key-file. */
export function describeForCli(problem: Problem, l10n: L10n): string {
  if (problem.kind === 'unauthorized' && problem.source === 'zhipu') {
    if (problem.cause === 'missing') return l10n.t('No Zhipu API key: set ZHIPU_API_KEY or pass --key-file with --provider zhipu.');
    if (problem.cause === 'badCharacters') return l10n.t('The Zhipu API key contains characters a key cannot have (spaces or line breaks?): check ZHIPU_API_KEY or the key file.');
    return l10n.t('Zhipu refused the API key ({0}): check ZHIPU_API_KEY or the key file.', problem.status ?? 401);
  }
  if (problem.kind === 'unauthorized') {
    if (problem.cause === 'missing') return l10n.t('No Novita API key: set NOVITA_API_KEY or pass --key-file.');
    if (problem.cause === 'badCharacters') return l10n.t('The Novita API key contains characters a key cannot have (spaces or line breaks?): check NOVITA_API_KEY or the key file.');
    return l10n.t('Novita refused the API key (401): check NOVITA_API_KEY or the key file.');
  }
  if (problem.kind === 'chunkFailed') {
    // The key or the account, not this chunk: said as it is.
    if (problem.cause.kind === 'unauthorized' || problem.cause.kind === 'forbidden') return describeForCli(problem.cause, l10n);
    return l10n.t('Chunk {0} of {1} failed: {2}', problem.index + 1, problem.total, describeForCli(problem.cause, l10n));
  }
  return describeProblem(problem, l10n).message;
}

export function describeCliProblem(p: CliProblem, l10n: L10n): string {
  switch (p.kind) {
    case 'unknownCommand':
      return l10n.t('Unknown command “{0}”. Run “glm-voice-clone --help” for the commands.', p.command);
    case 'badArguments':
      return l10n.t('{0} Run “glm-voice-clone {1} --help” for the options.', p.detail, p.command);
    case 'keyArgument':
      return l10n.t('The API key is never taken as an argument (other users can see arguments): set NOVITA_API_KEY or use --key-file.');
    case 'keyFile':
      return p.code === 'EMPTY' ? l10n.t('The key file {0} is empty.', p.path) : l10n.t('Cannot read the key file {0} ({1}).', p.path, p.code ?? '?');
    case 'badBaseUrl':
      return l10n.t('--base-url must be an https URL, or http to this machine: “{0}”.', p.value);
    case 'missingOption':
      return l10n.t('{0} needs --{1}. Run “glm-voice-clone {0} --help” for the options.', p.command, p.option);
    case 'badValue':
      return l10n.t('--{0} “{1}” is not valid: expected {2}.', p.option, p.value, p.expected);
    case 'noInputs':
      return l10n.t('Nothing to do: give {0} some input. Run “glm-voice-clone {0} --help”.', p.command);
    case 'unknownVoice':
      return l10n.t('Unknown voice “{0}”. Known voices: {1}. Clone one with “glm-voice-clone clone”, or point --data-dir at the folder that has it.', p.voice, p.known.join(', '));
    case 'readFile':
      return p.code === 'ENOENT' ? l10n.t('No such file.') : l10n.t('Cannot read the file ({0}).', p.code ?? '?');
    case 'outputClash':
      return l10n.t('Its output {0} is also the output of {1}: skipped.', p.path, p.other);
  }
}

export function inputProblemText(p: InputProblem, l10n: L10n): string {
  switch (p.kind) {
    case 'missingFile':
      return p.code === 'ENOENT' || !p.code ? l10n.t('{0}: no such file or folder.', p.pattern) : l10n.t('{0}: cannot be read ({1}).', p.pattern, p.code);
    case 'noMatch':
      return l10n.t('{0}: matched no files.', p.pattern);
    case 'badGlob':
      return l10n.t('{0}: the pattern could not be read: {1}', p.pattern, p.detail);
  }
}

export function fileDoneText(f: { file: string; output: string; chunks: number; cached: number; durationSec: number }, l10n: L10n): string {
  return l10n.t('{0} → {1} ({2} chunks, {3} from the cache, {4})', f.file, f.output, f.chunks, f.cached, formatSeconds(f.durationSec));
}

/** "book.md: meets Audiobook (ACX)", or "book.md: 2 problems: …" (the verdict already translated). */
export function fileVerdictText(file: string, verdict: string): string {
  return `${file}: ${verdict}`;
}

export function fileUpToDateText(f: { file: string; output: string }, l10n: L10n): string {
  return l10n.t('{0} → {1}: skipped (up to date)', f.file, f.output);
}

/** "file: reason" (the reason is already a translated sentence). */
export function fileFailedText(file: string, reason: string): string {
  return `${file}: ${reason}`;
}

/** The one line of a batch stopped by a refused (or missing) key: why, then how many files were left undone. */
export function keyRefusedText(reason: string, notDone: number, files: number, l10n: L10n): string {
  return l10n.t('{0} Nothing more was sent: {1} of {2} file(s) not narrated.', reason, notDone, files);
}

export function skippedChunksText(file: string, count: number, reason: string, l10n: L10n): string {
  return l10n.t('{0}: {1} chunk(s) replaced by silence ({2})', file, count, reason);
}

export function summaryText(s: { done: number; failed: number; upToDate: number; chunks: number; cached: number; requests: number; sentChars: number; seconds: number }, l10n: L10n): string {
  if (s.upToDate > 0) {
    return l10n.t(
      '{0} file(s) done, {1} up to date, {2} failed; {3} chunks, {4} from the cache, {5} sent ({6} characters) in {7}.',
      s.done,
      s.upToDate,
      s.failed,
      s.chunks,
      s.cached,
      s.requests,
      s.sentChars,
      formatSeconds(s.seconds),
    );
  }
  return l10n.t(
    '{0} file(s) done, {1} failed; {2} chunks, {3} from the cache, {4} sent ({5} characters) in {6}.',
    s.done,
    s.failed,
    s.chunks,
    s.cached,
    s.requests,
    s.sentChars,
    formatSeconds(s.seconds),
  );
}

export function interruptedText(l10n: L10n): string {
  return l10n.t('Interrupted. Finished chunks are in the cache: run the same command again to resume.');
}

export function dryRunText(f: { file: string; output: string; chunks: number; chars: number; toSend: number }, l10n: L10n): string {
  return l10n.t('{0} → {1}: {2} chunks, {3} characters, {4} to send', f.file, f.output, f.chunks, f.chars, f.toSend);
}

export function dryRunSummaryText(s: { files: number; chunks: number; chars: number; toSend: number }, l10n: L10n): string {
  return l10n.t('{0} file(s), {1} chunks, {2} characters, {3} to send.', s.files, s.chunks, s.chars, s.toSend);
}

export function progressBarFormat(l10n: L10n): string {
  return l10n.t('{bar} {percentage}% | {value}/{total} chunks | {files} | ETA {eta_formatted}');
}

export function filesProgress(done: number, total: number, l10n: L10n): string {
  return l10n.t('{0}/{1} files', done, total);
}

export function speakDoneText(f: { output: string; chunks: number; cached: number; durationSec: number }, l10n: L10n): string {
  return l10n.t('Wrote {0} ({1} chunks, {2} from the cache, {3}).', f.output, f.chunks, f.cached, formatSeconds(f.durationSec));
}

export function cloneDoneText(f: { name: string; voiceId: string; preview: string }, l10n: L10n): string {
  return l10n.t('Cloned “{0}” (voice id {1}); preview: {2}. Use it with --voice {0}.', f.name, f.voiceId, f.preview);
}

export function voicesHeading(l10n: L10n): string {
  return l10n.t('System voices:');
}

export function clonedHeading(dir: string, l10n: L10n): string {
  return l10n.t('Cloned voices (in {0}):', dir);
}

export function remoteHeading(provider: string, l10n: L10n): string {
  return l10n.t('Voices cloned at {0}, beside this data folder:', providerName(provider));
}

export function remoteMark(where: 'both' | 'remoteOnly' | 'localOnly', provider: string, l10n: L10n): string {
  switch (where) {
    case 'both':
      return l10n.t('here and at {0}', providerName(provider));
    case 'remoteOnly':
      return l10n.t('only at {0} (not in this data folder)', providerName(provider));
    case 'localOnly':
      return l10n.t('only here (not at {0} any more)', providerName(provider));
  }
}

export function voiceDeletedText(f: { name: string; voiceId: string; provider: string }, l10n: L10n): string {
  return l10n.t('Deleted “{0}” (voice id {1}) at {2}: it can no longer speak. The deletion is recorded in the data folder.', f.name, f.voiceId, providerName(f.provider));
}

function providerName(provider: string): string {
  return provider === 'zhipu' ? 'Zhipu' : 'Novita';
}

export function noClonedVoices(l10n: L10n): string {
  return l10n.t('none yet (glm-voice-clone clone)');
}

export function cacheStatsText(s: { dir: string; entries: number; bytes: number }, l10n: L10n): string {
  return l10n.t('{0}: {1} chunks, {2}', s.dir, s.entries, formatBytes(s.bytes));
}

export function cachePrunedText(s: { removed: number; freedBytes: number; entries: number; bytes: number }, l10n: L10n): string {
  return l10n.t('Removed {0} chunks ({1}); {2} chunks ({3}) remain.', s.removed, formatBytes(s.freedBytes), s.entries, formatBytes(s.bytes));
}

export function unexpectedText(detail: string, l10n: L10n): string {
  return l10n.t('Unexpected failure: {0}', detail);
}
