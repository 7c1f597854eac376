// Every sentence the product says about a problem, a field, a sample or a step in progress: one module, given the
// translator of whoever shows it (vscode.l10n in the editor, @vscode/l10n in the CLI and the webview). The core only
// reports kinds with data; this turns them into words.
import type { Problem, SampleRefusal, SampleWarning, SettingsFileProblem } from '../core/errors';
import type { ProgressEvent } from '../core/flows/ports';
import type { SamplePreflight } from '../core/audio/preflight';
import { LIMITS } from '../core/limits';
import type { CloneField, FieldProblem, FieldProblems } from '../core/validation';
import { describeZhipu, providerName } from './zhipu';
import { describePreset } from './master';
import type { Described, L10n } from './types';

export type { Described, L10n } from './types';

/** The shape of `vscode.l10n` and `@vscode/l10n`: `{0}`, `{1}`… in `message` are replaced by `args`. */
/** English, untranslated: for tests and for callers without a bundle. */
export const english: L10n = {
  t: (message, ...args) => message.replace(/\{(\d+)\}/g, (all, i: string) => (args[Number(i)] === undefined ? all : String(args[Number(i)]))),
};

/** What the user reads for a failure: one actionable sentence, the field it concerns, a follow-up action. */

const API_FIELD_TO_FORM: Record<string, CloneField> = {
  audio_url: 'sampleUrl',
  text: 'transcript',
  input: 'text',
  voice_name: 'voiceName',
};

/** `describe` for anything thrown: `taskId` is the accepted clone task the failure concerns, if any. */
export function describeProblem(problem: Problem, l10n: L10n, taskId?: string): Described {
  const out = describeBare(problem, l10n, taskId);
  if (taskId && problem.kind !== 'taskFailed' && problem.kind !== 'taskTimeout' && problem.kind !== 'cancelled') {
    out.message = `${out.message} ${l10n.t('Novita had accepted the clone (task {0}); it may still finish, so wait a minute before cloning this voice again.', taskId)}`;
  }
  // No "Retry" once Novita accepted a clone task: retrying would send (and charge) the clone a second time.
  if (taskId && out.action === 'retry') delete out.action;
  return out;
}

function withDetail(l10n: L10n, sentence: string, detail: string | undefined): string {
  return detail ? `${sentence} ${l10n.t('Novita said: “{0}”', detail)}` : sentence;
}

function waitSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

function mayHaveBeenCreated(l10n: L10n, clone: boolean | undefined): string {
  return clone ? ` ${l10n.t('The voice may have been created anyway: if a retry says the name is taken, it was.')}` : '';
}

function describeBare(p: Problem, l10n: L10n, taskId?: string): Described {
  const zhipu = describeZhipu(p, l10n, (cause) => describeBare(cause, l10n));
  if (zhipu) return zhipu;
  switch (p.kind) {
    case 'cancelled':
      return { message: l10n.t('Cancelled.'), cancelled: true };
    case 'unauthorized':
      if (p.cause === 'missing') return { message: l10n.t('No Novita API key is set. Run “GLM Voice Clone: Set API Key”, or set NOVITA_API_KEY.'), action: 'setApiKey' };
      if (p.cause === 'badCharacters') {
        return {
          message: l10n.t('The Novita API key contains characters a key cannot have (spaces or line breaks?). Paste it again with “GLM Voice Clone: Set API Key”.'),
          action: 'setApiKey',
        };
      }
      return { message: l10n.t('Novita rejected the API key (401). Set a valid key with “GLM Voice Clone: Set API Key”.'), action: 'setApiKey' };
    case 'forbidden':
      if (p.source === 'download' && p.status === 401) return { message: l10n.t('The audio host refused the download (401). The link may need a login or may have expired.') };
      if (p.source === 'download') return { message: l10n.t('The audio host refused the download ({0}). Preview links expire: request the audio again.', p.status) };
      return {
        message: withDetail(
          l10n,
          l10n.t('Novita refused the request ({0}): this key has no access to the GLM voice-clone model, or identity verification is needed at novita.ai.', p.status),
          p.detail,
        ),
      };
    case 'notFound': {
      if (p.source === 'download') {
        return { message: p.path ? l10n.t('The audio file is gone (404) for {0}. Preview links expire: request the audio again.', p.path) : l10n.t('The audio file is gone (404). Preview links expire: request the audio again.') };
      }
      const sentence = p.path
        ? l10n.t('Novita answered “not found” (404) for {0}. Check the API base URL setting.', p.path)
        : l10n.t('Novita answered “not found” (404). Check the API base URL setting.');
      return { message: withDetail(l10n, sentence, p.detail) };
    }
    case 'tooLarge':
      if (p.what === 'request') return { message: withDetail(l10n, l10n.t('Novita refused the request as too large (413).'), p.detail) };
      return {
        message:
          p.what === 'speech'
            ? l10n.t('The speech is larger than {0} MB; it was not saved.', megabytes(p.limitBytes))
            : l10n.t('The audio is larger than {0} MB; it was not saved.', megabytes(p.limitBytes)),
      };
    case 'rateLimited':
      return {
        message:
          p.retryAfterMs !== undefined
            ? l10n.t("Novita's rate limit was reached; wait {0} s and try again.", waitSeconds(p.retryAfterMs))
            : l10n.t("Novita's rate limit was reached; wait a few seconds and try again."),
        action: 'retry',
      };
    case 'server': {
      const download = p.source === 'download';
      let message: string;
      if (p.retryAfterMs !== undefined) {
        const s = waitSeconds(p.retryAfterMs);
        message = download ? l10n.t('The audio host is busy ({0}); retry in {1} s.', p.status, s) : l10n.t('Novita is busy ({0}); retry in {1} s.', p.status, s);
      } else {
        message = download ? l10n.t('The audio host is busy ({0}); retry in a moment.', p.status) : l10n.t('Novita is busy ({0}); retry in a moment.', p.status);
      }
      return { message, action: 'retry' };
    }
    case 'timeout':
      if (p.source === 'download') return { message: l10n.t('The download from {0} took longer than {1} s; retry in a moment.', p.host, p.seconds), action: 'retry' };
      return { message: l10n.t('Novita is busy: no answer within {0} s; retry in a moment.', p.seconds) + mayHaveBeenCreated(l10n, p.clone), action: 'retry' };
    case 'taskTimeout':
      return {
        message: taskId
          ? l10n.t('Novita has not finished the clone after {0} s (task {1}). It may still finish: wait a minute before cloning again.', p.seconds, taskId)
          : l10n.t('Novita has not finished the clone after {0} s. It may still finish: wait a minute before cloning again.', p.seconds),
      };
    case 'network': {
      const code = p.code ?? 'error';
      switch (p.stage) {
        case 'tls':
          return {
            message: l10n.t(
              'The certificate of {0} could not be verified ({1}). If a company proxy re-signs HTTPS traffic, add its certificate authority to the system, or set “http.proxyStrictSSL” to false.',
              p.host,
              code,
            ),
          };
        case 'connect':
          return { message: l10n.t('Could not reach {0}: {1}.', p.host, code), action: 'retry' };
        case 'sent':
          return { message: l10n.t('The connection to {0} closed before an answer: {1}.', p.host, code) + mayHaveBeenCreated(l10n, p.clone), action: 'retry' };
        case 'receiving':
          return { message: l10n.t('The connection to {0} broke while receiving the answer: {1}.', p.host, code) + mayHaveBeenCreated(l10n, p.clone), action: 'retry' };
        case 'truncated':
          return { message: l10n.t('The download from {0} stopped early ({1} of {2} bytes).', p.host, p.received ?? 0, p.declared ?? 0), action: 'retry' };
      }
      break;
    }
    case 'malformed':
      return { message: l10n.t('Novita sent an answer this extension does not understand ({0}).', p.what) };
    case 'taskFailed':
      return { message: p.reason ? l10n.t('Novita could not clone the voice: {0}', p.reason) : l10n.t('Novita could not clone the voice (no reason given).') };
    case 'badRequest':
      return describeBadRequest(p, l10n);
    case 'notAudio':
      return { message: notAudioText(p, l10n) };
    case 'insecureUrl':
      return { message: insecureUrlText(p, l10n) };
    case 'redirectLoop':
      return {
        message:
          p.max !== undefined
            ? l10n.t('The audio URL redirects more than {0} times; giving up.', p.max)
            : l10n.t('The audio URL redirects in a loop (back to {0}).', p.target ?? '?'),
      };
    case 'localFile':
      return { message: p.code ? l10n.t('Could not save the audio to {0} ({1}).', p.path, p.code) : l10n.t('Could not save the audio to {0}.', p.path) };
    case 'previewLost': {
      const cause = describeBare(p.cause, l10n);
      if (cause.cancelled) return cause;
      // No "Retry": that would clone the voice a second time.
      return {
        message: l10n.t('The voice “{0}” was cloned and saved to your voices (id {1}), but its preview could not be downloaded: {2}', p.voiceName, p.voiceId, cause.message),
      };
    }
    case 'sampleRefused':
      return { message: sampleRefusalText(p.refusal, l10n), field: 'sampleUrl' };
    case 'sampleWarnings':
      return { message: p.warnings.map((w) => sampleWarningText(w, l10n)).join(' '), action: 'cloneAnyway' };
    case 'consentRequired':
      return { message: consentRequiredText(l10n), consent: true };
    case 'formInvalid': {
      const [field, problem] = Object.entries(p.problems)[0] as [CloneField, FieldProblem];
      return { message: fieldProblemText(field, problem, l10n), field };
    }
    case 'chunkFailed': {
      const reason = describeBare(p.cause, l10n).message;
      let kept = '';
      if (p.keptFile) {
        const file = fileNameOf(p.keptFile);
        kept = ` ${p.completed === 1 ? l10n.t('The first chunk was kept as {0}.', file) : l10n.t('The first {0} chunks were kept as {1}.', p.completed, file)}`;
      }
      return { message: l10n.t('Chunk {0} of {1} failed: {2}', p.index + 1, p.total, reason) + kept };
    }
    case 'chunkFormat':
      return { message: chunkFormatText(p, l10n) };
    case 'cacheWrite':
      return {
        message: p.code
          ? l10n.t('Could not write to the narration cache in {0} ({1}). The audio itself is not lost; check the space and permissions there.', p.dir, p.code)
          : l10n.t('Could not write to the narration cache in {0}. The audio itself is not lost; check the space and permissions there.', p.dir),
      };
    case 'libraryUnreadable':
      return {
        message: p.code
          ? l10n.t('The voice library {0} cannot be read and could not be moved aside ({1}), so it was left as it is. Move or fix the file, then try again.', p.file, p.code)
          : l10n.t('The voice library {0} cannot be read and could not be moved aside, so it was left as it is. Move or fix the file, then try again.', p.file),
      };
    case 'mp3Encoding':
      return { message: mp3EncodingText(p, l10n) };
    case 'narrationBusy':
      return { message: l10n.t('A narration is already running. Wait for it, or run “GLM Voice Clone: Cancel Narration”.') };
    case 'coverImage':
      return {
        message:
          p.reason === 'notImage'
            ? l10n.t('The cover image {0} is not a JPEG or PNG file.', p.path)
            : p.reason === 'tooLarge'
              ? l10n.t('The cover image {0} is larger than {1}.', p.path, formatBytes(p.limitBytes ?? 0))
              : l10n.t('The cover image {0} could not be read ({1}).', p.path, p.code ?? '?'),
      };
    case 'nothingToSpeak':
      return { message: l10n.t('There is nothing to speak: the text is empty (or only code and markup).') };
    case 'unexpected':
      return { message: l10n.t('Something went wrong: {0}. See the “GLM Voice Clone” output for details.', p.detail) };
  }
  return { message: l10n.t('Something went wrong: {0}. See the “GLM Voice Clone” output for details.', (p as Problem).kind) };
}

function mp3EncodingText(p: Extract<Problem, { kind: 'mp3Encoding' }>, l10n: L10n): string {
  switch (p.reason) {
    case 'encoderMissing':
      return l10n.t('The MP3 encoder could not be loaded: this installation is incomplete. Reinstall the extension, or export WAV.');
    case 'notWav':
      return l10n.t('{0} is not a WAV file with a readable header, so it cannot be encoded as MP3.', p.path ?? '?');
    case 'notPcm16':
      return l10n.t('{0} is {1}-bit audio with {2} channels; MP3 encoding takes 16-bit PCM, mono or stereo.', p.path ?? '?', p.bitsPerSample ?? '?', p.channels ?? '?');
    case 'stopped':
      return l10n.t('The MP3 encoder stopped before it finished (exit code {0}). Try again, or export WAV.', p.exitCode ?? '?');
  }
}

function chunkFormatText(p: Extract<Problem, { kind: 'chunkFormat' }>, l10n: L10n): string {
  switch (p.reason) {
    case 'noSections':
      return l10n.t('A WAV chunk has no readable “fmt ” or “data” section.');
    case 'notPcm':
      return l10n.t('A WAV chunk holds format {0}, not integer PCM.', p.format ?? '?');
    case 'mismatch':
      return l10n.t('A WAV chunk is {0} but the narration is {1}; chunks of different formats cannot be joined.', p.format ?? '?', p.expected ?? '?');
    case 'compressed':
      return l10n.t('A chunk is {0}, not PCM or WAV: ask Novita for response_format “pcm” or “wav”.', (p.format ?? '?').toUpperCase());
    case 'torn':
      return l10n.t('A chunk has {0} bytes of samples, not a whole number of {1}-byte frames (truncated?).', p.bytes ?? 0, p.frame ?? 0);
  }
}

function describeBadRequest(p: Extract<Problem, { kind: 'badRequest' }>, l10n: L10n): Described {
  const field = p.field ? API_FIELD_TO_FORM[p.field] : undefined;
  if (p.status !== undefined) {
    const sentence = p.field ? l10n.t('Novita did not accept “{0}” ({1}).', p.field, p.status) : l10n.t('Novita did not accept the request ({0}).', p.status);
    return { message: withDetail(l10n, sentence, p.detail), ...(field ? { field } : {}) };
  }
  // Checked here before sending.
  let message: string;
  switch (`${p.field}:${p.rule}`) {
    case 'input:tooLong':
      message = l10n.t('The text is {0} characters; Novita takes at most {1} per request. Shorten it or split it.', p.length ?? 0, p.max ?? 0);
      break;
    case 'input:empty':
      message = l10n.t('Enter the text to speak.');
      break;
    case 'audio_url:empty':
      message = l10n.t('Enter the URL of the sample recording.');
      break;
    case 'voice_name:empty':
      message = l10n.t('Give the voice a name.');
      break;
    case 'voice:empty':
      message = l10n.t('Choose a voice.');
      break;
    case 'speed:range':
      message = l10n.t('Speed must be between {0} and {1}.', LIMITS.speed.min, LIMITS.speed.max);
      break;
    case 'volume:range':
      message = l10n.t('Volume must be above {0} and at most {1}.', LIMITS.volume.min, LIMITS.volume.max);
      break;
    case 'response_format:format':
      message = l10n.t('The audio format must be wav or pcm.');
      break;
    case 'file:empty':
      message = l10n.t('Give the URL or the contents of the audio to transcribe.');
      break;
    default:
      message = l10n.t('Novita would not accept “{0}”.', p.field ?? '?');
  }
  return { message, ...(field ? { field } : {}) };
}

function notAudioText(p: Extract<Problem, { kind: 'notAudio' }>, l10n: L10n): string {
  const host = p.host ?? '?';
  switch (p.found) {
    case 'unplayable':
      return l10n.t('The file at {0} is {1}, which VS Code cannot play; use WAV or MP3.', host, (p.format ?? '?').toUpperCase());
    case 'html':
      return l10n.t('{0} sent a web page instead of audio. Check the link (it may need a login or may have expired).', host);
    case 'empty':
      return l10n.t('{0} sent an empty file instead of audio.', host);
    case 'badRedirect':
      return p.status !== undefined
        ? l10n.t('The audio URL answered {0} without a usable redirect.', p.status)
        : l10n.t('The audio URL redirects to an address that is not a URL.');
    case 'unknown':
      return l10n.t('The file at {0} is not audio this extension can play (WAV, MP3, Ogg or FLAC).', host);
  }
}

function insecureUrlText(p: Extract<Problem, { kind: 'insecureUrl' }>, l10n: L10n): string {
  const value = p.value ?? '';
  switch (p.problem) {
    case 'invalid':
      return l10n.t('The API base URL “{0}” is not a valid URL. Use https://api.novita.ai.', value);
    case 'credentials':
      return l10n.t('The API base URL must not contain a user name or password. Use https://api.novita.ai.');
    case 'plainHttp':
      return l10n.t('The API base URL {0} uses plain http, which would send the API key unencrypted. Use https (http is allowed only for 127.0.0.1, localhost and ::1).', value);
    case 'scheme':
      return l10n.t('The API base URL must start with https:// (got {0}:). Use https://api.novita.ai.', value);
    case 'download':
      return l10n.t('“{0}” is not a URL the audio can be downloaded from.', value);
    case 'downloadScheme':
      return l10n.t('Audio can only be downloaded over http or https (got {0}:).', value);
  }
}

/** A field's problem as the form shows it next to the field. */
/** Why a clone was refused before anything was sent: the consent box was not checked. */
export function consentRequiredText(l10n: L10n): string {
  return l10n.t('Confirm that you have the right to clone this voice: check “I have the right to clone this voice”. Nothing was sent to Novita.');
}

export function fieldProblemText(field: CloneField, p: FieldProblem, l10n: L10n): string {
  switch (p.code) {
    case 'required':
      if (field === 'sampleUrl') return l10n.t('Enter the URL of a sample recording (http or https).');
      if (field === 'text') return l10n.t('Enter the text you want to hear in the cloned voice.');
      if (field === 'voiceName') return l10n.t('Give the voice a name (letters, digits, - and _).');
      return l10n.t('This field cannot be empty.');
    case 'notUrl':
      return l10n.t('This is not a URL. Paste a full address such as https://example.com/sample.wav.');
    case 'scheme':
      return l10n.t('Only http and https URLs can be cloned from (got {0}). Novita downloads the sample itself, so it must be on the web.', p.protocol);
    case 'noHost':
      return l10n.t('The URL has no host name.');
    case 'tooLong':
      if (field === 'text') return l10n.t('The preview text is {0} characters; Novita takes at most {1}. Shorten it, or use “Speak Selection” for long text.', p.length, p.max);
      if (field === 'transcript') return l10n.t('The transcript is {0} characters; keep it under {1} (a 3–30 s sample needs far less).', p.length, p.max);
      return l10n.t('The voice name is {0} characters; use at most {1}.', p.length, p.max);
    case 'nameFormat':
      return l10n.t('Use only letters, digits, “-” and “_” in the voice name (no spaces).');
    case 'nameSpaces':
      return l10n.t('Remove the spaces at the start or end of the voice name.');
    case 'nameTaken':
      return l10n.t('A voice named “{0}” already exists here. Pick another name.', p.name);
  }
}

/** Each field's problem as text. */
export function fieldProblemsText(problems: FieldProblems, l10n: L10n): Partial<Record<CloneField, string>> {
  const out: Partial<Record<CloneField, string>> = {};
  for (const [field, problem] of Object.entries(problems) as [CloneField, FieldProblem][]) out[field] = fieldProblemText(field, problem, l10n);
  return out;
}

export function sampleRefusalText(r: SampleRefusal, l10n: L10n): string {
  switch (r.code) {
    case 'notUrl':
      return l10n.t('“{0}” is not a URL. Paste the link to the sample file (https://…).', r.value);
    case 'scheme':
      return l10n.t('Novita downloads the sample over the web: use an https:// or http:// link (not {0}).', r.protocol);
    case 'timeout':
      return l10n.t('{0} did not answer within {1} s. Check the sample URL, or host the sample somewhere that answers faster.', r.host, r.seconds);
    case 'hostNotFound':
      return l10n.t('The host {0} could not be found. Check the sample URL for typos.', r.host);
    case 'refused':
      return l10n.t('{0} refused the connection. Check the sample URL and its port, or that the server is running.', r.host);
    case 'certificate':
      return l10n.t(
        'The certificate of {0} could not be verified ({1}), so Novita may refuse to download from it too. Use a link on a host with a valid certificate.',
        r.host,
        r.errorCode,
      );
    case 'unreachable':
      return l10n.t('Could not reach {0} ({1}). Check the sample URL and try again.', r.host, r.errorCode);
    case 'redirectNotUrl':
      return l10n.t('The sample URL redirects to “{0}”, which is not a URL. Use the file\'s direct link.', r.location);
    case 'redirectScheme':
      return l10n.t('The sample URL redirects to a {0} address, which Novita cannot download. Use the file\'s direct https link.', r.protocol);
    case 'redirectLoop':
      return l10n.t('The sample URL redirects in a loop (back to {0}). Fix the link, or use the file\'s direct address.', r.target);
    case 'tooManyRedirects':
      return r.max === 1
        ? l10n.t('The sample URL redirects more than 1 time. Use the file\'s direct address.')
        : l10n.t('The sample URL redirects more than {0} times. Use the file\'s direct address.', r.max);
    case 'empty':
      return l10n.t('The sample at {0} is an empty file. Upload it again and use the new link.', r.host);
    case 'fileEmpty':
      return l10n.t('The sample file {0} is empty.', r.file);
    case 'fileTooBig':
      return l10n.t('The sample file {0} is {1}; at most {2} can be uploaded. Trim it, or save it as a lower-bitrate MP3.', r.file, formatBytes(r.sizeBytes), formatBytes(r.maxBytes));
    case 'fileFormat':
      return r.format
        ? l10n.t('The sample file {0} is {1}; only {2} can be cloned from. Save the recording in one of those formats.', r.file, r.format.toUpperCase(), r.allowed.map((f) => f.toUpperCase()).join(', '))
        : l10n.t('The sample file {0} is not audio that can be cloned from; use {1}.', r.file, r.allowed.map((f) => f.toUpperCase()).join(', '));
    case 'status':
      return statusRefusal(r.status, r.host, l10n);
    case 'tooBig':
      return l10n.t(
        'The sample is {0}; Novita accepts at most {1}. Trim it, or save it as a lower-bitrate MP3, and use the new link.',
        formatBytes(r.sizeBytes),
        `${Math.round(r.maxBytes / (1024 * 1024))} MB`,
      );
    case 'webPage':
      return l10n.t('{0} sent a web page instead of audio. Check the link: it may need a login, or lead to a download page rather than to the file itself.', r.host);
    case 'notAudio':
      return r.contentType
        ? l10n.t('The file at {0} is not audio Novita can clone from (it is {1}). Use a WAV or MP3 recording.', r.host, r.contentType)
        : l10n.t('The file at {0} is not audio Novita can clone from. Use a WAV or MP3 recording.', r.host);
  }
}

function statusRefusal(status: number, host: string, l10n: L10n): string {
  if (status === 401) return l10n.t('The sample URL answered 401 (login required): Novita must be able to download it without logging in. Use a public or pre-signed link.');
  if (status === 403) return l10n.t('The sample URL answered 403 (forbidden): Novita must be able to download it without logging in. Use a public or pre-signed link.');
  if (status === 404 || status === 410) return l10n.t('Nothing was found at the sample URL ({0}). Check the link; it may have expired or been deleted.', status);
  if (status === 429) return l10n.t('{0} is limiting requests (429). Wait a minute and check the sample again.', host);
  if (status >= 500) return l10n.t('The server hosting the sample answered {0} (a server error). Try again later, or host the sample elsewhere.', status);
  if (status >= 300 && status < 400) return l10n.t('The sample URL answered {0} without a usable redirect. Use the file\'s direct link.', status);
  return l10n.t('The sample URL answered {0} instead of the file. Check the link.', status);
}

export function sampleWarningText(w: SampleWarning, l10n: L10n): string {
  switch (w.code) {
    case 'contentType':
      return l10n.t('{0} labels the sample {1} although it is {2} audio; Novita may refuse it. If the clone fails, fix the file\'s type on the server.', w.host, w.contentType, formatLabel(w.format, w.codec));
    case 'unknownSize':
      return l10n.t('{0} did not say how large the sample is; Novita refuses samples over 10 MB. Check its size, or clone anyway.', w.host);
    case 'unknownDuration':
      return l10n.t('The length of the {0} sample could not be read; Novita recommends 3–30 s. Check it, or clone anyway.', formatLabel(w.format, w.codec));
    case 'tooShort':
      return l10n.t('The sample is {0} long; Novita recommends {1}–{2} s. Record a longer one, or clone anyway.', formatSeconds(w.seconds), w.min, w.max);
    case 'tooLong':
      return l10n.t('The sample is {0} long; Novita recommends {1}–{2} s. Trim it, or clone anyway.', formatSeconds(w.seconds), w.min, w.max);
    case 'unplayable':
      return l10n.t('The sample is {0}, which VS Code cannot play in the panel; Novita can still clone from it. Convert it to WAV or MP3 to listen to it here.', formatLabel(w.format, w.codec));
    case 'unreachable':
      return l10n.t(
        'Novita downloads the sample itself and cannot reach {0} (an address on this machine or a private network). Use a public URL, or clone anyway.',
        w.host,
      );
  }
}

/** What a sample check learnt, for the summary line. */
export type SampleSummaryFacts = Pick<
  SamplePreflight,
  'status' | 'failed' | 'html' | 'contentType' | 'sizeBytes' | 'format' | 'codec' | 'durationSec' | 'durationEstimated' | 'sampleRate' | 'channels'
>;

/** One line for the panel, e.g. "WAV · 12.4 s · 24 kHz mono · 580 KB". */
export function sampleSummary(f: SampleSummaryFacts, l10n: L10n): string {
  const parts: string[] = [];
  if (f.format) {
    parts.push(formatLabel(f.format, f.codec));
    if (f.durationSec !== undefined) parts.push(`${f.durationEstimated ? '≈' : ''}${formatSeconds(f.durationSec)}`);
    const rate = f.sampleRate ? `${trimNumber(f.sampleRate / 1000, 2)} kHz` : '';
    const channels = f.channels === 1 ? l10n.t('mono') : f.channels === 2 ? l10n.t('stereo') : f.channels ? l10n.t('{0} channels', f.channels) : '';
    if (rate || channels) parts.push([rate, channels].filter(Boolean).join(' '));
  } else if (f.failed) {
    parts.push(f.status ? `HTTP ${f.status}` : l10n.t('No answer'));
  } else {
    if (f.status < 200 || f.status >= 300) parts.push(`HTTP ${f.status}`);
    parts.push(f.html ? l10n.t('web page') : (f.contentType?.split(';')[0].trim() ?? l10n.t('not audio')));
  }
  if (f.sizeBytes !== undefined) parts.push(formatBytes(f.sizeBytes));
  return parts.join(' · ');
}

/** A container and codec as people name them: "WAV", "MP3", "Ogg Opus". */
export function formatLabel(format: string, codec: string | undefined): string {
  if (format === 'ogg') return /opus/i.test(codec ?? '') ? 'Ogg Opus' : /flac/i.test(codec ?? '') ? 'Ogg FLAC' : 'Ogg Vorbis';
  return format.toUpperCase();
}

export function formatSeconds(sec: number): string {
  return `${(Math.round(sec * 10) / 10).toFixed(1)} s`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

function megabytes(bytes: number | undefined): number {
  return Math.round((bytes ?? 0) / (1024 * 1024));
}

function trimNumber(x: number, decimals: number): string {
  return String(Number(x.toFixed(decimals)));
}

/** The last part of a path, with either separator (this module also runs in the webview, without node:path). */
function fileNameOf(path: string): string {
  return path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}

/** A step of a running flow as the progress notification (or the panel's status line) says it. */
export function progressText(event: ProgressEvent, l10n: L10n): string {
  switch (event.step) {
    case 'checkingSample':
      return l10n.t('Checking the sample…');
    case 'uploading':
      return l10n.t('Uploading the sample to {0}…', providerName(event.provider));
    case 'cloning':
      return event.provider === 'zhipu' ? l10n.t('Cloning the voice at Zhipu…') : l10n.t('Cloning the voice at Novita…');
    case 'task':
      switch (event.status) {
        case 'submitted':
          return l10n.t('Novita accepted the task…');
        case 'queued':
          return l10n.t('Queued at Novita…');
        case 'processing':
          return l10n.t('Novita is cloning the voice…');
        case 'succeeded':
          return l10n.t('Cloned; fetching the preview…');
      }
      return l10n.t('Cloning…');
    case 'downloadingPreview':
      return l10n.t('Downloading the preview…');
    case 'retryWait':
      return event.provider === 'zhipu' ? l10n.t('Zhipu asked us to wait; retrying in {0} s…', event.seconds) : l10n.t('Novita asked us to wait; retrying in {0} s…', event.seconds);
    case 'chunks':
      return l10n.t('chunk {0} of {1}', event.done, event.total);
    case 'mastering':
      return l10n.t('mastering for {0}…', describePreset(event.preset, l10n));
    case 'encoding':
      return l10n.t('encoding {0}…', event.format.toUpperCase());
  }
}

/**
 * A problem in the cast (`.vscode/glm-voice-cast.json`, a script's front matter `voices:`) or the pronunciation list,
 * as a diagnostic on that file says it. `p.path` names the place (`voices.Bob.speed`, `entries[2].say`).
 */
export function settingsFileProblemText(p: SettingsFileProblem, l10n: L10n): string {
  const where = p.path || (p.file === 'pronunciations' ? 'entries' : 'voices');
  switch (p.code) {
    case 'json':
      return p.file === 'pronunciations'
        ? l10n.t('The pronunciation list is not valid JSON: {0}', p.detail ?? '')
        : l10n.t('The cast file is not valid JSON: {0}', p.detail ?? '');
    case 'notObject':
      return p.path ? l10n.t('“{0}” should be an object ({ … }).', p.path) : l10n.t('The file should hold a JSON object ({ … }).');
    case 'noVoices':
      return l10n.t('The cast has no “voices” map. Write it as "voices": { "Alice": "voice id" }.');
    case 'noEntries':
      return l10n.t('“entries” should be a list: [{ "word": "GLM", "say": "G L M" }].');
    case 'notString':
      return l10n.t('“{0}” should be text (got {1}).', where, p.value ?? '');
    case 'empty':
      return l10n.t('“{0}” is empty.', where);
    case 'tooLong':
      return l10n.t('The speaker name “{0}” is longer than {1} characters, so no label in a script can match it.', p.value ?? where, p.max ?? 0);
    case 'notNumber':
      return l10n.t('“{0}” should be a number (got {1}).', where, p.value ?? '');
    case 'range':
      return /\.volume$/.test(where)
        ? l10n.t('“{0}” is {1}; the volume must be above {2} and at most {3}.', where, p.value ?? '', p.min ?? 0, p.max ?? 0)
        : l10n.t('“{0}” is {1}; the speed must be between {2} and {3}.', where, p.value ?? '', p.min ?? 0, p.max ?? 0);
    case 'notBoolean':
      return l10n.t('“{0}” should be true or false (got {1}).', where, p.value ?? '');
    case 'unknownKey':
      return l10n.t('“{0}” is not a setting this file knows; it is ignored (a typo?).', where);
    case 'duplicate':
      return p.file === 'pronunciations'
        ? l10n.t('“{0}” is listed twice; the first entry is used.', p.value ?? where)
        : l10n.t('The speaker “{0}” is listed twice; the first voice is used.', p.value ?? where);
    case 'syntax':
      return l10n.t('This line of the front matter cannot be read: “{0}”. Write each voice as “Name: voice” or “Name: { voice: id, speed: 1.1 }”.', p.value ?? '');
  }
}
