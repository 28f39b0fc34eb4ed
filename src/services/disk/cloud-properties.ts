// disk_types[].cloud_properties (contract §4.2: no AZ merge) as create_disk reads them. Defaults first:
// the CPI config's disks.persistent_devices, then whatever the node declares (devices/node-devices.ts).
import * as z from "zod";
import { describeIssues } from "../../issues.ts";
import { CpiError } from "../../protocol/errors.ts";

const Hint = z
  .string()
  .min(1)
  .max(512)
  .refine((s) => !/[\s\0]/.test(s), "must not contain spaces or control characters");

const Properties = z.strictObject({
  /** One device hint. */
  device: Hint.optional(),
  /** Ordered device hints: the first free, clean one with enough capacity wins. */
  devices: z.array(Hint).min(1).optional(),
  /** Added by the director for a dynamic disk (directors from v282.1.10): recorded with the disk. */
  name: z.string().min(1).max(255).optional(),
});

export interface DiskCloudProperties {
  /** Candidate hints in order of preference; [] = the node's declared devices decide. */
  devices: string[];
  /** Where the list came from, for log lines and NoDiskSpace messages. */
  source: "disk_type" | "config" | "node";
  /** A dynamic disk's name (the director's), kept in the disk record. */
  name?: string;
}

const KNOWN_DISK_CLOUD_PROPERTIES = Object.keys(Properties.shape).sort();

export function parseDiskCloudProperties(
  raw: Record<string, unknown>,
  defaults: readonly string[],
): DiskCloudProperties {
  const r = Properties.safeParse(raw, { reportInput: true });
  if (!r.success) {
    const what = describeIssues(r.error.issues, { knownKeys: KNOWN_DISK_CLOUD_PROPERTIES, dottedIndexes: true });
    throw new CpiError(`invalid disk_type cloud_properties: ${what}`);
  }
  const { device, devices, name } = r.data;
  if (device && devices)
    throw new CpiError("invalid disk_type cloud_properties: set either device or devices, not both");
  const own = devices ?? (device ? [device] : []);
  const named = name ? { name } : {};
  if (own.length > 0) return { devices: [...new Set(own)], source: "disk_type", ...named };
  if (defaults.length > 0) return { devices: [...new Set(defaults)], source: "config", ...named };
  return { devices: [], source: "node", ...named };
}
