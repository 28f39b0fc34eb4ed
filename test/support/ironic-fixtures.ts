// Test nodes on the real Ironic: fake-hardware nodes with unique names and MACs, power state set once
// (allocations and power sync ignore a null power_state), brought to the state a test needs, and the
// checks every VM test ends with: nothing claimed without a VM, nothing left behind.
import { execFileSync } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { listTree, osirroxExtract } from "./iso-readers.ts";
import { IronicRest, type IronicNodeDoc } from "./ironic-rest.ts";
import { retryDatabaseLocked } from "./sqlite-locked.ts";
import { ironic } from "./servers.ts";

export interface TestNodeSpec {
  /** provision state to reach: "available" (default), "manageable" or "enroll" */
  state?: "available" | "manageable" | "enroll";
  resource_class?: string;
  conductor_group?: string;
  owner?: string;
  properties?: Record<string, unknown>;
  traits?: string[];
  /** number of ports (MACs), default 1 */
  nics?: number;
  driver_info?: Record<string, unknown>;
  deploy_interface?: string;
  extra?: Record<string, unknown>;
  /** properties.bosh_ephemeral_device (default true) */
  ephemeral?: boolean;
}

export interface TestNode {
  uuid: string;
  name: string;
  macs: string[];
}

/** A MAC no other test uses: locally administered, random. */
export function uniqueMac(): string {
  const b = randomBytes(5);
  return ["52", ...[...b].map((x) => x.toString(16).padStart(2, "0"))].join(":");
}

/** A short random tag for names: "<prefix>-<tag>-<i>". */
export const uniqueTag = () => randomBytes(3).toString("hex");

/** The conductor groups of the shared Ironic (az1, az2 in the distributed shape); none outside vitest. */
function conductorGroups(): string[] {
  try {
    return ironic().conductorGroups;
  } catch {
    return []; // the bench creates nodes outside vitest, on the all-in-one shape
  }
}
let turn = 0;

/** The group a test server joins unless it names one: "" all-in-one; in the distributed shape, each in turn. */
export function nextConductorGroup(): string | undefined {
  const groups = conductorGroups();
  return groups.length > 0 ? groups[turn++ % groups.length] : undefined;
}

/** A group a conductor serves: "" all-in-one, az1 in the distributed shape. */
export const someConductorGroup = (): string => conductorGroups()[0] ?? "";

export async function createNode(rest: IronicRest, name: string, spec: TestNodeSpec = {}): Promise<TestNode> {
  const { state = "available", nics = 1, traits, owner, ephemeral = true, ...given } = spec;
  const group = given.conductor_group ?? nextConductorGroup();
  const fields = { ...given, ...(group !== undefined ? { conductor_group: group } : {}) };
  // every test server declares the agent's ephemeral disk, unless the test is about not having one
  const properties = {
    ...(ephemeral ? { bosh_ephemeral_device: "/dev/disk/by-path/pci-0000:00:1f.2-ata-9" } : {}),
    ...fields.properties,
  };
  const node = await rest.call<IronicNodeDoc>("POST", "/v1/nodes", {
    name,
    driver: "fake-hardware",
    ...fields,
    properties,
  });
  // noauth Ironic refuses an owner in the POST ("project scoped admin"), not in a PATCH
  if (owner !== undefined)
    await rest.call("PATCH", `/v1/nodes/${node.uuid}`, [{ op: "add", path: "/owner", value: owner }]);
  const macs = Array.from({ length: nics }, uniqueMac);
  for (const [i, mac] of macs.entries())
    await rest.call("POST", "/v1/ports", { node_uuid: node.uuid, address: mac, pxe_enabled: i === 0 });
  if (traits) await retryDatabaseLocked(() => rest.call("PUT", `/v1/nodes/${node.uuid}/traits`, { traits }));
  await rest.power(node.uuid, "power off");
  if (state !== "enroll") await rest.provision(node.uuid, "manage", ["manageable"]);
  if (state === "available") await rest.provision(node.uuid, "provide", ["available"]);
  return { uuid: node.uuid, name, macs };
}

/** `count` nodes "<prefix>-<i>", a few at a time (one Ironic process serialises its database anyway). */
export async function createNodes(
  rest: IronicRest,
  prefix: string,
  count: number,
  spec: TestNodeSpec | ((i: number) => TestNodeSpec) = {},
): Promise<TestNode[]> {
  const out: TestNode[] = new Array(count);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++)
      out[i] = await createNode(rest, `${prefix}-${i}`, typeof spec === "function" ? spec(i) : spec);
  };
  await Promise.all(Array.from({ length: Math.min(6, count) }, worker));
  return out;
}

/** Nodes whose name starts with `prefix-` (the ones a test created). */
export async function nodesOf(rest: IronicRest, prefix: string): Promise<IronicNodeDoc[]> {
  return (await rest.nodes()).filter((n) => n.name?.startsWith(`${prefix}-`));
}

/** Removes every node of `prefix` whatever its state. */
export async function removeNodes(rest: IronicRest, prefix: string): Promise<void> {
  for (const n of await nodesOf(rest, prefix)) await rest.forceDelete(n.uuid);
}

/**
 * The invariant after every VM test: a node is claimed (instance_uuid) only while a BOSH VM holds it
 * (extra.bosh.phase "created", provision_state "active"), whose cid (the claim) is listed in `vms`. Answers
 * the offenders.
 */
export function claimedWithoutVm(nodes: readonly IronicNodeDoc[], vms: readonly string[] = []): string[] {
  return nodes
    .filter((n) => {
      const rec = n.extra?.["bosh"] as { phase?: string } | undefined;
      const claimed = !!n.instance_uuid || !!rec;
      const isVm =
        !!n.instance_uuid &&
        vms.includes(n.instance_uuid) &&
        rec?.phase === "created" &&
        n.provision_state === "active";
      return claimed && !isVm;
    })
    .map(
      (n) =>
        `${n.name ?? n.uuid}: ${n.provision_state} instance_uuid=${n.instance_uuid} bosh=${JSON.stringify(n.extra?.["bosh"] ?? null)}`,
    );
}

/**
 * Leaves the claim a create_vm would leave if its process died right after claiming: instance_uuid set,
 * extra.bosh in phase `creating`, stamped `ageS` seconds ago.
 */
export async function claimAsCrashed(
  rest: IronicRest,
  uuid: string,
  opts: { claim: string; ageS: number; source?: string; deployTimeoutS?: number; phase?: string },
): Promise<void> {
  const at = new Date(Date.now() - opts.ageS * 1000).toISOString();
  const record = {
    agent_id: opts.claim,
    phase: opts.phase ?? "creating",
    source: opts.source ?? "available",
    stemcell_cid: "stemcell-crashed",
    claimed_at: at,
    updated_at: at,
    ...(opts.deployTimeoutS !== undefined ? { deploy_timeout: opts.deployTimeoutS } : {}),
  };
  await rest.call("PATCH", `/v1/nodes/${uuid}`, [
    { op: "add", path: "/instance_uuid", value: opts.claim },
    { op: "add", path: "/extra/bosh", value: record },
  ]);
}

export { IronicRest };

/** One SQL statement on Ironic's own database (sqlite all-in-one, MariaDB distributed); its output. */
export function ironicSql(statement: string): string {
  const db = ironic().database;
  const [cmd, args] =
    db.engine === "sqlite"
      ? ["sqlite3", [db.file, statement]]
      : ["mariadb", ["--no-defaults", "-S", db.socket, "-uroot", "-N", "-B", "ironic", "-e", statement]];
  return execFileSync(cmd, args, { maxBuffer: 64 * 1024 * 1024 })
    .toString()
    .trim();
}

/** A string field of a node's JSON column, as both databases can extract it. */
function jsonText(column: string, key: string): string {
  return ironic().database.engine === "sqlite"
    ? `json_extract(${column},'$.${key}')`
    : `json_unquote(json_extract(${column},'$.${key}'))`;
}

/** Ironic stores an inspected node's inventory in its database; fake-hardware never inspects, so put one there. */
export function setInventory(nodeUuid: string, inventory: unknown): void {
  const json = JSON.stringify(inventory).replace(/'/g, "''");
  const now = new Date().toISOString().slice(0, 19).replace("T", " ");
  ironicSql(
    `insert into node_inventory (created_at, version, inventory_data, plugin_data, node_id) select '${now}', '1.0', '${json}', '{}', id from nodes where uuid = '${nodeUuid}'`,
  );
}

/** The packed config drive (base64 of gzip of ISO9660) Ironic holds for the node matching `where`. */
export function packedConfigDrive(where: { uuid: string } | { instance_uuid: string }): string {
  const [column, value] = Object.entries(where)[0]!;
  return ironicSql(`select ${jsonText("instance_info", "configdrive")} from nodes where ${column}='${value}'`);
}

/**
 * The config drive Ironic keeps for a node (its API masks it; its database holds it verbatim), unpacked:
 * path → text of each file (ec2/latest/user-data, openstack/latest/network_data.json, …).
 */
export function configDriveOf(nodeUuid: string, work: string): Record<string, string> {
  const packed = packedConfigDrive({ uuid: nodeUuid });
  if (!packed || packed === "NULL") throw new Error(`node ${nodeUuid} holds no config drive`);
  const iso = join(work, `${nodeUuid}.iso`);
  writeFileSync(iso, gunzipSync(Buffer.from(packed, "base64")));
  const dir = join(work, nodeUuid);
  osirroxExtract(iso, dir, "rr");
  return Object.fromEntries(
    listTree(dir)
      .filter((f) => statSync(join(dir, f)).isFile())
      .map((f) => [f.replace(/^\//, ""), readFileSync(join(dir, f), "utf8")]),
  );
}
