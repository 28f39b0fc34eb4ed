// Claims left by CPI calls that died or were never heard of: the director never learnt these nodes, so
// nobody else would ever release them. No clock of our own: `now` comes in with the policy.
//   creating  a create_vm died before it finished: stale past its deploy_timeout + margin
//   deleting  a delete_vm died mid-teardown: stale past delete_timeout + margin
//   created   a create_vm finished but died before it answered: the director never got the cid, so it never
//             sends set_vm_metadata (which it and `bosh create-env` send right after every create_vm).
//             Unacknowledged past the margin, the VM is unknown to every director.
import type { BoshRecord } from "./node-record.ts";
import type { StalePolicy } from "./request.ts";

/** ms since the record last moved, or undefined when it carries no readable timestamp. */
export function recordAgeMs(rec: BoshRecord, now: Date): number | undefined {
  const t = Date.parse(rec.updated_at ?? rec.claimed_at ?? "");
  return Number.isNaN(t) ? undefined : now.getTime() - t;
}

/** A created VM no director ever addressed. Records without created_at predate this rule and never are. */
export function isUnacknowledged(rec: BoshRecord, policy: StalePolicy): boolean {
  if (rec.phase !== "created" || !rec.created_at || rec.acknowledged_at || rec.metadata) return false;
  const t = Date.parse(rec.created_at);
  return !Number.isNaN(t) && policy.now.getTime() - t > policy.marginS * 1000;
}

/** `creating` past deploy_timeout + margin, `deleting` past delete_timeout + margin, `created` unacknowledged. */
export function isStale(rec: BoshRecord, policy: StalePolicy): boolean {
  if (rec.phase === "created") return isUnacknowledged(rec, policy);
  if (rec.phase !== "creating" && rec.phase !== "deleting") return false;
  const timeoutS = rec.phase === "creating" ? (rec.deploy_timeout ?? policy.deployTimeoutS) : policy.deleteTimeoutS;
  const age = recordAgeMs(rec, policy.now);
  // A record without a timestamp was not written by this CPI's claim path; treat it as stale only when
  // the node is otherwise unexplained, i.e. never: an operator must look at it.
  if (age === undefined) return false;
  return age > (timeoutS + policy.marginS) * 1000;
}
