// Heavy modules live in their own bundles and are required on first use, so activation never parses them.
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
