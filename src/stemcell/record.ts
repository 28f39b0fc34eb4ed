// The small JSON document kept beside each stemcell in the store (<cid>/stemcell.json). It is the
// stemcell's existence: written last on create, read by create_vm (through resolve), so a stemcell
// without it was never completed. Pure.
import * as z from "zod";

export const RECORD_NAME = "stemcell.json";
export const IMAGE_NAME = "root.img";

const Hex = (n: number) => z.string().regex(new RegExp(`^[0-9a-f]{${n}}$`));

export const Checksums = z.strictObject({
  sha256: Hex(64).optional(),
  md5: Hex(32).optional(),
  sha512: Hex(128).optional(),
});
export type Checksums = z.infer<typeof Checksums>;

const Common = {
  record_version: z.literal(1),
  cid: z.string(),
  name: z.string().nullable(),
  version: z.string().nullable(),
  os_distro: z.string().nullable(),
  architecture: z.string().nullable(),
  created_at: z.string(),
  /** create_stemcell's env.tags (CPI API v3), when the director sent any. */
  tags: z.record(z.string(), z.string()).optional(),
};

/** An image uploaded to the store: <cid>/root.img. */
const Uploaded = z.looseObject({
  ...Common,
  light: z.literal(false),
  format: z.enum(["raw", "qcow2"]),
  /** What stemcell.MF claimed, kept for the record when the bytes said otherwise. */
  declared_disk_format: z.string().nullable(),
  size: z.number().int().positive(),
  /** md5 only when the Ironic of the upload needed it (before Ussuri). */
  checksums: Checksums.required({ sha256: true }),
  image: z.literal(IMAGE_NAME),
});

/** A light stemcell: the image lives elsewhere and is only referenced. */
const Light = z.looseObject({
  ...Common,
  light: z.literal(true),
  format: z.string().nullable(),
  size: z.number().int().nonnegative().nullable(),
  checksums: Checksums,
  image_url: z.url(),
});

export const StemcellRecord = z.discriminatedUnion("light", [Uploaded, Light]);
export type StemcellRecord = z.infer<typeof StemcellRecord>;
