// What root.img really is. stemcell.MF's disk_format is what the builder meant; the first bytes are
// what Ironic's deploy agent will see, so they win. Pure.

export type ImageFormat = "raw" | "qcow2";

/** "QFI\xfb": every qcow2 (v2 and v3) image starts with it. */
const QCOW2_MAGIC = [0x51, 0x46, 0x49, 0xfb] as const;

/** Bytes of the image head the sniffer needs. */
export const SNIFF_BYTES = QCOW2_MAGIC.length;

export function sniffImageFormat(head: Uint8Array): ImageFormat {
  return QCOW2_MAGIC.every((b, i) => head[i] === b) ? "qcow2" : "raw";
}

/** A sentence for the log when stemcell.MF and the bytes disagree; undefined when they agree or MF says nothing. */
export function formatDisagreement(declared: string | undefined, actual: ImageFormat): string | undefined {
  if (declared === undefined || declared === actual) return undefined;
  return (
    `stemcell.MF says disk_format '${declared}' but root.img is ${actual} (by its first bytes); ` +
    `recording ${actual}`
  );
}
