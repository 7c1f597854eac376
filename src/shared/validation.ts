// Field rules shared by the webview (instant feedback) and the host (the authority before any request).

export interface CloneForm {
  sampleUrl: string;
  transcript: string;
  text: string;
  voiceName: string;
}

export type CloneField = keyof CloneForm;

/** Novita's `input` limit for one request, counted in Unicode code points. */
export const MAX_INPUT_CHARS = 1024;
export const MAX_TRANSCRIPT_CHARS = 1024;
export const VOICE_NAME_MAX = 64;
const VOICE_NAME_PATTERN = /^[A-Za-z0-9_-]+$/;

export function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

export function validateSampleUrl(raw: string): string | undefined {
  const value = raw.trim();
  if (!value) return 'Enter the URL of a sample recording (http or https).';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'This is not a URL. Paste a full address such as https://example.com/sample.wav.';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return `Only http and https URLs can be cloned from (got ${url.protocol.replace(':', '')}). Novita downloads the sample itself, so it must be on the web.`;
  }
  if (!url.hostname) return 'The URL has no host name.';
  return undefined;
}

export function validateText(raw: string): string | undefined {
  if (!raw.trim()) return 'Enter the text you want to hear in the cloned voice.';
  const n = codePointLength(raw);
  if (n > MAX_INPUT_CHARS) return `The preview text is ${n} characters; Novita takes at most ${MAX_INPUT_CHARS}. Shorten it, or use “Speak Selection” for long text.`;
  return undefined;
}

export function validateTranscript(raw: string): string | undefined {
  const n = codePointLength(raw);
  if (n > MAX_TRANSCRIPT_CHARS) return `The transcript is ${n} characters; keep it under ${MAX_TRANSCRIPT_CHARS} (a 3–30 s sample needs far less).`;
  return undefined;
}

export function validateVoiceNameFormat(raw: string): string | undefined {
  const name = raw.trim();
  if (!name) return 'Give the voice a name (letters, digits, - and _).';
  if (name.length > VOICE_NAME_MAX) return `The voice name is ${name.length} characters; use at most ${VOICE_NAME_MAX}.`;
  if (!VOICE_NAME_PATTERN.test(name)) return 'Use only letters, digits, “-” and “_” in the voice name (no spaces).';
  return undefined;
}

export type FormErrors = Partial<Record<CloneField, string>>;

/** Every field's problem at once, so the user can fix them in one pass. `nameTaken` checks local uniqueness. */
export function validateCloneForm(form: CloneForm, nameTaken?: (name: string) => boolean): FormErrors {
  const errors: FormErrors = {};
  const url = validateSampleUrl(form.sampleUrl);
  if (url) errors.sampleUrl = url;
  const transcript = validateTranscript(form.transcript);
  if (transcript) errors.transcript = transcript;
  const text = validateText(form.text);
  if (text) errors.text = text;
  const name = validateVoiceNameFormat(form.voiceName);
  if (name) errors.voiceName = name;
  else if (nameTaken?.(form.voiceName.trim())) errors.voiceName = `A voice named “${form.voiceName.trim()}” already exists here. Pick another name.`;
  return errors;
}
