// The only place configuration keys are named. The same schema validates the job-rendered
// cpi.json, and the cpi-config properties the director merges into `context` (overlay).
import * as z from "zod";
import { isCertificateBundle, isLatin1, storeInside } from "./checks.ts";

const Pem = z.string().refine(isCertificateBundle, {
  error: "must be PEM certificates (-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----), each one parseable",
});
const HttpUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });
const NonEmpty = z.string().min(1);
// HTTP basic auth sends user:password as Latin-1 bytes; anything else cannot be sent at all.
const LATIN1 = { error: "must hold only Latin-1 characters (HTTP basic auth cannot send others)" };
const BasicPassword = z.string().min(1).refine(isLatin1, LATIN1);
const BasicUser = BasicPassword.refine((s) => !s.includes(":"), { error: "must not contain ':' (HTTP basic auth)" });
const Seconds = z.int().positive();
const PositiveInt = z.int().positive();
const intIn = (min: number, max: number) => z.int().min(min).max(max);

const IronicAuth = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("noauth") }),
  z.strictObject({ type: z.literal("http_basic"), username: BasicUser, password: BasicPassword }),
  z.strictObject({
    type: z.literal("keystone"),
    auth_url: HttpUrl,
    username: NonEmpty,
    password: NonEmpty,
    /** the token's scope: a project, or the whole deployment (`system_scope: all`, what Ironic's policy asks of
     * an admin since its secure RBAC defaults, e.g. to turn a server's automated cleaning off) */
    project_name: NonEmpty.optional(),
    system_scope: z.literal("all").optional(),
    user_domain_name: z.string().default("Default"),
    project_domain_name: z.string().default("Default"),
    region_name: z.string().optional(),
    interface: z.enum(["public", "internal", "admin"]).default("public"),
  }),
]);

const Ironic = z.strictObject({
  /** With keystone auth it may be left out: then the token's catalog names it (auth.region_name, auth.interface). */
  url: HttpUrl.optional(),
  auth: IronicAuth.default({ type: "noauth" }),
  ca_cert: Pem.optional(),
  /** Turns TLS verification off; logged as a warning on every call. */
  insecure: z.boolean().default(false),
  max_api_version: z
    .string()
    .regex(/^1\.\d+$/, "must look like 1.82")
    .optional(),
  request_timeout: Seconds.default(60),
  retries: z
    .strictObject({
      attempts: intIn(0, 50).default(8),
      base_delay_ms: PositiveInt.default(250),
      max_delay_ms: PositiveInt.default(5000),
    })
    .prefault({}),
  poll: z
    .strictObject({
      initial_interval_ms: PositiveInt.default(200),
      max_interval_ms: PositiveInt.default(30000),
    })
    .prefault({}),
  /** Defaults for waits; a vm_type may override deploy_timeout. */
  deploy_timeout: Seconds.default(3600),
  delete_timeout: Seconds.default(1800),
  power_timeout: Seconds.default(300),
  /** A claim still in phase `creating` this long after deploy_timeout is stale (crashed CPI). */
  stale_claim_margin: Seconds.default(600),
  /**
   * The servers this CPI may see and use, when several directors share one Ironic: only nodes of this
   * shard (API 1.82), owner (1.50) and lessee (1.65) are listed, found or taken; the nodes it enrolls get them.
   */
  shard: z.string().min(1).optional(),
  owner: z.string().min(1).optional(),
  lessee: z.string().min(1).optional(),
});

/** A WebDAV store: where it is, how to log in and trust it. */
const webdavStore = <E extends z.core.$ZodLooseShape>(extra: E) =>
  z.strictObject({
    url: HttpUrl,
    ...extra,
    username: BasicUser.optional(),
    password: BasicPassword.optional(),
    ca_cert: Pem.optional(),
    insecure: z.boolean().default(false),
    request_timeout: Seconds.default(300),
    retries: intIn(0, 20).default(4),
  });

/** Stemcell images: Ironic's conductors read them, typically anonymously, from read_url. */
const StemcellStore = webdavStore({
  /** What Ironic conductors fetch images from, when they reach the store by another address. */
  read_url: HttpUrl.optional(),
});

/** Agent settings for registry-mode VMs: secrets, so a store (or location) nobody reads anonymously. */
export const RegistryStore = webdavStore({});

const Registry = z.strictObject({
  /** When the agent reads settings from the registry: stemcells with api_version < 2, or always/never. */
  mode: z.enum(["auto", "always", "never"]).default("auto"),
  /** Agent-facing registry URL (may carry credentials, as the agent sends URL userinfo as basic auth). */
  endpoint: HttpUrl.optional(),
  /** Where registry records are written: never under the stemcell store, which conductors read anonymously. */
  store: RegistryStore.optional(),
  /** Folder of the registry store holding instances/<vm_cid>/settings. */
  prefix: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]*$/)
    .default("registry"),
});

const Agent = z.strictObject({
  mbus: NonEmpty,
  ntp: z.array(z.string()).default([]),
  blobstore: z.record(z.string(), z.unknown()).optional(),
});

const Network = z.strictObject({
  /** What NICs without a BOSH network get: a static loopback-range address, DHCP, or nothing. */
  unused_nics: z.enum(["loopback", "dhcp", "ignore"]).default("loopback"),
  loopback_base: z.ipv4().default("127.0.0.100"),
  loopback_prefix: intIn(8, 30).default(24),
  /** Nameservers for agent settings and network_data when a network has none (and the registry pointer). */
  default_dns: z.array(z.union([z.ipv4(), z.ipv6()])).default([]),
});

const ConfigDrive = z.strictObject({
  public_keys: z.array(z.string()).default([]),
  /** Ironic keeps inline config drives in its database. */
  max_packed_bytes: PositiveInt.default(64 * 1024),
});

const Disks = z.strictObject({
  system_device: z.string().default("/dev/sda"),
  /** Hint for disks.ephemeral when the vm_type sets none; unset = the agent partitions the root disk. */
  ephemeral_device: z.string().optional(),
  /** Ordered persistent-device hints when a disk_type names none. */
  persistent_devices: z.array(z.string()).default([]),
});

const Placement = z.strictObject({
  /** Seconds a server that failed a deploy ranks behind every healthy candidate. */
  avoid_failed_for: z.int().min(0).default(3600),
  /** Consecutive failed deploys after which the CPI puts the server into maintenance (0: never). */
  maintenance_after_failures: intIn(0, 1000).default(3),
  /**
   * Where a server names its failure domain (rack, PDU, switch): `properties.<key>`, `extra.<key>`,
   * `conductor_group`, or `trait:CUSTOM_<PREFIX>_` (the rest of the trait). VMs of one instance group
   * go to the domain holding the fewest of them.
   */
  failure_domain: z
    .string()
    .regex(
      /^((properties|extra)(\.[^.\s]+)+|conductor_group|resource_class|owner|name|trait:CUSTOM_[A-Z0-9_]*)$/,
      "must be properties.<key>, extra.<key>, conductor_group, or trait:CUSTOM_<PREFIX>",
    )
    .default("properties.rack"),
});

export const Config = z
  .strictObject({
    ironic: Ironic,
    stemcell_store: StemcellStore,
    registry: Registry.prefault({}),
    agent: Agent,
    network: Network.prefault({}),
    config_drive: ConfigDrive.prefault({}),
    disks: Disks.prefault({}),
    placement: Placement.prefault({}),
    stemcell_formats: z.array(NonEmpty).min(1).default(["openstack-raw", "openstack-qcow2", "ironic-light"]),
    /** Ironic automated cleaning for BOSH nodes without persistent disks; null = Ironic's own setting. */
    automated_clean: z.boolean().nullable().default(null),
    /** Testing aid (as the AWS/OpenStack CPIs): report a lower api_version from info. */
    debug: z.strictObject({ api_version: intIn(1, 3).optional() }).prefault({}),
  })
  .superRefine(
    // Keys that only make sense together: checked once here, so check-config and every call refuse alike.
    (c, ctx) => {
      const issue = (path: PropertyKey[], message: string) =>
        ctx.issues.push({ code: "custom", path, message, input: c });
      const a = c.ironic.auth;
      if (a.type === "keystone" && (a.project_name === undefined) === (a.system_scope === undefined)) {
        issue(["ironic", "auth"], "needs exactly one scope for the Keystone token: project_name, or system_scope: all");
      }
      if (c.ironic.url === undefined && c.ironic.auth.type !== "keystone") {
        issue(
          ["ironic", "url"],
          "is required unless ironic.auth.type is keystone (whose catalog names Ironic's endpoint)",
        );
      }
      if (c.registry.mode === "always" && !c.registry.store) {
        issue(
          ["registry", "store"],
          "is required with registry.mode always: agent settings are written there (a WebDAV location that " +
            "requires credentials for every read)",
        );
      }
      const store = c.registry.store?.url;
      for (const [key, base] of [
        ["stemcell_store.url", c.stemcell_store.url],
        ["stemcell_store.read_url", c.stemcell_store.read_url],
      ] as const) {
        if (store && base && storeInside(store, base)) {
          issue(
            ["registry", "store", "url"],
            `lies inside ${key} (${base}), which Ironic's conductors read anonymously: agent settings hold the ` +
              `agent's secrets; use a location that requires credentials for every read`,
          );
        }
      }
      const endpoint = c.registry.endpoint ? new URL(c.registry.endpoint) : undefined;
      if (endpoint && !isLatin1(decodeURIComponent(`${endpoint.username}:${endpoint.password}`))) {
        issue(["registry", "endpoint"], `credentials ${LATIN1.error}`);
      }
    },
  );
export type Config = z.infer<typeof Config>;
export type ConfigInput = z.input<typeof Config>;
