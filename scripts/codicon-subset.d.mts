// Types of scripts/codicon-subset.mjs for the TypeScript that imports it (test/unit/project/packaging.test.ts).
import type { Plugin } from 'esbuild';

export declare const CODICONS: string[];
export declare function codepoints(css: string, names?: string[]): Map<string, number>;
export declare function subsetCss(css: string, names?: string[]): string;
export declare function codiconSubsetPlugin(names?: string[]): Plugin;
