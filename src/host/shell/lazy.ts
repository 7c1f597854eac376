// Heavy modules live in their own bundles and are required on first use, so activation never parses them.
// Each path is a literal so esbuild leaves it as an external require of the sibling file in dist/.
import type * as FeaturesModule from './features';
import type * as LibraryModule from '../../core/library/voiceRegistry';
import type * as NarrationModule from '../../core/narration/index';
import type * as AudioMetaModule from '../../core/audio/probe';
import type * as NovitaModule from '../../core/novita/index';

function once<T>(load: () => T): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= load());
}

/* eslint-disable @typescript-eslint/no-require-imports */
/** Commands, panel, library and services: `dist/features.js`, built on the first command, view or restored panel. */
export const loadFeatures = once(() => require('./features.js') as typeof FeaturesModule);
/** The Novita client bundle (undici and all): `dist/novita-http.js`. */
export const loadNovita = once(() => require('./novita-http.js') as typeof NovitaModule);
/** Splitting, Markdown stripping and WAV joining: `dist/narration.js`. */
export const loadNarration = once(() => require('./narration.js') as typeof NarrationModule);
/** music-metadata and the sample prober: `dist/audio-meta.js`, loaded on the first sample check. */
export const loadAudioMeta = once(() => require('./audio-meta.js') as typeof AudioMetaModule);
/** The voice registry: `dist/library.js`, loaded when the library is first opened (not at activation). */
export const loadLibrary = once(() => require('./library.js') as typeof LibraryModule);
/* eslint-enable @typescript-eslint/no-require-imports */
