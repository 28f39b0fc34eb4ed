// One selection pass, pure: the listed candidates and the BOSH-held nodes in, the servers a create_vm may
// try (best first), why each other one was turned down, and whether `required` spread left nothing, out.
// The pool (services/pool/acquire.ts) calls it once per pass around its Ironic calls; the bench calls it
// as the pool does.
import type { FailurePolicy } from "./deploy-failures.ts";
import { type DomainNode, domainKey, groupMembers } from "./failure-domains.ts";
import { type CandidateNode, type How, evaluate } from "./filters.ts";
import { rank } from "./ranking.ts";
import type { SelectionRequest, StalePolicy } from "./request.ts";

/** The clock and timeouts a pass judges claims and failures by. */
export interface PlanPolicy extends StalePolicy, FailurePolicy {}

export interface Plan<T> {
  /** Every eligible node, the best first. */
  ranked: { node: T; how: How }[];
  /** reason → how many nodes it turned down */
  rejected: Map<string, number>;
  /** nodes judged (after de-duplication) */
  seen: number;
  /** `required` spread and every fitting server's domain already holds a VM of the group: its members */
  full?: ReadonlyMap<string, readonly DomainNode[]>;
}

export const DOMAIN_TAKEN = "failure domain holds the instance group";

/**
 * `held`: the nodes BOSH holds (their records name the instance group), read when the request spreads;
 * the instance group's VMs per failure domain are counted from them.
 */
export function plan<T extends CandidateNode & DomainNode>(
  nodes: readonly T[],
  held: readonly DomainNode[],
  req: SelectionRequest,
  policy: PlanPolicy,
): Plan<T> {
  const ev = evaluate(nodes, req, policy);
  const rejected = ev.rejected;
  let eligible = ev.eligible;
  let full: Plan<T>["full"];
  let counts: Map<string, number> | undefined;
  const s = req.spread;
  if (s) {
    const members = groupMembers(held, s.group, s.path);
    counts = new Map([...members].map(([d, list]) => [d, list.length]));
    if (s.required) {
      // Our own claim and a takeover of our disks' server stay: the VM is already placed by them.
      const kept = eligible.filter(
        (e) => e.how === "ours" || e.how === "takeover" || !counts!.has(domainKey(e.node, s.path)),
      );
      const skipped = eligible.length - kept.length;
      if (skipped > 0) rejected.set(DOMAIN_TAKEN, skipped);
      if (skipped > 0 && kept.length === 0) full = members;
      eligible = kept;
    }
  }
  const ranked = rank(eligible, {
    seed: req.seed,
    states: req.states,
    failures: { now: policy.now, avoidFailedS: policy.avoidFailedS },
    ...(s && counts ? { spread: { path: s.path, counts } } : {}),
  });
  return { ranked, rejected, seen: ev.seen, ...(full ? { full } : {}) };
}
