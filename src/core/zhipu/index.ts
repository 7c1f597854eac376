// What the Zhipu side of the core offers: the client (clone from an uploaded file, speech whole or streamed, voices)
// and its error mapping.
export * from './client';
export * from './status';
