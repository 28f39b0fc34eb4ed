// Which listed nodes one create_vm may take, and why each other node was turned down. The first failing
// filter names the rejection, so "no free server" can say how many nodes each filter rejected.
// Hardware filters come before claim status: "10 nodes fit, all claimed" is what an operator needs.
import { type RecordNode, boshRecord, liveDisks } from "./node-record.ts";
import { propertiesMismatch } from "./properties.ts";
import type { SelectionRequest, StalePolicy } from "./request.ts";
import { isStale } from "./stale.ts";

export interface CandidateNode extends RecordNode {
  name?: string | null | undefined;
  provision_state?: string | null | undefined;
  maintenance?: boolean | null | undefined;
  /** Set by Ironic when a periodic check failed (power, clean, rescue): the server is not healthy. */
  fault?: string | null | undefined;
  /** The operator is taking the server out of service (API 1.61). */
  retired?: boolean | null | undefined;
  /** The BMC's verdict (API 1.109): anything but "OK" keeps the server out; null is unknown (no BMC report). */
  health?: string | null | undefined;
  properties?: Record<string, unknown> | null | undefined;
  resource_class?: string | null | undefined;
  conductor_group?: string | null | undefined;
  owner?: string | null | undefined;
  traits?: string[] | null | undefined;
  /** Conductor holding the node's lock at listing time (an operation is running on it). */
  reservation?: string | null | undefined;
}

/**
 * free: unclaimed. ours: already claimed with this call's claim UUID (a retried create_vm).
 * stale: claimed by a create_vm that died (release, then claim). takeover: reserved for the disks this VM names.
 */
export type How = "ours" | "takeover" | "free" | "stale";
export type Verdict = { ok: true; how: How } | { ok: false; reason: string };

export function judge(node: CandidateNode, req: SelectionRequest, policy: StalePolicy): Verdict {
  if (node.instance_uuid && node.instance_uuid === req.claimUuid) return { ok: true, how: "ours" };
  const reason = hardwareMismatch(node, req) ?? disksMismatch(node, req);
  if (reason) return { ok: false, reason };
  return claimStatus(node, req, policy);
}

function hardwareMismatch(node: CandidateNode, req: SelectionRequest): string | undefined {
  if (node.maintenance) return "in maintenance";
  if (node.fault) return `fault ${node.fault}`;
  if (node.retired) return "retired";
  if (node.health && node.health !== "OK") return `health ${node.health}`;
  const state = node.provision_state ?? "unknown";
  if (!(req.states as readonly string[]).includes(state)) return `provision_state ${state}`;
  if (req.resourceClass !== undefined && node.resource_class !== req.resourceClass) return "other resource_class";
  if (req.conductorGroup !== undefined && (node.conductor_group ?? "") !== req.conductorGroup)
    return "other conductor_group";
  if (req.owner !== undefined && node.owner !== undefined && node.owner !== req.owner) return "other owner";
  const missing = (req.traits ?? []).find((t) => !(node.traits ?? []).includes(t));
  if (missing) return `missing trait ${missing}`;
  return req.properties ? propertiesMismatch(node.properties, req.properties) : undefined;
}

/** A node with live persistent disks is kept for the VM that names all of them (disks never move). */
function disksMismatch(node: CandidateNode, req: SelectionRequest): string | undefined {
  const live = liveDisks(node);
  return live.every((cid) => req.diskCids.includes(cid)) ? undefined : "holds persistent disks of another VM";
}

function claimStatus(node: CandidateNode, req: SelectionRequest, policy: StalePolicy): Verdict {
  const rec = boshRecord(node);
  if (!node.instance_uuid) {
    if (rec?.phase === "deleting" && !isStale(rec, policy)) return { ok: false, reason: "being deleted by BOSH" };
    return { ok: true, how: "free" };
  }
  if (rec?.phase === "reserved") {
    const disks = rec.disk_cids ?? [];
    const forUs = disks.length > 0 && disks.every((cid) => req.diskCids.includes(cid));
    return forUs ? { ok: true, how: "takeover" } : { ok: false, reason: "reserved for persistent disks" };
  }
  if (rec?.phase === "creating" && isStale(rec, policy)) return { ok: true, how: "stale" };
  return { ok: false, reason: rec ? "claimed by another BOSH VM" : "claimed by another instance" };
}

export interface Evaluation<T extends CandidateNode> {
  eligible: { node: T; how: How }[];
  /** reason → number of nodes */
  rejected: Map<string, number>;
  seen: number;
}

export function evaluate<T extends CandidateNode>(
  nodes: readonly T[],
  req: SelectionRequest,
  policy: StalePolicy,
): Evaluation<T> {
  const out: Evaluation<T> = { eligible: [], rejected: new Map(), seen: 0 };
  const seen = new Set<string>();
  for (const node of nodes) {
    if (seen.has(node.uuid)) continue;
    seen.add(node.uuid);
    const v = judge(node, req, policy);
    if (v.ok) out.eligible.push({ node, how: v.how });
    else out.rejected.set(v.reason, (out.rejected.get(v.reason) ?? 0) + 1);
  }
  out.seen = seen.size;
  return out;
}
