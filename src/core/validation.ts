// The clone form's field rules, as codes with data (src/messages turns them into sentences). Shared by the webview
// (instant feedback), the host and the CLI (the authority before any request).
import { codePointLength, LIMITS } from './limits';

export interface CloneForm {
  sampleUrl: string;
  transcript: string;
  text: string;
  voiceName: string;
}

export type CloneField = keyof CloneForm;

export type FieldProblem =
  | { code: 'required' }
  | { code: 'notUrl' }
  | { code: 'scheme'; protocol: string }
  | { code: 'noHost' }
  | { code: 'tooLong'; length: number; max: number }
  | { code: 'nameFormat' }
  | { code: 'nameSpaces' }
  | { code: 'nameTaken'; name: string };

export type FieldProblems = Partial<Record<CloneField, FieldProblem>>;

export function checkSampleUrl(raw: string): FieldProblem | undefined {
  const value = raw.trim();
  if (!value) return { code: 'required' };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { code: 'notUrl' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { code: 'scheme', protocol: url.protocol.replace(':', '') };
  if (!url.hostname) return { code: 'noHost' };
  return undefined;
}

export function checkText(raw: string): FieldProblem | undefined {
  if (!raw.trim()) return { code: 'required' };
  const n = codePointLength(raw);
  if (n > LIMITS.inputChars) return { code: 'tooLong', length: n, max: LIMITS.inputChars };
  return undefined;
}

export function checkTranscript(raw: string): FieldProblem | undefined {
  const n = codePointLength(raw);
  if (n > LIMITS.transcriptChars) return { code: 'tooLong', length: n, max: LIMITS.transcriptChars };
  return undefined;
}

/** The name's format (trimmed first); see `checkVoiceNameExact` for a name that must be stored as given. */
export function checkVoiceName(raw: string): FieldProblem | undefined {
  const name = raw.trim();
  if (!name) return { code: 'required' };
  if (name.length > LIMITS.voiceName.maxLength) return { code: 'tooLong', length: name.length, max: LIMITS.voiceName.maxLength };
  if (!LIMITS.voiceName.pattern.test(name)) return { code: 'nameFormat' };
  return undefined;
}

/** A name as it will be stored: no spaces around it either. */
export function checkVoiceNameExact(name: string): FieldProblem | undefined {
  if (name !== name.trim()) return { code: 'nameSpaces' };
  return checkVoiceName(name);
}

/** Every field's problem at once, so the user can fix them in one pass. `nameTaken` checks local uniqueness. */
export function checkCloneForm(form: CloneForm, nameTaken?: (name: string) => boolean): FieldProblems {
  const problems: FieldProblems = {};
  const url = checkSampleUrl(form.sampleUrl);
  if (url) problems.sampleUrl = url;
  const transcript = checkTranscript(form.transcript);
  if (transcript) problems.transcript = transcript;
  const text = checkText(form.text);
  if (text) problems.text = text;
  const name = checkVoiceName(form.voiceName);
  if (name) problems.voiceName = name;
  else if (nameTaken?.(form.voiceName.trim())) problems.voiceName = { code: 'nameTaken', name: form.voiceName.trim() };
  return problems;
}

/** The one rule for a free voice name: `base` (made valid) when free, else `stem-2`, `stem-3`… (`alice-2` → `alice-3`). */
export function freeName(base: string, taken: (name: string) => boolean, fallback = 'my-voice'): string {
  const max = LIMITS.voiceName.maxLength;
  const valid = base.trim().replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, max) || fallback;
  if (!taken(valid)) return valid;
  const stem = valid.replace(/-\d+$/, '') || valid;
  for (let n = 2; ; n++) {
    const suffix = `-${n}`;
    const candidate = stem.slice(0, max - suffix.length) + suffix;
    if (!taken(candidate)) return candidate;
  }
}
