// Servers that failed a deploy, remembered on the node itself (extra.bosh_deploy_failures) so every CPI
// process sees it: the director retries a VMCreationFailed with the same agent_id, and without this record
// the ranking (seeded by agent_id) would hand the retry the server that just failed it. Pure: zod only.
//   count        consecutive failed deploys (a successful deploy removes the record)
//   last_at      when the last one failed; the server ranks behind healthy ones for placement.avoid_failed_for
//   last_error   what Ironic said (last_error) or how the wait ended
//   agent_ids    the agent_ids that failed on it (the last few): a retry of one of them avoids it hardest
import * as z from "zod";
import type { RecordNode } from "./node-record.ts";

export const DEPLOY_FAILURES_KEY = "bosh_deploy_failures";
const KEEP_AGENT_IDS = 5;
const MAX_ERROR_CHARS = 500;

export const DeployFailures = z.looseObject({
  count: z.number().int().nonnegative(),
  last_at: z.string(),
  last_error: z.string().optional(),
  agent_ids: z.array(z.string()).default([]),
});
export type DeployFailures = z.infer<typeof DeployFailures>;

export function deployFailures(node: Pick<RecordNode, "extra">): DeployFailures | undefined {
  const r = DeployFailures.safeParse(node.extra?.[DEPLOY_FAILURES_KEY]);
  return r.success ? r.data : undefined;
}

/** The record after one more failure of `agentId` at `at`. */
export function nextFailures(
  prev: DeployFailures | undefined,
  f: { agentId: string; error: string; at: Date },
): DeployFailures {
  const ids = [...(prev?.agent_ids ?? []).filter((a) => a !== f.agentId), f.agentId].slice(-KEEP_AGENT_IDS);
  return {
    count: (prev?.count ?? 0) + 1,
    last_at: f.at.toISOString(),
    last_error: f.error.slice(0, MAX_ERROR_CHARS),
    agent_ids: ids,
  };
}

export interface FailurePolicy {
  now: Date;
  /** Seconds a failed server ranks behind healthy ones (placement.avoid_failed_for). */
  avoidFailedS: number;
}

/**
 * Ranking tier: 0 healthy (or its failure is older than the avoid window), 1 failed recently,
 * 2 failed this very agent_id (a director retry): taken only when nothing else fits.
 */
export function failureTier(node: Pick<RecordNode, "extra">, agentId: string, policy: FailurePolicy): 0 | 1 | 2 {
  const rec = deployFailures(node);
  if (!rec) return 0;
  if (rec.agent_ids.includes(agentId)) return 2;
  const t = Date.parse(rec.last_at);
  if (Number.isNaN(t)) return 1;
  return policy.now.getTime() - t <= policy.avoidFailedS * 1000 ? 1 : 0;
}

/** The maintenance reason once `rec` reaches `after` consecutive failures (0: never), else undefined. */
export function maintenanceReason(rec: DeployFailures, after: number): string | undefined {
  if (after <= 0 || rec.count < after) return undefined;
  const last = (rec.last_error ?? "no error recorded").slice(0, 120);
  return (
    `bosh: ${rec.count} consecutive failed deploys, last ${rec.last_at}: ${last}. ` +
    `When fixed: baremetal node maintenance unset; baremetal node unset --extra ${DEPLOY_FAILURES_KEY}`
  );
}
