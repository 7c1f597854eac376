import type { BuildOptions } from 'esbuild';

export declare const REPO_ROOT: string;
export declare function cliBuildOptions(opts?: { production?: boolean; outfile?: string }): BuildOptions;
