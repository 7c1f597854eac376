// One table of Novita's limits and this product's name rules: the host, the webview, the CLI and the double all
// read them from here.

export const LIMITS = {
  /** Novita's `input` (text to speak) per request, in Unicode code points. */
  inputChars: 1024,
  /** The sample's transcript (`text` of the clone call), in code points. */
  transcriptChars: 1024,
  /** `audio_url` of a clone: the sample's size. */
  sampleBytes: 10 * 1024 * 1024,
  /** What Novita recommends for a sample's length, in seconds. */
  sampleSeconds: { min: 3, max: 30 },
  /** /v3/glm-asr: the audio's size and length. */
  asrBytes: 25 * 1024 * 1024,
  asrSeconds: 30,
  /** /v3/glm-tts `speed`, inclusive. */
  speed: { min: 0.5, max: 2 },
  /** /v3/glm-tts `volume`: above `min` (exclusive), at most `max`. */
  volume: { min: 0, max: 10 },
  /** Voice names: this product's rule for Novita's `voice_name` (letters, digits, "-" and "_"). */
  voiceName: { maxLength: 64, pattern: /^[A-Za-z0-9_-]+$/ },
} as const;

/** Novita's system voices for /v3/glm-tts (`tongtong` is its default). */
export const SYSTEM_VOICES = ['tongtong', 'chuichui', 'xiaochen', 'jam', 'kazi', 'douji', 'luodo'] as const;
export type SystemVoice = (typeof SYSTEM_VOICES)[number];

export function isSystemVoice(id: string): id is SystemVoice {
  return (SYSTEM_VOICES as readonly string[]).includes(id);
}

/** Length in Unicode code points (what Novita counts), not UTF-16 units. */
export function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}
