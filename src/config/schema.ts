// The only place configuration keys are named. The same schema validates the job-rendered
// cpi.json, and the cpi-config properties the director merges into `context` (overlay).
// zod/mini: `info` validates this on every call, and the mini API costs a fraction of classic
// zod to load (startup budget: see scripts/cpi-bootstrap.cjs).
import * as z from "zod/mini";

const Pem = z.string().check(z.includes("-----BEGIN", { error: "must be a PEM bundle" }));
const HttpUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });
const NonEmpty = z.string().check(z.minLength(1));
const Seconds = z.int().check(z.positive());
const PositiveInt = z.int().check(z.positive());
const intIn = (min: number, max: number) => z.int().check(z.gte(min), z.lte(max));
const opt = z.optional;
const def = z._default;

const IronicAuth = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("noauth") }),
  z.strictObject({ type: z.literal("http_basic"), username: NonEmpty, password: NonEmpty }),
  z.strictObject({
    type: z.literal("keystone"),
    auth_url: HttpUrl,
    username: NonEmpty,
    password: NonEmpty,
    project_name: NonEmpty,
    user_domain_name: def(z.string(), "Default"),
    project_domain_name: def(z.string(), "Default"),
    region_name: opt(z.string()),
    interface: def(z.enum(["public", "internal", "admin"]), "public"),
  }),
]);

const Ironic = z.strictObject({
  url: HttpUrl,
  auth: def(IronicAuth, { type: "noauth" }),
  ca_cert: opt(Pem),
  /** Turns TLS verification off; logged as a warning on every call. */
  insecure: def(z.boolean(), false),
  max_api_version: opt(z.string().check(z.regex(/^1\.\d+$/, "must look like 1.82"))),
  request_timeout: def(Seconds, 60),
  retries: z.prefault(
    z.strictObject({
      attempts: def(intIn(0, 50), 8),
      base_delay_ms: def(PositiveInt, 250),
      max_delay_ms: def(PositiveInt, 5000),
    }),
    {},
  ),
  poll: z.prefault(
    z.strictObject({
      initial_interval_ms: def(PositiveInt, 200),
      max_interval_ms: def(PositiveInt, 3000),
    }),
    {},
  ),
  /** Defaults for waits; a vm_type may override deploy_timeout. */
  deploy_timeout: def(Seconds, 3600),
  delete_timeout: def(Seconds, 1800),
  power_timeout: def(Seconds, 300),
  /** A claim still in phase `creating` this long after deploy_timeout is stale (crashed CPI). */
  stale_claim_margin: def(Seconds, 600),
});

const WebdavStore = z.strictObject({
  url: HttpUrl,
  /** What Ironic conductors fetch images from, when they reach the store by another address. */
  read_url: opt(HttpUrl),
  username: opt(z.string()),
  password: opt(z.string()),
  ca_cert: opt(Pem),
  insecure: def(z.boolean(), false),
  request_timeout: def(Seconds, 300),
  retries: def(intIn(0, 20), 4),
});

const Registry = z.strictObject({
  /** When the agent reads settings from the registry: stemcells with api_version < 2, or always/never. */
  mode: def(z.enum(["auto", "always", "never"]), "auto"),
  /** Agent-facing registry URL (may carry credentials, as the agent sends URL userinfo as basic auth). */
  endpoint: opt(HttpUrl),
  /** Folder of the WebDAV store holding instances/<vm_cid>/settings. */
  prefix: def(z.string().check(z.regex(/^[a-z0-9][a-z0-9_-]*$/)), "registry"),
});

const Agent = z.strictObject({
  mbus: NonEmpty,
  ntp: def(z.array(z.string()), []),
  blobstore: opt(z.record(z.string(), z.unknown())),
});

const Network = z.strictObject({
  /** What NICs without a BOSH network get: a static loopback-range address, DHCP, or nothing. */
  unused_nics: def(z.enum(["loopback", "dhcp", "ignore"]), "loopback"),
  loopback_base: def(z.ipv4(), "127.0.0.100"),
  loopback_prefix: def(intIn(8, 30), 24),
  /** Nameservers for agent settings and network_data when a network has none (and the registry pointer). */
  default_dns: def(z.array(z.union([z.ipv4(), z.ipv6()])), []),
});

const ConfigDrive = z.strictObject({
  public_keys: def(z.array(z.string()), []),
  /** Ironic keeps inline config drives in its database. */
  max_packed_bytes: def(PositiveInt, 64 * 1024),
});

const Disks = z.strictObject({
  system_device: def(z.string(), "/dev/sda"),
  /** Hint for disks.ephemeral when the vm_type sets none; unset = the agent partitions the root disk. */
  ephemeral_device: opt(z.string()),
  /** Ordered persistent-device hints when a disk_type names none. */
  persistent_devices: def(z.array(z.string()), []),
});

const Placement = z.strictObject({
  /** Seconds a server that failed a deploy ranks behind every healthy candidate. */
  avoid_failed_for: def(z.int().check(z.gte(0)), 3600),
  /** Consecutive failed deploys after which the CPI puts the server into maintenance (0: never). */
  maintenance_after_failures: def(intIn(0, 1000), 3),
});

export const Config = z.strictObject({
  ironic: Ironic,
  stemcell_store: WebdavStore,
  registry: z.prefault(Registry, {}),
  agent: Agent,
  network: z.prefault(Network, {}),
  config_drive: z.prefault(ConfigDrive, {}),
  disks: z.prefault(Disks, {}),
  placement: z.prefault(Placement, {}),
  stemcell_formats: def(z.array(NonEmpty).check(z.minLength(1)), ["openstack-raw", "openstack-qcow2", "ironic-light"]),
  /** Ironic automated cleaning for BOSH nodes without persistent disks; null = Ironic's own setting. */
  automated_clean: def(z.nullable(z.boolean()), null),
  /** Testing aid (as the AWS/OpenStack CPIs): report a lower api_version from info. */
  debug: z.prefault(z.strictObject({ api_version: opt(intIn(1, 2)) }), {}),
});
export type Config = z.infer<typeof Config>;
export type ConfigInput = z.input<typeof Config>;
