// Small helpers shared by the readers of hand-edited settings files (cast, pronunciations). Not part of the
// narration index: nothing outside src/core/narration needs them.

/** A JSON object (not an array, not null). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A value as a problem quotes it: text as it is, anything else as JSON. */
export function shown(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v) ?? String(v);
}

/** `s` matched literally inside a regular expression. */
export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
