// A claim left by a CPI process that died: the director never learnt the node, so nobody else would ever
// release it. A record is stale when its phase outlived its timeout plus a margin (no clock of our own:
// `now` comes in with the policy).
import type { BoshRecord } from "./node-record.ts";
import type { StalePolicy } from "./request.ts";

/** ms since the record last moved, or undefined when it carries no readable timestamp. */
export function recordAgeMs(rec: BoshRecord, now: Date): number | undefined {
  const t = Date.parse(rec.updated_at ?? rec.claimed_at ?? "");
  return Number.isNaN(t) ? undefined : now.getTime() - t;
}

/** `creating` past deploy_timeout + margin, `deleting` past delete_timeout + margin. Others never are. */
export function isStale(rec: BoshRecord, policy: StalePolicy): boolean {
  if (rec.phase !== "creating" && rec.phase !== "deleting") return false;
  const timeoutS = rec.phase === "creating" ? (rec.deploy_timeout ?? policy.deployTimeoutS) : policy.deleteTimeoutS;
  const age = recordAgeMs(rec, policy.now);
  // A record without a timestamp was not written by this CPI's claim path; treat it as stale only when
  // the node is otherwise unexplained, i.e. never: an operator must look at it.
  if (age === undefined) return false;
  return age > (timeoutS + policy.marginS) * 1000;
}
