// Finding and claiming a server: filtered Ironic queries (one per provision state, in parallel) → pure selection
// (filters, ranking) → one claim PATCH per attempt. A lost race moves on; after two lost claims the view is
// stale, so the pool is listed again. Stale claims of crashed create_vm calls met on the way are released.
import { IronicConflict, IronicNodeLocked } from "../ironic/errors.ts";
import type { Node, NodeField } from "../ironic/node-schema.ts";
import { VmCreationFailed } from "../protocol/errors.ts";
import { type Evaluation, type How, evaluate } from "../selection/filters.ts";
import { noMatchMessage } from "../selection/no-match.ts";
import { type BoshRecord, type Source, boshRecord } from "../selection/node-record.ts";
import { rank } from "../selection/ranking.ts";
import { type SelectionRequest, type StalePolicy, poolQueries, selectionFields } from "../selection/request.ts";
import { isLostClaim } from "./claims.ts";
import { type NodeSetup, setupOps } from "./node-setup.ts";
import { EPHEMERAL_FIX, type EphemeralDisk } from "../devices/ephemeral.ts";
import { releaseStaleDeployed } from "./stale-deployed.ts";
import { type Spread, keepsSpread, spreadNow } from "./spread.ts";
import type { VmDeps } from "./vm/deps.ts";

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

export function stalePolicy(deps: VmDeps): StalePolicy {
  const c = deps.config.ironic;
  return {
    now: deps.now(),
    deployTimeoutS: c.deploy_timeout,
    deleteTimeoutS: c.delete_timeout,
    marginS: c.stale_claim_margin,
  };
}

/** What selection reads, plus automated_clean (the claim records its previous value) when Ironic has it. */
function fields(deps: VmDeps, req: SelectionRequest): NodeField[] {
  return [
    ...(selectionFields(req) as NodeField[]),
    ...(deps.ironic.supports("automated_clean") ? (["automated_clean"] as const) : []),
    ...(deps.ironic.supports("retired") ? (["retired"] as const) : []),
  ];
}

/** The claim's extra ops and record fields for one node (instance_info, automated_clean, restore). */
export type SetupFor = (node: Pick<Node, "automated_clean" | "extra">) => NodeSetup;

/** Candidate nodes: the pinned node, the nodes owning the MACs, or the filtered pool plus our own claim. */
export async function candidates(deps: VmDeps, req: SelectionRequest, pinned?: string): Promise<Node[]> {
  const f = fields(deps, req);
  if (pinned) return [await deps.ironic.nodes.get(pinned, { fields: f })];
  if (req.macs) {
    const ports = (await Promise.all(req.macs.map((mac) => deps.ironic.ports.byAddress(mac)))).flat();
    const uuids = [...new Set(ports.map((p) => p.node_uuid).filter((u): u is string => !!u))];
    return (await Promise.all(uuids.map((u) => deps.ironic.nodes.find(u, { fields: f })))).filter(
      (n): n is Node => !!n,
    );
  }
  // No lookup of our own claim here: Ironic keeps instance_uuid unique across nodes, so claiming another
  // node while one already holds our claim UUID fails (409), and only then do we look it up (tryClaim).
  return (await Promise.all(poolQueries(req).map((q) => deps.ironic.nodes.list({ ...q, fields: f })))).flat();
}

/**
 * Claims the best free node; VmCreationFailed(false) when none matches, (true) when only races were lost.
 * With `ephemeralFor`, a candidate without an ephemeral device for the agent is passed over, before any
 * claim; when every fitting one lacks it, the error names the fix.
 */
export async function acquire(
  deps: VmDeps,
  req: SelectionRequest,
  record: BoshRecord,
  setup: SetupFor,
  pinned?: string,
  ephemeralFor?: EphemeralFor,
): Promise<Acquired> {
  const lost = new Set<string>();
  const ephemerals = new Map<string, EphemeralDisk | undefined>(); // one inventory read per node and call
  const ephemeralOf = async (n: Node) => {
    if (!ephemeralFor) return undefined;
    if (!ephemerals.has(n.uuid)) ephemerals.set(n.uuid, await ephemeralFor(n));
    return ephemerals.get(n.uuid);
  };
  const lacksEphemeral = (uuid: string) => !!ephemeralFor && ephemerals.has(uuid) && !ephemerals.get(uuid);
  let last: Evaluation<Node> | undefined;
  let full: Spread | undefined; // required spread: every fitting server's domain holds the group already
  for (let pass = 1; pass <= MAX_PASSES; pass++) {
    const policy = stalePolicy(deps);
    const [listed, spread] = await Promise.all([candidates(deps, req, pinned), spreadNow(deps, req)]);
    const nodes = listed.filter((n) => !lost.has(n.uuid) && !lacksEphemeral(n.uuid));
    last = evaluate(nodes, req, policy);
    if (spread?.required) {
      const { kept, skipped } = spread.requiredFilter(last.eligible);
      full = skipped > 0 && kept.length === 0 ? spread : undefined;
      last = { ...last, eligible: kept };
      if (skipped > 0) last.rejected.set("failure domain holds the instance group", skipped);
    }
    const ranked = rank(last.eligible, {
      seed: req.seed,
      states: req.states,
      failures: { now: policy.now, avoidFailedS: deps.config.placement.avoid_failed_for },
      ...(spread ? { spread: { path: spread.path, counts: spread.counts } } : {}),
    });
    const usable: typeof ranked = [];
    for (const r of ranked) {
      if (usable.length >= CLAIMS_PER_PASS) break;
      if (!ephemeralFor || r.how === "ours" || (await ephemeralOf(r.node))) usable.push(r);
    }
    if (usable.length === 0) {
      // Nothing free; a retried create_vm may still hold its node from the first attempt.
      const mine = await ownClaim(deps, req);
      if (mine) return withEphemeral(mine, ephemeralOf);
      if (ranked.length === 0 && pass < MAX_PASSES && (await releaseStaleDeployed(deps, req, policy))) continue;
      break;
    }
    for (const { node, how } of usable) {
      const got = await tryClaim(deps, req, record, node, how, policy, setup);
      if (got && (await keepsSpread(deps, req, got, last.eligible))) return withEphemeral(got, ephemeralOf);
      lost.add(node.uuid);
    }
  }
  if (full) throw new VmCreationFailed(full.describeFull(), false);
  const noEphemeral = [...ephemerals.values()].filter((e) => !e).length;
  if (noEphemeral > 0 && lost.size === 0 && (!last || last.eligible.every((e) => lacksEphemeral(e.node.uuid)))) {
    throw new VmCreationFailed(
      `${noEphemeral} server(s) fit the vm_type, but none has an ephemeral disk for the agent: ${EPHEMERAL_FIX}`,
      false,
    );
  }
  if (last && last.eligible.length > 0) {
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

async function tryClaim(
  deps: VmDeps,
  req: SelectionRequest,
  record: BoshRecord,
  node: Node,
  how: How,
  policy: StalePolicy,
  setup: SetupFor,
): Promise<Acquired | undefined> {
  if (how === "ours") {
    const full = await deps.ironic.nodes.get(node.uuid);
    return { node: full, how, source: boshRecord(full)?.source ?? sourceOf(full) };
  }
  try {
    if (how === "stale" && !(await deps.claims.releaseStale(node, policy))) return undefined;
    if (how === "takeover") await deps.claims.release(node.uuid, node.instance_uuid ?? undefined);
    const source = sourceOf(node);
    const extra = setup(node);
    const claimed = await deps.claims.claim(
      node.uuid,
      req.claimUuid,
      { ...record, ...extra.record, source, vm_cid: req.claimUuid },
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
async function ownClaim(deps: VmDeps, req: SelectionRequest): Promise<Acquired | undefined> {
  const [found] = await deps.ironic.nodes.list({ instance_uuid: req.claimUuid, fields: ["uuid"] });
  if (!found) return undefined;
  const full = await deps.ironic.nodes.get(found.uuid);
  deps.log.info(
    { node: full.uuid, state: full.provision_state },
    "this agent_id already holds a node; resuming that create_vm",
  );
  return { node: full, how: "ours", source: boshRecord(full)?.source ?? sourceOf(full) };
}

const sourceOf = (n: Node): Source => (n.provision_state === "manageable" ? "manageable" : "available");

/** The message, plus a diagnostic count of matching nodes outside the state/maintenance filters (failure path only). */
async function describeNoMatch(
  deps: VmDeps,
  req: SelectionRequest,
  ev: Evaluation<Node> | undefined,
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
  return noMatchMessage(req, { seen: ev?.seen ?? 0, rejected: ev?.rejected ?? new Map(), elsewhere, lostRaces });
}
