// Finding and claiming a server: each pass lists the candidates (one filtered Ironic query per
// provision state, in parallel, and the BOSH-held nodes when the request spreads), asks the pure plan
// (selection/plan.ts) for the order, and claims the best with one PATCH. A lost race moves on; after a
// lost claim the view is stale, so the pool is listed again. Stale claims of crashed create_vm calls met on
// the way are released.
import { IronicConflict, IronicNodeLocked } from "../../ironic/errors.ts";
import type { Node } from "../../ironic/node-schema.ts";
import { VmCreationFailed } from "../../protocol/errors.ts";
import { EPHEMERAL_FIX, type EphemeralDisk } from "../../devices/ephemeral.ts";
import { describeFull } from "../../selection/failure-domains.ts";
import type { How } from "../../selection/filters.ts";
import { noMatchMessage } from "../../selection/no-match.ts";
import type { BoshRecord, Source } from "../../selection/node-record.ts";
import { type Plan, plan } from "../../selection/plan.ts";
import type { SelectionRequest } from "../../selection/request.ts";
import { candidates, heldSource, planPolicy, sourceOf } from "./candidates.ts";
import { isLostClaim } from "./claims.ts";
import type { PoolDeps } from "./deps.ts";
import { type NodeSetup, setupOps } from "./setup.ts";
import { heldNodes, keepsSpread } from "./spread.ts";
import { releaseStaleDeployed } from "./stale.ts";

// After a lost claim the snapshot is stale (the winner's node is still listed as free): list again, it
// costs one cheap GET while a second lost claim costs a lock wait of up to seconds in Ironic.
const MAX_PASSES = 8;
const CLAIMS_PER_PASS = 1;

export interface Acquired {
  /** The node as the claim PATCH answered it (all fields). */
  node: Node;
  how: How;
  source: Source;
  /** The agent's ephemeral device on this server (devices/ephemeral.ts), when the caller asked for one. */
  ephemeral?: EphemeralDisk;
}

/** The ephemeral device a candidate would give the agent; undefined: it has none and is passed over. */
export type EphemeralFor = (node: Node) => Promise<EphemeralDisk | undefined>;

/** The claim's extra ops and record fields for one node (instance_info, automated_clean, restore). */
export type SetupFor = (node: Pick<Node, "automated_clean" | "extra">) => NodeSetup;

/** What one create_vm asks of the pool. */
export interface Want {
  req: SelectionRequest;
  /** The record the claim writes (extra.bosh). */
  record: BoshRecord;
  setup: SetupFor;
  /** The server the VM's persistent disks live on: the only candidate. */
  pinned?: string | undefined;
  /** With it, a candidate without an ephemeral device for the agent is passed over, before any claim. */
  ephemeralFor?: EphemeralFor | undefined;
}

/** One pass: the candidates as Ironic lists them now (less `exclude`), planned. The bench measures it too. */
export async function pass(
  deps: Pick<PoolDeps, "ironic" | "config" | "now">,
  want: Pick<Want, "req" | "pinned">,
  exclude: (uuid: string) => boolean = () => false,
): Promise<Plan<Node>> {
  const [listed, held] = await Promise.all([candidates(deps, want.req, want.pinned), heldNodes(deps, want.req)]);
  return plan(
    listed.filter((n) => !exclude(n.uuid)),
    held,
    want.req,
    planPolicy(deps),
  );
}

/**
 * Claims the best free node. VmCreationFailed(true) when candidates were still listed after every pass lost
 * its race (another try can win); (false) when none matches, including when concurrent calls took every one
 * of them (the message counts those lost claims).
 * When every fitting server lacks an ephemeral device (`want.ephemeralFor`), the error names the fix.
 */
export async function acquire(deps: PoolDeps, want: Want): Promise<Acquired> {
  const { req } = want;
  const lost = new Set<string>();
  const ephemerals = new Map<string, EphemeralDisk | undefined>(); // one inventory read per node and call
  const ephemeralOf = async (n: Node) => {
    if (!want.ephemeralFor) return undefined;
    if (!ephemerals.has(n.uuid)) ephemerals.set(n.uuid, await want.ephemeralFor(n));
    return ephemerals.get(n.uuid);
  };
  const lacksEphemeral = (uuid: string) => !!want.ephemeralFor && ephemerals.has(uuid) && !ephemerals.get(uuid);
  let last: Plan<Node> | undefined;
  for (let n = 1; n <= MAX_PASSES; n++) {
    last = await pass(deps, want, (uuid) => lost.has(uuid) || lacksEphemeral(uuid));
    const usable: Plan<Node>["ranked"] = [];
    for (const r of last.ranked) {
      if (usable.length >= CLAIMS_PER_PASS) break;
      if (!want.ephemeralFor || r.how === "ours" || (await ephemeralOf(r.node))) usable.push(r);
    }
    if (usable.length === 0) {
      // Nothing free; a retried create_vm may still hold its node from the first attempt.
      const mine = await ownClaim(deps, req);
      if (mine) return withEphemeral(mine, ephemeralOf);
      if (last.ranked.length === 0 && n < MAX_PASSES && (await releaseStaleDeployed(deps, req, planPolicy(deps))))
        continue;
      break;
    }
    for (const { node, how } of usable) {
      const got = await tryClaim(deps, want, node, how);
      if (got && (await keepsSpread(deps, req, got, last.ranked))) return withEphemeral(got, ephemeralOf);
      lost.add(node.uuid);
    }
  }
  if (last?.full && req.spread)
    throw new VmCreationFailed(describeFull(req.spread.group, deps.config.placement.failure_domain, last.full), false);
  const noEphemeral = [...ephemerals.values()].filter((e) => !e).length;
  if (noEphemeral > 0 && lost.size === 0 && (!last || last.ranked.every((e) => lacksEphemeral(e.node.uuid)))) {
    throw new VmCreationFailed(
      `${noEphemeral} server(s) fit the vm_type, but none has an ephemeral disk for the agent: ${EPHEMERAL_FIX}`,
      false,
    );
  }
  if (last && last.ranked.length > 0) {
    throw new VmCreationFailed(
      `lost ${lost.size} claim(s) to concurrent create_vm calls; nothing was provisioned, try again`,
      true,
    );
  }
  throw new VmCreationFailed(await describeNoMatch(deps, req, last, lost.size), false);
}

/** The claimed node with its ephemeral device (read from the claimed node when it was not a candidate). */
async function withEphemeral(
  got: Acquired,
  ephemeralOf: (n: Node) => Promise<EphemeralDisk | undefined>,
): Promise<Acquired> {
  const ephemeral = await ephemeralOf(got.node);
  return ephemeral ? { ...got, ephemeral } : got;
}

/** One claim attempt on a planned candidate; undefined when the race was lost or the node moved on. */
async function tryClaim(deps: PoolDeps, want: Want, node: Node, how: How): Promise<Acquired | undefined> {
  const { req } = want;
  if (how === "ours") {
    const full = await deps.ironic.nodes.get(node.uuid);
    return { node: full, how, source: heldSource(full) };
  }
  try {
    if (how === "stale" && !(await deps.claims.releaseStale(node, planPolicy(deps)))) return undefined;
    if (how === "takeover") await deps.claims.release(node.uuid, node.instance_uuid ?? undefined);
    const source = sourceOf(node);
    const extra = want.setup(node);
    const claimed = await deps.claims.claim(
      node.uuid,
      req.claimUuid,
      { ...want.record, ...extra.record, source, vm_cid: req.claimUuid },
      setupOps(extra),
    );
    // The list was a snapshot: the node may have changed state before our claim landed.
    if (claimed.maintenance || !(req.states as readonly string[]).includes(claimed.provision_state ?? "")) {
      deps.log.warn(
        { node: node.uuid, state: claimed.provision_state },
        "claimed node changed meanwhile; releasing it",
      );
      await deps.claims.release(node.uuid, req.claimUuid, { node: claimed });
      return undefined;
    }
    deps.log.info({ node: node.uuid, name: claimed.name, how, source }, "claimed node");
    return { node: claimed, how, source };
  } catch (err) {
    if (isLostClaim(err) || err instanceof IronicNodeLocked) {
      deps.log.info({ node: node.uuid }, "lost the claim to a concurrent request; trying the next node");
      return undefined;
    }
    if (err instanceof IronicConflict) {
      // "Instance X is already associated with a node": an earlier create_vm with this agent_id holds one.
      const mine = await ownClaim(deps, req);
      if (mine) return mine;
      // "Node X can not be updated while a state transition is in progress": the list was a snapshot and
      // another create_vm claimed the node and started its deploy before our PATCH (found by the crash tests).
      deps.log.info(
        { node: node.uuid, reason: err.ironicMessage },
        "lost the node to a concurrent request; trying the next node",
      );
      return undefined;
    }
    throw err;
  }
}

/** The node already claimed with this call's claim UUID (a retried or resumed create_vm), if any. */
async function ownClaim(deps: PoolDeps, req: SelectionRequest): Promise<Acquired | undefined> {
  const [found] = await deps.ironic.nodes.list({ instance_uuid: req.claimUuid, fields: ["uuid"] });
  if (!found) return undefined;
  const full = await deps.ironic.nodes.get(found.uuid);
  deps.log.info(
    { node: full.uuid, state: full.provision_state },
    "this agent_id already holds a node; resuming that create_vm",
  );
  return { node: full, how: "ours", source: heldSource(full) };
}

/** The message, plus a diagnostic count of matching nodes outside the state/maintenance filters (failure path only). */
async function describeNoMatch(
  deps: PoolDeps,
  req: SelectionRequest,
  last: Plan<Node> | undefined,
  lostRaces: number,
): Promise<string> {
  const elsewhere = new Map<string, number>();
  if (!req.macs) {
    try {
      const all = await deps.ironic.nodes.list({
        ...(req.resourceClass !== undefined ? { resource_class: req.resourceClass } : {}),
        ...(req.conductorGroup !== undefined ? { conductor_group: req.conductorGroup } : {}),
        ...(req.owner !== undefined ? { owner: req.owner } : {}),
        fields: ["uuid", "provision_state", "maintenance"],
      });
      for (const n of all) {
        const reason = n.maintenance
          ? "in maintenance"
          : (req.states as readonly string[]).includes(n.provision_state ?? "")
            ? undefined
            : `provision_state ${n.provision_state}`;
        if (reason) elsewhere.set(reason, (elsewhere.get(reason) ?? 0) + 1);
      }
    } catch (err) {
      deps.log.warn({ err }, "could not count nodes outside the filters");
    }
  }
  return noMatchMessage(req, { seen: last?.seen ?? 0, rejected: last?.rejected ?? new Map(), elsewhere, lostRaces });
}
