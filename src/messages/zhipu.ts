// The sentences for what Zhipu's side of the core reports (problems with `source: 'zhipu'`), and for the kinds only a
// second provider brought (no balance, content filter, daily quota, a broken stream). describeProblem hands them here.
import type { Problem, Source } from '../core/errors';
import { LIMITS } from '../core/limits';
import type { CloneField } from '../core/validation';
import type { Described, L10n } from './types';

const ZHIPU_FIELD_TO_FORM: Record<string, CloneField> = {
  text: 'transcript',
  input: 'text',
  voice_name: 'voiceName',
};

/** The provider's name as a user knows it (not translated: a name). */
export function providerName(source: Source | 'novita'): string {
  return source === 'zhipu' ? 'Zhipu' : 'Novita';
}

function waitSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

function said(l10n: L10n, source: Source, sentence: string, detail: string | undefined): string {
  return detail ? `${sentence} ${l10n.t('{0} said: “{1}”', providerName(source), detail)}` : sentence;
}

/** Seconds of 24 kHz 16-bit mono audio in `bytes`, one decimal. */
function audioSeconds(bytes: number): string {
  return (bytes / 48000).toFixed(1);
}

/**
 * The words for `p` when it is Zhipu's (or a kind only Zhipu reports), else undefined (describeProblem words it).
 * `describe` words a nested problem (a broken stream's cause).
 */
export function describeZhipu(p: Problem, l10n: L10n, describe: (cause: Problem) => Described): Described | undefined {
  switch (p.kind) {
    case 'noBalance':
      return { message: said(l10n, p.source, l10n.t('Your {0} account has no balance left. Top it up, then try again.', providerName(p.source)), p.detail) };
    case 'contentFiltered':
      return {
        message: said(l10n, p.source, l10n.t("{0}'s content filter blocked this text or the speech made from it. Reword the text and try again.", providerName(p.source)), p.detail),
      };
    case 'quotaReached':
      return {
        message: said(l10n, p.source, l10n.t("Today's quota of {0} for this API is used up. Try again tomorrow, or raise the quota in the {0} console.", providerName(p.source)), p.detail),
      };
    case 'streamBroken':
      return streamBrokenText(p, l10n, describe);
    case 'notSupported':
      return { message: notSupportedText(p, l10n) };
  }
  if (!('source' in p) || p.source !== 'zhipu') return undefined;
  switch (p.kind) {
    case 'unauthorized':
      if (p.cause === 'missing') return { message: l10n.t('No Zhipu (bigmodel.cn) API key is set.'), action: 'setApiKey' };
      if (p.cause === 'badCharacters') return { message: l10n.t('The Zhipu API key contains characters a key cannot have (spaces or line breaks?). Paste it again.'), action: 'setApiKey' };
      return { message: l10n.t('Zhipu rejected the API key ({0}). Check the key at bigmodel.cn and set it again.', p.status ?? 401), action: 'setApiKey' };
    case 'rateLimited':
      return {
        message:
          p.retryAfterMs !== undefined
            ? l10n.t("Zhipu's rate limit was reached; wait {0} s and try again.", waitSeconds(p.retryAfterMs))
            : l10n.t("Zhipu's rate limit was reached; wait a few seconds and try again."),
        action: 'retry',
      };
    case 'server':
      if (p.code === '1305') return { message: l10n.t("Zhipu's speech model is overloaded; retry in a moment."), action: 'retry' };
      return {
        message: p.retryAfterMs !== undefined ? l10n.t('Zhipu is busy ({0}); retry in {1} s.', p.status, waitSeconds(p.retryAfterMs)) : l10n.t('Zhipu is busy ({0}); retry in a moment.', p.status),
        action: 'retry',
      };
    case 'timeout':
      return { message: l10n.t('Zhipu did not answer within {0} s; retry in a moment.', p.seconds), action: 'retry' };
    case 'forbidden':
      return { message: said(l10n, p.source, l10n.t('Zhipu refused the request ({0}): this key has no access to GLM-TTS. Enable the model at bigmodel.cn.', p.status), p.detail) };
    case 'notFound':
      return {
        message: said(
          l10n,
          p.source,
          p.path ? l10n.t('Zhipu answered “not found” (404) for {0}. Check the Zhipu base URL.', p.path) : l10n.t('Zhipu answered “not found” (404). Check the Zhipu base URL.'),
          p.detail,
        ),
      };
    case 'malformed':
      return { message: l10n.t('Zhipu sent an answer this extension does not understand ({0}).', p.what) };
    case 'badRequest':
      return badRequestText(p, l10n, describe);
  }
  return undefined;
}

function badRequestText(p: Extract<Problem, { kind: 'badRequest' }>, l10n: L10n, describe: (cause: Problem) => Described): Described {
  const field = p.field ? ZHIPU_FIELD_TO_FORM[p.field] : undefined;
  if (p.status !== undefined) {
    const sentence = p.field ? l10n.t('Zhipu did not accept “{0}” ({1}).', p.field, p.status) : l10n.t('Zhipu did not accept the request ({0}).', p.status);
    return { message: said(l10n, 'zhipu', sentence, p.detail), ...(field ? { field } : {}) };
  }
  // Checked here before sending.
  let message: string;
  switch (`${p.field}:${p.rule}`) {
    case 'input:tooLong':
      message = l10n.t('The text is {0} characters; Zhipu takes at most {1} per request. Shorten it or split it.', p.length ?? 0, p.max ?? 0);
      break;
    case 'file:format':
      message = l10n.t('Zhipu clones only from MP3 or WAV samples.');
      break;
    case 'file:tooLong':
      message = l10n.t('The sample is {0} MB; Zhipu takes at most {1} MB.', ((p.length ?? 0) / (1024 * 1024)).toFixed(1), Math.round((p.max ?? LIMITS.sampleBytes) / (1024 * 1024)));
      break;
    case 'file:empty':
      message = l10n.t('The sample file is empty.');
      break;
    case 'file_id:empty':
      message = l10n.t('Upload the sample before cloning from it.');
      break;
    case 'encode_format:format':
      message = l10n.t('The stream encoding must be base64 or hex.');
      break;
    case 'input:empty':
    case 'voice_name:empty':
    case 'voice:empty':
    case 'speed:range':
    case 'volume:range':
    case 'response_format:format':
      // the same rules as Novita's, worded without a provider
      return describe({ ...p, source: undefined });
    default:
      message = l10n.t('Zhipu would not accept “{0}”.', p.field ?? '?');
  }
  return { message, ...(field ? { field } : {}) };
}

function streamBrokenText(p: Extract<Problem, { kind: 'streamBroken' }>, l10n: L10n, describe: (cause: Problem) => Described): Described {
  const name = providerName(p.source);
  const seconds = audioSeconds(p.receivedBytes);
  switch (p.reason) {
    case 'error': {
      const cause = p.cause ? describe(p.cause) : undefined;
      const message = l10n.t("{0}'s speech stream failed after {1} s of audio: {2}", name, seconds, cause?.message ?? l10n.t('no reason given.'));
      // Retry only what the stream's error allows (not a content filter, not an empty account).
      return { message, ...(cause?.action === 'retry' ? { action: 'retry' as const } : {}) };
    }
    case 'finishReason':
      return { message: l10n.t("{0}'s speech stream ended early (finish reason “{1}”) after {2} s of audio.", name, p.finishReason ?? '?', seconds), action: 'retry' };
    case 'cut':
      return { message: l10n.t("{0}'s speech stream broke off after {1} s of audio, before its end.", name, seconds), action: 'retry' };
    case 'empty':
      return { message: l10n.t("{0}'s speech stream ended without any audio.", name), action: 'retry' };
  }
}

function notSupportedText(p: Extract<Problem, { kind: 'notSupported' }>, l10n: L10n): string {
  const name = providerName(p.provider);
  switch (p.what) {
    case 'cloneFromFile':
      return l10n.t('Novita clones only from a public URL of the sample, not from a file on this computer. Put the recording at a public URL, or clone it with Zhipu (bigmodel.cn), which takes a file.');
    case 'cloneFromUrl':
      return l10n.t('{0} cannot clone from a URL: choose a file on this computer.', name);
    case 'upload':
      return l10n.t('{0} does not take uploaded files.', name);
    case 'listVoices':
      return l10n.t('{0} cannot list the voices cloned with it: the voices you cloned are in your local library.', name);
    case 'deleteVoice':
      return l10n.t('{0} has no way to delete a cloned voice.', name);
    case 'transcribe':
      return l10n.t('{0} does not transcribe samples here: type what the sample says.', name);
  }
}
