// The only place configuration keys are named. The same schema validates the job-rendered
// cpi.json, and the cpi-config properties the director merges into `context` (overlay).
import { z } from "zod";

const Pem = z.string().includes("-----BEGIN", { message: "must be a PEM bundle" });
const HttpUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });
const Seconds = z.number().int().positive();

const IronicAuth = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("noauth") }),
  z.strictObject({ type: z.literal("http_basic"), username: z.string().min(1), password: z.string().min(1) }),
  z.strictObject({
    type: z.literal("keystone"),
    auth_url: HttpUrl,
    username: z.string().min(1),
    password: z.string().min(1),
    project_name: z.string().min(1),
    user_domain_name: z.string().default("Default"),
    project_domain_name: z.string().default("Default"),
    region_name: z.string().optional(),
    interface: z.enum(["public", "internal", "admin"]).default("public"),
  }),
]);

const Ironic = z.strictObject({
  url: HttpUrl,
  auth: IronicAuth.default({ type: "noauth" }),
  ca_cert: Pem.optional(),
  /** Turns TLS verification off; logged as a warning on every call. */
  insecure: z.boolean().default(false),
  max_api_version: z.string().regex(/^1\.\d+$/, "must look like 1.82").optional(),
  request_timeout: Seconds.default(60),
  retries: z
    .strictObject({
      attempts: z.number().int().min(0).max(50).default(8),
      base_delay_ms: z.number().int().positive().default(250),
      max_delay_ms: z.number().int().positive().default(5000),
    })
    .prefault({}),
  poll: z
    .strictObject({
      initial_interval_ms: z.number().int().positive().default(200),
      max_interval_ms: z.number().int().positive().default(3000),
    })
    .prefault({}),
  /** Defaults for waits; a vm_type may override deploy_timeout. */
  deploy_timeout: Seconds.default(3600),
  delete_timeout: Seconds.default(1800),
  power_timeout: Seconds.default(300),
  /** A claim still in phase `creating` this long after deploy_timeout is stale (crashed CPI). */
  stale_claim_margin: Seconds.default(600),
});

const WebdavStore = z.strictObject({
  url: HttpUrl,
  /** What Ironic conductors fetch images from, when they reach the store by another address. */
  read_url: HttpUrl.optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  ca_cert: Pem.optional(),
  insecure: z.boolean().default(false),
  request_timeout: Seconds.default(300),
  retries: z.number().int().min(0).max(20).default(4),
});

const Registry = z.strictObject({
  /** When the agent reads settings from the registry: stemcells with api_version < 2, or always/never. */
  mode: z.enum(["auto", "always", "never"]).default("auto"),
  /** Agent-facing registry URL (may carry credentials, as the agent sends URL userinfo as basic auth). */
  endpoint: HttpUrl.optional(),
  /** Folder of the WebDAV store holding instances/<vm_cid>/settings. */
  prefix: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/).default("registry"),
});

const Agent = z.strictObject({
  mbus: z.string().min(1),
  ntp: z.array(z.string()).default([]),
  blobstore: z.record(z.string(), z.unknown()).optional(),
});

const Network = z.strictObject({
  /** What NICs without a BOSH network get: a static loopback-range address, DHCP, or nothing. */
  unused_nics: z.enum(["loopback", "dhcp", "ignore"]).default("loopback"),
  loopback_base: z.ipv4().default("127.0.0.100"),
  loopback_prefix: z.number().int().min(8).max(30).default(24),
  /** Nameservers for agent settings and network_data when a network has none (and the registry pointer). */
  default_dns: z.array(z.union([z.ipv4(), z.ipv6()])).default([]),
});

const ConfigDrive = z.strictObject({
  public_keys: z.array(z.string()).default([]),
  /** Ironic keeps inline config drives in its database. */
  max_packed_bytes: z.number().int().positive().default(64 * 1024),
});

const Disks = z.strictObject({
  system_device: z.string().default("/dev/sda"),
  /** Hint for disks.ephemeral when the vm_type sets none; unset = the agent partitions the root disk. */
  ephemeral_device: z.string().optional(),
  /** Ordered persistent-device hints when a disk_type names none. */
  persistent_devices: z.array(z.string()).default([]),
});

export const Config = z.strictObject({
  ironic: Ironic,
  stemcell_store: WebdavStore,
  registry: Registry.prefault({}),
  agent: Agent,
  network: Network.prefault({}),
  config_drive: ConfigDrive.prefault({}),
  disks: Disks.prefault({}),
  stemcell_formats: z.array(z.string().min(1)).min(1).default(["openstack-raw", "openstack-qcow2", "ironic-light"]),
  /** Ironic automated cleaning for BOSH nodes without persistent disks; null = Ironic's own setting. */
  automated_clean: z.boolean().nullable().default(null),
  /** Testing aid (as the AWS/OpenStack CPIs): report a lower api_version from info. */
  debug: z.strictObject({ api_version: z.number().int().min(1).max(2).optional() }).prefault({}),
});
export type Config = z.infer<typeof Config>;
export type ConfigInput = z.input<typeof Config>;
