// Types of scripts/undici-bundle.mjs for the TypeScript that imports it (test/unit/project/undiciBundle.test.ts).
import type { Plugin } from 'esbuild';

export declare const NO_FORM_DATA: string;
export declare const undiciCuts: Plugin;
export declare const UNDICI_ENTRY: string;
export declare const LLHTTP_WASM: string;
export declare function writeLlhttpWasm(dir: string): void;
