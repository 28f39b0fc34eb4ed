// create_stemcell's cloud_properties: the stemcell.MF `cloud_properties` (name, version,
// infrastructure, disk_format, container_format, os_distro, architecture, hypervisor, …). stemcell.MF
// grows with every builder release, so unknown keys pass; the keys read here are validated.
// A light stemcell adds image_url + image_checksum (+ disk_format) and is only referenced, not uploaded.
import * as z from "zod";
import { CpiError } from "../../protocol/errors.ts";
import { describeIssues } from "../../issues.ts";
import type { Checksums } from "../../stemcell/record.ts";

/** "sha256:<hex>", "md5:<hex>", "sha512:<hex>", or a bare hex digest whose length names the algorithm. */
const CHECKSUM = /^(?:(md5|sha256|sha512):)?([0-9A-Fa-f]{32}|[0-9A-Fa-f]{64}|[0-9A-Fa-f]{128})$/;
const ALGO_BY_LENGTH: Record<number, keyof Checksums> = { 32: "md5", 64: "sha256", 128: "sha512" };
const LENGTH_BY_ALGO: Record<keyof Checksums, number> = { md5: 32, sha256: 64, sha512: 128 };

const Text = z.string().min(1).max(255);

export const StemcellCloudProperties = z
  .looseObject({
    name: Text.optional(),
    // YAML reads "3262.10" as a number and drops the zero (the 2016 CPI's bug): keep what we got, as text
    version: z.union([Text, z.number()]).transform(String).optional(),
    infrastructure: Text.optional(),
    disk_format: Text.optional(),
    container_format: Text.optional(),
    os_distro: Text.optional(),
    architecture: Text.optional(),
    hypervisor: Text.optional(),
    image_url: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
    image_checksum: z
      .string()
      .regex(
        CHECKSUM,
        "must be a hex md5/sha256/sha512 digest, optionally prefixed with 'md5:', 'sha256:' or 'sha512:'",
      )
      .refine((s) => {
        const m = CHECKSUM.exec(s);
        return !m?.[1] || LENGTH_BY_ALGO[m[1] as keyof Checksums] === m[2]?.length;
      }, "digest length does not match its algorithm")
      .optional(),
  })
  .refine((p) => (p.image_url === undefined) === (p.image_checksum === undefined), {
    message: "a light stemcell needs both image_url and image_checksum",
    path: ["image_url"],
  });
export type StemcellCloudProperties = z.infer<typeof StemcellCloudProperties>;

export function parseStemcellCloudProperties(raw: unknown): StemcellCloudProperties {
  const r = StemcellCloudProperties.safeParse(raw, { reportInput: true });
  if (!r.success) throw new CpiError(`invalid stemcell cloud_properties: ${describeIssues(r.error.issues)}`);
  return r.data;
}

/** image_checksum → the one checksum it names. */
export function parseImageChecksum(value: string): Checksums {
  const m = CHECKSUM.exec(value);
  if (!m?.[2]) throw new CpiError(`invalid image_checksum`);
  const hex = m[2].toLowerCase();
  const algo = (m[1] as keyof Checksums | undefined) ?? ALGO_BY_LENGTH[hex.length];
  if (!algo) throw new CpiError(`invalid image_checksum`);
  return { [algo]: hex };
}
