// The narration pipeline, bundled as dist/narration.js and required on the first Speak command.
export * from './markdownToSpeech';
export * from './splitText';
export * from './wavJoin';
