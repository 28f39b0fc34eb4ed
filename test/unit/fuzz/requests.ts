// Generators of bad CPI requests (fast-check) and the contract-side knowledge they need: the argument
// kinds of every method (bosh-cpi-contract.md §3.1), written here from the contract and NOT read from the
// actions' zod schemas, so a schema that accepts too much shows up as a failure.
// Every generated case says what it must lead to:
//   reject    — malformed envelope or arguments: CpiError/NotImplemented, no services built, no request sent
//   semantic  — well-formed but impossible (unknown cloud_properties keys, non-contiguous netmask…): a typed
//               error before any request to Ironic or WebDAV
//   any       — no expectation beyond the protocol (one document, known error type, exit 0, bounded time)
import fc from "fast-check";
import { CONTRACT_METHODS } from "../../../src/protocol/methods.ts";

export type Expect = "reject" | "semantic" | "any";
export interface BadCase {
  label: string;
  raw: string;
  expect: Expect;
}

type Kind =
  | "cid"
  | "cid?"
  | "cids?"
  | "size"
  | "props"
  | "networks"
  | "metadata"
  | "env?"
  | "path"
  | "resources"
  | "record";

/** Positional argument kinds per method (contract §3.1); `?` = null allowed. */
export const METHOD_ARGS: Record<(typeof CONTRACT_METHODS)[number], Kind[]> = {
  info: [],
  create_stemcell: ["path", "props"],
  delete_stemcell: ["cid"],
  create_vm: ["cid", "cid", "props", "networks", "cids?", "env?"],
  delete_vm: ["cid"],
  has_vm: ["cid"],
  reboot_vm: ["cid"],
  set_vm_metadata: ["cid", "metadata"],
  calculate_vm_cloud_properties: ["resources"],
  create_disk: ["size", "props", "cid?"],
  delete_disk: ["cid"],
  attach_disk: ["cid", "cid"],
  detach_disk: ["cid", "cid"],
  has_disk: ["cid"],
  get_disks: ["cid"],
  set_disk_metadata: ["cid", "metadata"],
  resize_disk: ["cid", "size"],
  update_disk: ["cid", "size", "props"],
  snapshot_disk: ["cid", "metadata"],
  delete_snapshot: ["cid"],
  create_network: ["record"],
  delete_network: ["cid"],
  configure_networks: ["cid", "networks"],
  current_vm_id: [],
  ping: [],
};
export const METHODS = Object.keys(METHOD_ARGS) as (keyof typeof METHOD_ARGS)[];
export const METHODS_WITH_ARGS = METHODS.filter((m) => METHOD_ARGS[m].length > 0);

const NETWORK = {
  type: "manual",
  ip: "10.0.1.10",
  netmask: "255.255.255.0",
  gateway: "10.0.1.1",
  dns: ["10.0.0.2"],
  default: ["dns", "gateway"],
  cloud_properties: {},
};

/** A valid value of each kind. */
export function validArg(kind: Kind, i = 0): unknown {
  switch (kind) {
    case "cid":
    case "cid?":
      return `cid-${i}-0f8e2a`;
    case "cids?":
      return [];
    case "size":
      return 10_240;
    case "props":
      return {};
    case "networks":
      return { default: NETWORK };
    case "metadata":
      return { director: "d", deployment: "dep", index: "0" };
    case "env?":
      return { bosh: { group: "g" } };
    case "path":
      return "/var/vcap/data/tmp/director/stemcell/image";
    case "resources":
      return { cpu: 2, ram: 4096, ephemeral_disk_size: 10_240 };
    case "record":
      return { name: "net" };
  }
}

export const validArgs = (method: keyof typeof METHOD_ARGS) => METHOD_ARGS[method].map((k, i) => validArg(k, i));

/** CIDs that try to leave their folder or smuggle URL syntax: each must be refused. */
export const NASTY_CIDS = [
  "",
  " ",
  "..",
  "../x",
  "../../etc/passwd",
  "a/b",
  "/abs",
  "a\\b",
  "%2e%2e",
  "%2e%2e%2fetc",
  "a%2Fb",
  ".hidden",
  "-flag",
  "a?b=1",
  "a#frag",
  "a b",
  "http://evil/x",
  "a\u0000b",
  "a\nb",
  "\u202eexe.txt",
  "ä",
  "日本",
  "x".repeat(256),
  "a..b",
  "~root",
];

const notString = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
);
const notObject = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.array(fc.jsonValue(), { maxLength: 3 }));
const badCid = fc.oneof(
  fc.constantFrom(...NASTY_CIDS),
  notString,
  fc.string({ unit: "binary", minLength: 1 }).filter((s) => /[^A-Za-z0-9._:-]/.test(s) || /^[._:-]/.test(s)),
);
const badSize = fc.oneof(
  fc.constantFrom(0, -1, -10_240, 1.5, 1e308, -1e308, 2 ** 53, Number.MAX_SAFE_INTEGER * 4, 1024 ** 3 + 1),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Number.isInteger(d) || d <= 0),
  fc.string(),
  fc.constant(null),
  fc.boolean(),
);
const badIp = fc.constantFrom(
  "300.1.1.1",
  "1.2.3",
  "1.2.3.4.5",
  "10.0.0.-1",
  "::zz",
  "ten.0.0.1",
  "",
  "0x0a000001",
  "10.0.0.1/24",
  " 10.0.0.1",
);
const badMac = fc.constantFrom(
  "zz:zz:zz:zz:zz:zz",
  "52:54:00:12:34",
  "52-54-00-12-34-56-78",
  "",
  "5254.0012.3456",
  "52:54:00:12:34:5g",
);
const badNetworks = fc.oneof(
  notObject,
  fc.constant(null),
  badIp.map((ip) => ({ default: { ...NETWORK, ip } })),
  badIp.map((netmask) => ({ default: { ...NETWORK, netmask } })),
  badIp.map((gateway) => ({ default: { ...NETWORK, gateway } })),
  badIp.map((d) => ({ default: { ...NETWORK, dns: [d] } })),
  badMac.map((mac) => ({ default: { ...NETWORK, mac } })),
  fc.constantFrom("", "a b", "../x", "a/b", "x".repeat(65), "é").map((name) => ({ [name]: NETWORK })),
  fc.constantFrom("physical", 5, null, "").map((type) => ({ default: { ...NETWORK, type } })),
  notObject.map((spec) => ({ default: spec })),
);
const badMetadata = fc.oneof(notObject, fc.constant(null), fc.constantFrom({ a: { nested: true } }, { a: [1] }));
const badResources = fc.oneof(
  notObject,
  fc.constant(null),
  fc.constantFrom(
    { cpu: 0, ram: 1, ephemeral_disk_size: 0 },
    { cpu: 1.5, ram: 1, ephemeral_disk_size: 0 },
    { cpu: 1, ram: 1 },
    { cpu: 1, ram: 1, ephemeral_disk_size: -1 },
    { cpu: 1, ram: 1, ephemeral_disk_size: 0, gpu: 1 },
  ),
);

/** A value that the contract says is wrong for `kind`. */
export function badArg(kind: Kind): fc.Arbitrary<unknown> {
  switch (kind) {
    case "cid":
      return badCid;
    case "cid?":
      return badCid.filter((v) => v !== null);
    case "cids?":
      return fc.oneof(
        notObject.filter((v) => !Array.isArray(v)),
        badCid.filter((v) => v !== null).map((c) => ["ok-disk-1", c]),
      );
    case "size":
      return badSize;
    case "props":
    case "record":
      return fc.oneof(notObject, fc.constant(null));
    case "networks":
      return badNetworks;
    case "metadata":
      return badMetadata;
    case "env?":
      return notObject;
    case "path":
      return fc.oneof(fc.constant(""), notString);
    case "resources":
      return badResources;
  }
}

const CONTEXT = { director_uuid: "d1d5-fuzz", request_id: "cpi-123456" };
const request = (method: unknown, args: unknown, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ method, arguments: args, context: CONTEXT, api_version: 2, ...extra });

/** One argument of a valid call replaced by a wrong value, or arguments missing. */
export const badArguments: fc.Arbitrary<BadCase> = fc.constantFrom(...METHODS_WITH_ARGS).chain((method) => {
  const kinds = METHOD_ARGS[method];
  const replaced = fc.integer({ min: 0, max: kinds.length - 1 }).chain((i) =>
    badArg(kinds[i]!).map((bad) => {
      const args = validArgs(method);
      args[i] = bad;
      return {
        label: `${method} argument ${i + 1} (${kinds[i]}) = ${JSON.stringify(bad)?.slice(0, 60)}`,
        raw: request(method, args),
        expect: "reject" as const,
      };
    }),
  );
  const missing = fc.integer({ min: 0, max: kinds.length - 1 }).map((n) => ({
    label: `${method} with ${n} of ${kinds.length} arguments`,
    raw: request(method, validArgs(method).slice(0, n)),
    expect: "reject" as const,
  }));
  return fc.oneof({ arbitrary: replaced, weight: 4 }, { arbitrary: missing, weight: 1 });
});

/** Envelopes that are not a BOSH request. */
export const badEnvelope: fc.Arbitrary<BadCase> = fc.oneof(
  fc
    .jsonValue()
    .filter((v) => typeof v !== "object" || v === null || Array.isArray(v))
    .map((v) => ({ label: "not an object", raw: JSON.stringify(v), expect: "reject" as const })),
  notString
    .filter((m) => typeof m !== "string")
    .map((m) => ({ label: `method ${JSON.stringify(m)}`, raw: request(m, []), expect: "reject" as const })),
  fc
    .oneof(
      fc.string(),
      fc.constantFrom(
        "__proto__",
        "constructor",
        "toString",
        "../actions/info",
        "info ",
        "INFO",
        "info\u0000",
        "create_vm.ts",
        "make_coffee",
        "x".repeat(100),
      ),
    )
    .filter((m) => !(CONTRACT_METHODS as readonly string[]).includes(m))
    .map((m) => ({
      label: `unknown method ${JSON.stringify(m).slice(0, 40)}`,
      raw: request(m, []),
      expect: "reject" as const,
    })),
  notObject
    .filter((a) => !Array.isArray(a))
    .map((a) => ({ label: "arguments not an array", raw: request("has_vm", a), expect: "reject" as const })),
  fc
    .oneof(notObject, fc.constant(null))
    .filter((c) => c !== null || true)
    .map((c) => ({
      label: `context ${JSON.stringify(c)?.slice(0, 30)}`,
      raw: JSON.stringify({ method: "info", arguments: [], context: c }),
      expect: "reject" as const,
    })),
  fc.oneof(fc.string(), fc.constantFrom(0, -1, 1.5, true, [2])).map((v) => ({
    label: `api_version ${JSON.stringify(v)}`,
    raw: request("info", [], { api_version: v }),
    expect: "reject" as const,
  })),
  fc.constantFrom("director_uuid", "request_id").chain((k) =>
    notString
      .filter((v) => typeof v !== "string" && v !== null)
      .map((v) => ({
        label: `context.${k} ${JSON.stringify(v)}`,
        raw: JSON.stringify({ method: "info", arguments: [], context: { [k]: v } }),
        expect: "reject" as const,
      })),
  ),
);

/** Configuration overlays (cpi-config properties in `context`) that the config schema must refuse. */
export const badOverlay: fc.Arbitrary<BadCase> = fc
  .oneof(
    fc.constantFrom(
      { ironic: { url: "ftp://x" } },
      { ironic: { url: 5 } },
      { ironic: { typo: 1 } },
      { stemcell_store: { url: "file:///etc" } },
      { agent: null },
      { stemcell_formats: [] },
      { ironic: { retries: { attempts: -1 } } },
      { ironic: { insecure: "yes" } },
      { ironic: { ca_cert: "not a pem" } },
    ),
    fc
      .string({ minLength: 1 })
      .filter((k) => !["director_uuid", "request_id", "vm", "__proto__"].includes(k))
      .filter(
        (k) =>
          ![
            "ironic",
            "stemcell_store",
            "registry",
            "agent",
            "network",
            "config_drive",
            "disks",
            "stemcell_formats",
            "automated_clean",
            "debug",
          ].includes(k),
      )
      .map((k) => ({ [k]: 1 })),
  )
  .map((overlay) => ({
    label: `context overlay ${JSON.stringify(overlay).slice(0, 60)}`,
    raw: JSON.stringify({ method: "has_vm", arguments: ["vm-1"], context: { ...CONTEXT, ...overlay } }),
    expect: "reject" as const,
  }));

/** Text that is not a JSON object at all: truncations of real requests, junk, JSON-lookalike tokens. */
export const badText: fc.Arbitrary<BadCase> = fc.oneof(
  fc.tuple(fc.constantFrom(...METHODS), fc.double({ min: 0, max: 1, noNaN: true })).map(([m, f]) => {
    const full = request(m, validArgs(m));
    const cut = Math.floor(full.length * f);
    return {
      label: `${m} truncated at ${cut}/${full.length}`,
      raw: full.slice(0, Math.min(cut, full.length - 1)),
      expect: "reject" as const,
    };
  }),
  fc
    .string({ unit: "binary" })
    .filter((s) => !isJsonObject(s))
    .map((s) => ({ label: "junk text", raw: s, expect: "reject" as const })),
  fc
    .constantFrom(
      "NaN",
      "Infinity",
      "-Infinity",
      "undefined",
      "null",
      "true",
      "1e309",
      "{'method':'info'}",
      '{"method":"info","arguments":[],}',
      "\ufeff{}",
      '{"method":"info","arguments":[NaN]}',
      '{"method":"create_disk","arguments":[1e99999,{},null]}',
    )
    .map((s) => ({ label: `token ${s}`, raw: s, expect: "reject" as const })),
);

function isJsonObject(s: string): boolean {
  try {
    const v = JSON.parse(s) as unknown;
    return typeof v === "object" && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

/** Any JSON in any argument of any method, unicode in strings: only the protocol is promised. */
export const anyRequest: fc.Arbitrary<BadCase> = fc
  .tuple(
    fc.constantFrom(...METHODS),
    fc.array(fc.jsonValue({ maxDepth: 4 }), { maxLength: 7 }),
    fc.option(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 })),
  )
  .map(([m, args, ctx]) => ({
    label: `${m} with anything`,
    raw: JSON.stringify({ method: m, arguments: args, ...(ctx ? { context: ctx } : {}) }),
    expect: "any" as const,
  }));

const VM_PROPS_KEYS = [
  "macs",
  "ironic_properties",
  "resource_class",
  "traits",
  "ironic_params",
  "root_device",
  "deploy_timeout",
];

/** Well-formed calls whose cloud_properties or networks cannot be honoured: refused before any request. */
export const semanticRequest: fc.Arbitrary<BadCase> = fc.oneof(
  // vm_type cloud_properties: a typo next to a valid selector, or a selector of the wrong shape
  fc
    .string({ minLength: 1, maxLength: 20 })
    .filter(
      (k) =>
        !VM_PROPS_KEYS.includes(k) &&
        ![
          "ironic_properties",
          "conductor_group",
          "owner",
          "from_manageable",
          "raid",
          "bios_settings",
          "deploy_steps",
          "automated_clean",
          "provisioning_network",
          "ephemeral_disk",
          "availability_zone",
          "boot_mode",
          "__proto__",
        ].includes(k),
    )
    .map((k) => ({
      label: `create_vm cloud_properties unknown key ${JSON.stringify(k)}`,
      raw: request("create_vm", ["agent-1", "sc-1", { resource_class: "x", [k]: true }, { default: NETWORK }, [], {}]),
      expect: "semantic" as const,
    })),
  fc
    .constantFrom(
      { macs: "52:54:00:00:00:01" },
      { macs: ["zz"] },
      { traits: [] },
      { deploy_timeout: -5 },
      { resource_class: "" },
      { ironic_params: { driver: "fake-hardware" } },
      {},
      { boot_mode: "legacy", resource_class: "x" },
    )
    .map((p) => ({
      label: `create_vm cloud_properties ${JSON.stringify(p)}`,
      raw: request("create_vm", ["agent-1", "sc-1", p, { default: NETWORK }, [], {}]),
      expect: "semantic" as const,
    })),
  // networks the address checks refuse: valid IPs that make no network
  fc
    .constantFrom(
      { netmask: "255.0.255.0" },
      { netmask: "255.255.255.1" },
      { netmask: "ffff:ffff::" },
      { gateway: "10.0.1.10" },
      { cloud_properties: { bond: { macs: ["52:54:00:00:00:01"], mode: "active-backup" } } },
      { cloud_properties: { bond: { macs: ["52:54:00:00:00:01", "52:54:00:00:00:02"], mode: "fastest" } } },
      { cloud_properties: { mac: "zz:zz:zz:zz:zz:zz" } },
      { cloud_properties: { vlan: 5000 } },
      { cloud_properties: { mtu: 20 } },
      { cloud_properties: { nic: "eth0" } },
      { cloud_properties: { routes: [{ destination: "10.20.0.1/16", gateway: "10.0.1.1" }] } },
      { cloud_properties: { mac: "52:54:00:00:00:01", macs: ["52:54:00:00:00:01"] } },
    )
    .map((patch) => ({
      label: `create_vm network ${JSON.stringify(patch)}`,
      raw: request("create_vm", [
        "agent-1",
        "sc-1",
        { resource_class: "x" },
        { default: { ...NETWORK, ...patch } },
        [],
        {},
      ]),
      expect: "semantic" as const,
    })),
  // disk_type cloud_properties
  fc
    .oneof(
      fc
        .string({ minLength: 1, maxLength: 12 })
        .filter((k) => k !== "device" && k !== "devices" && k !== "__proto__")
        .map((k) => ({ [k]: "x" })),
      fc.constantFrom(
        { device: "" },
        { devices: [] },
        { device: "/dev/sdb", devices: ["/dev/sdc"] },
        { device: "/dev/sd b" },
      ),
    )
    .map((p) => ({
      label: `create_disk cloud_properties ${JSON.stringify(p).slice(0, 50)}`,
      raw: request("create_disk", [10_240, p, null]),
      expect: "semantic" as const,
    })),
  // create_stemcell: a light stemcell without checksum, a non-http image URL
  fc
    .constantFrom(
      { image_url: "http://x/img" },
      { image_url: "file:///etc/passwd", image_checksum: "a".repeat(64) },
      { image_checksum: `md5:${"a".repeat(64)}`, image_url: "http://x/i" },
      { name: "" },
    )
    .map((p) => ({
      label: `create_stemcell cloud_properties ${JSON.stringify(p).slice(0, 50)}`,
      raw: request("create_stemcell", ["/nonexistent/image", p]),
      expect: "semantic" as const,
    })),
);
