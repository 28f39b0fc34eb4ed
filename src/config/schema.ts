// The only place configuration keys are named. The same schema validates the job-rendered
// cpi.json, and the cpi-config properties the director merges into `context` (overlay).
// zod/mini: `info` validates this on every call, and the mini API costs a fraction of classic
// zod to load (startup budget: see scripts/cpi-bootstrap.cjs).
import * as z from "zod/mini";
import { isCertificateBundle, isLatin1, storeInside } from "./checks.ts";

const Pem = z.string().check(
  z.refine(isCertificateBundle, { error: "must be PEM certificates (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----), each one parseable" }),
);
const HttpUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });
const NonEmpty = z.string().check(z.minLength(1));
// HTTP basic auth sends user:password as Latin-1 bytes; anything else cannot be sent at all.
const LATIN1 = { error: "must hold only Latin-1 characters (HTTP basic auth cannot send others)" };
const BasicPassword = z.string().check(z.minLength(1), z.refine(isLatin1, LATIN1));
const BasicUser = BasicPassword.check(z.refine((s) => !s.includes(":"), { error: "must not contain ':' (HTTP basic auth)" }));
const Seconds = z.int().check(z.positive());
const PositiveInt = z.int().check(z.positive());
const intIn = (min: number, max: number) => z.int().check(z.gte(min), z.lte(max));
const opt = z.optional;
const def = z._default;

const IronicAuth = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("noauth") }),
  z.strictObject({ type: z.literal("http_basic"), username: BasicUser, password: BasicPassword }),
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

/** A WebDAV store: where it is, how to log in and trust it. */
const webdavStore = <E extends z.core.$ZodLooseShape>(extra: E) =>
  z.strictObject({
    url: HttpUrl,
    ...extra,
    username: opt(BasicUser),
    password: opt(BasicPassword),
    ca_cert: opt(Pem),
    insecure: def(z.boolean(), false),
    request_timeout: def(Seconds, 300),
    retries: def(intIn(0, 20), 4),
  });

/** Stemcell images: Ironic's conductors read them, typically anonymously, from read_url. */
const StemcellStore = webdavStore({
  /** What Ironic conductors fetch images from, when they reach the store by another address. */
  read_url: opt(HttpUrl),
});

/** Agent settings for registry-mode VMs: secrets, so a store (or location) nobody reads anonymously. */
export const RegistryStore = webdavStore({});

const Registry = z.strictObject({
  /** When the agent reads settings from the registry: stemcells with api_version < 2, or always/never. */
  mode: def(z.enum(["auto", "always", "never"]), "auto"),
  /** Agent-facing registry URL (may carry credentials, as the agent sends URL userinfo as basic auth). */
  endpoint: opt(HttpUrl),
  /** Where registry records are written: never under the stemcell store, which conductors read anonymously. */
  store: opt(RegistryStore),
  /** Folder of the registry store holding instances/<vm_cid>/settings. */
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
  stemcell_store: StemcellStore,
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
  debug: z.prefault(z.strictObject({ api_version: opt(intIn(1, 3)) }), {}),
}).check(
  // Keys that only make sense together: checked once here, so check-config and every call refuse alike.
  z.superRefine((c, ctx) => {
    const issue = (path: PropertyKey[], message: string) => ctx.issues.push({ code: "custom", path, message, input: c });
    if (c.registry.mode === "always" && !c.registry.store) {
      issue(["registry", "store"], "is required with registry.mode always: agent settings are written there (a WebDAV location that requires credentials for every read)");
    }
    const store = c.registry.store?.url;
    for (const [key, base] of [["stemcell_store.url", c.stemcell_store.url], ["stemcell_store.read_url", c.stemcell_store.read_url]] as const) {
      if (store && base && storeInside(store, base)) {
        issue(["registry", "store", "url"], `lies inside ${key} (${base}), which Ironic's conductors read anonymously: agent settings hold the agent's secrets; use a location that requires credentials for every read`);
      }
    }
    const endpoint = c.registry.endpoint ? new URL(c.registry.endpoint) : undefined;
    if (endpoint && !isLatin1(decodeURIComponent(`${endpoint.username}:${endpoint.password}`))) {
      issue(["registry", "endpoint"], `credentials ${LATIN1.error}`);
    }
  }),
);
export type Config = z.infer<typeof Config>;
export type ConfigInput = z.input<typeof Config>;
