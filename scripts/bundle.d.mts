import type { BuildOptions } from "esbuild";

export declare const ESBUILD_OPTIONS: BuildOptions;
export declare function bundle(entry: string, opts?: { infoOnly?: boolean }): Promise<string>;
export declare function withCodeCache(bundles: Record<string, string>): string;
