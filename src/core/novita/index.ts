// What the Novita side of the core offers: the client, its errors, the audio helpers the client needs.
export * from '../errors';
export * from '../audio/sniff';
export * from '../audio/wav';
export * from './client';
export * from './connections';
export * from '../audio/preflight';
