// The narration pipeline: what to say, in which chunks, joined into one WAV.
export * from './markdown';
export * from './split';
export * from './join';
export * from './plan';
export * from './cast';
export * from './fountain';
export * from './pronunciations';
