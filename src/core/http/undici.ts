// undici is loaded on the first request, never at activation: the extension's build turns this require into one of
// dist/undici.js (esbuild.mjs, `lazyPackages`); the CLI and the tests load the package itself.
import type * as Undici from 'undici';

let loaded: typeof Undici | undefined;

export function undici(): typeof Undici {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (loaded ??= require('undici') as typeof Undici);
}

export type Dispatcher = Undici.Dispatcher;
export type ResponseData = Undici.Dispatcher.ResponseData;
