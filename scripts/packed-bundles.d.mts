// Types of scripts/packed-bundles.mjs for the TypeScript that imports it (test/unit/project/packaging.test.ts).
export declare const PACKED_WASM: string[];
export declare const PACKED_BUNDLES: string[];
export declare const LOADER: string;
export declare function brotli(bytes: Uint8Array): Buffer;
export declare function packBundle(file: string): void;
export declare function unpackedBuild(file: string): void;
