// Argument shapes shared by several CPI methods (bosh-cpi-contract.md §4). Only zod here.
// cloud_properties stay raw records: the service that consumes them owns their schema.
import * as z from "zod";

/**
 * A cloud id (vm, disk, stemcell, agent). They end up in Ironic queries and WebDAV paths, so only a
 * safe set is accepted: no "/", "%", "..", spaces or control characters.
 */
export const Cid = z
  .string()
  .min(1, "must not be empty")
  .max(255, "must be at most 255 characters")
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, "may only contain letters, digits, '.', '_', ':' and '-'")
  .refine((s) => !s.includes(".."), "must not contain '..'");
export type Cid = z.infer<typeof Cid>;

export const CloudProperties = z.record(z.string(), z.unknown());
export type CloudProperties = z.infer<typeof CloudProperties>;

const Ip = z.union([z.ipv4(), z.ipv6()], { error: "must be an IPv4 or IPv6 address" });

/** One entry of the `networks` argument, as the director and the CLI build it (§4.1). */
export const NetworkSpec = z.looseObject({
  type: z.enum(["manual", "dynamic", "vip"]).optional(),
  ip: Ip.optional(),
  netmask: Ip.optional(),
  prefix: z.union([z.string().regex(/^\d{1,3}$/), z.number().int()]).optional(),
  gateway: Ip.optional(),
  dns: z.array(Ip).optional(),
  default: z.array(z.string()).optional(),
  cloud_properties: CloudProperties.optional(),
  mac: z
    .string()
    .regex(/^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/, "must be a MAC address like 52:54:00:12:34:56")
    .optional(),
  use_dhcp: z.boolean().optional(),
  preconfigured: z.boolean().optional(),
  alias: z.string().optional(),
  nic_group: z.union([z.string(), z.number()]).optional(),
});
export type NetworkSpec = z.infer<typeof NetworkSpec>;

export const Networks = z.record(
  z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "network names may only contain letters, digits, '.', '_' and '-'"),
  NetworkSpec,
);
export type Networks = z.infer<typeof Networks>;

/** `env` is passed verbatim to the agent; it carries secrets (mbus certs, password hash). */
export const Env = z.record(z.string(), z.unknown());
export type Env = z.infer<typeof Env>;

/** set_vm_metadata / set_disk_metadata: string values from the director (numbers tolerated). */
export const Metadata = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));
export type Metadata = z.infer<typeof Metadata>;

/** The v2 attach_disk answer: a stable device path the agent resolves (symlinks followed). */
export const DiskHint = z.object({ path: z.string().min(1) });
export type DiskHint = z.infer<typeof DiskHint>;

/** Disk sizes arrive in MiB. */
export const SizeMib = z
  .number()
  .int()
  .positive()
  .max(1024 * 1024 * 1024);
