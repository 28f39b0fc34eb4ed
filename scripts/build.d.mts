export declare function buildInto(outdir: string): Promise<void>;
