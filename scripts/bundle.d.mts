import type { BuildOptions } from "esbuild";

export declare const ESBUILD_OPTIONS: BuildOptions;
export declare function bundle(entry: string): Promise<string>;
export declare function withCodeCache(bundleText: string): string;
