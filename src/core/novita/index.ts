// The Novita client bundle (dist/novita-http.js): everything the extension host needs, loaded on the first request.
export * from './errors';
export * from '../audio/sniff';
export * from '../audio/wav';
export * from './client';
export * from '../audio/preflight';
