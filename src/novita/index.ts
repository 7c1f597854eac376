// The Novita client bundle (dist/novita-http.js): everything the extension host needs, loaded on the first request.
export * from './errors';
export * from './audio';
export * from './client';
export * from './samplePreflight';
