// Heavy modules live in their own bundles and are required on first use, so activation never parses them.
import type * as AudioMetaModule from '../novita/audioMeta';
import type * as LibraryModule from '../library/voiceRegistry';
import type * as NarrationModule from '../narration/index';
import type * as NovitaModule from '../novita/index';

let novitaModule: typeof NovitaModule | undefined;

/** The Novita client bundle (undici and all): `dist/novita-http.js`. */
export function loadNovita(): typeof NovitaModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (novitaModule ??= require('./novita-http.js') as typeof NovitaModule);
}

let narrationModule: typeof NarrationModule | undefined;

/** Splitting, Markdown stripping and WAV joining: `dist/narration.js`. */
export function loadNarration(): typeof NarrationModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (narrationModule ??= require('./narration.js') as typeof NarrationModule);
}

let audioMetaModule: typeof AudioMetaModule | undefined;

/** music-metadata and the sample prober: `dist/audio-meta.js`, loaded on the first sample check. */
export function loadAudioMeta(): typeof AudioMetaModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (audioMetaModule ??= require('./audio-meta.js') as typeof AudioMetaModule);
}

let libraryModule: typeof LibraryModule | undefined;

/** The voice registry: `dist/library.js`, loaded when the library is first opened (not at activation). */
export function loadLibrary(): typeof LibraryModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (libraryModule ??= require('./library.js') as typeof LibraryModule);
}
