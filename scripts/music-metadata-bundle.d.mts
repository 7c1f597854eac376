// Types of scripts/music-metadata-bundle.mjs for the TypeScript that imports it (test/unit/project/musicMetadataBundle.test.ts).
import type { Plugin } from 'esbuild';

export declare function audioMimeOf(bytes: Uint8Array): string | undefined;
export declare const musicMetadataCuts: Plugin;
