// The features bundle is required on first use, so activation never parses it. Its path is a literal so esbuild
// leaves it as an external require of the sibling file in dist/. (undici and music-metadata, which the core loads
// on first use, are mapped to their own bundles by esbuild.mjs.)
import type * as DocumentsModule from './documents';
import type * as FeaturesModule from './features';

export function once<T>(load: () => T): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= load());
}

/** Commands, panel, views and the core: `dist/features.js`, built on the first command, view or restored panel. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const loadFeatures = once(() => require('./features.js') as typeof FeaturesModule);

/** Lens placement and the script check: `dist/documents.js`, on the first Markdown or screenplay document. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const loadDocuments = once(() => require('./documents.js') as typeof DocumentsModule);

// The shell's second half (`dist/shell.js`) is loaded by extension.ts itself: later.ts uses `loadDocuments` from
// here, so naming it here too would make an import circle.
