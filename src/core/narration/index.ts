// The narration pipeline, bundled as dist/narration.js and required on the first Speak command.
export * from './markdown';
export * from './split';
export * from './join';
export * from './plan';
