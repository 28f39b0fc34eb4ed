// Reconcile (`node dist/cpi.js reconcile`): finds the claims of CPI calls that died (extra.bosh phase
// `creating` past deploy_timeout + stale_claim_margin, `deleting` past delete_timeout + margin, `created`
// but never acknowledged by a director within the margin: selection/stale.ts) and rolls them back exactly
// like create_vm's rollback (undeploy, restore, release, or delete an enrolled node). The director never
// learnt these nodes, so nobody else would ever free them. Likewise disk records of a create_disk that
// died before answering (selection/orphan-disks.ts) are deleted the way delete_disk does it (the device
// turns dirty and is wiped). Servers with failed-deploy records are listed for the operator.
import type { Node, NodeField } from "../../ironic/node-schema.ts";
import { domainField, fleetByDomain, parseDomainPath } from "../../selection/failure-domains.ts";
import { deployFailures } from "../../selection/deploy-failures.ts";
import { type BoshRecord, boshRecord } from "../../selection/node-record.ts";
import { orphanDisks } from "../../selection/orphan-disks.ts";
import { isStale, recordAgeMs } from "../../selection/stale.ts";
import type { Disks } from "../disk/service.ts";
import { planPolicy } from "../pool/candidates.ts";
import type { PoolDeps } from "../pool/deps.ts";
import { teardown } from "../pool/teardown.ts";

export type ReconcileReport = Awaited<ReturnType<Reconciler["run"]>>;

export class Reconciler {
  constructor(
    private readonly deps: () => Promise<PoolDeps>,
    private readonly disks: Disks,
  ) {}

  /** One pass over the fleet; with dryRun, only what would be done. */
  async run(dryRun: boolean) {
    const deps = await this.deps();
    const policy = planPolicy(deps);
    const domains = parseDomainPath(deps.config.placement.failure_domain);
    const nodes = await deps.ironic.nodes.list({
      fields: [
        ...new Set([
          "uuid",
          "name",
          "provision_state",
          "instance_uuid",
          "extra",
          "maintenance",
          "maintenance_reason",
          "fault",
          ...(deps.ironic.supports("retired") ? ["retired"] : []),
          ...(deps.ironic.supports("health") ? ["health"] : []),
          ...(domains ? [domainField(domains)] : []),
        ]),
      ] as NodeField[],
    });
    const stale: Found[] = [];
    let fresh = 0;
    for (const n of nodes) {
      const rec = boshRecord(n);
      if (!rec || (rec.phase !== "creating" && rec.phase !== "deleting" && rec.phase !== "created")) continue;
      if (!isStale(rec, policy)) {
        if (rec.phase !== "created") fresh++;
        continue;
      }
      const age = recordAgeMs(rec, policy.now);
      const found: Found = {
        node: n.uuid,
        name: n.name ?? null,
        phase: rec.phase,
        provision_state: n.provision_state ?? null,
        age_s: age === undefined ? null : Math.round(age / 1000),
        agent_id: rec.agent_id,
        vm_cid: rec.vm_cid,
      };
      stale.push(found);
      if (dryRun) continue;
      try {
        // Re-read: the claim may have moved on since the listing (finished, acknowledged, released).
        const now = await deps.ironic.nodes.get(n.uuid);
        const again = boshRecord(now);
        if (
          !again ||
          now.instance_uuid !== n.instance_uuid ||
          again.claimed_at !== rec.claimed_at ||
          again.phase !== rec.phase ||
          !isStale(again, planPolicy(deps))
        ) {
          found.outcome = "changed meanwhile; left alone";
          continue;
        }
        found.outcome = (await teardown(deps, now, { reason: `reconcile: stale ${rec.phase} claim` })).outcome;
      } catch (err) {
        found.error = err instanceof Error ? err.message : String(err);
      }
    }
    const orphans = await deleteOrphanDisks(deps, nodes, this.disks, dryRun);
    const failed = [...stale, ...orphans].filter((f) => f.error).length;
    const failedServers = nodes.flatMap((n): FailedServer[] => {
      const f = deployFailures(n);
      return f
        ? [
            {
              node: n.uuid,
              name: n.name ?? null,
              failed_deploys: f.count,
              last_at: f.last_at,
              last_error: f.last_error ?? null,
              maintenance: !!n.maintenance,
              maintenance_reason: n.maintenance_reason ?? null,
            },
          ]
        : [];
    });
    return {
      ok: failed === 0,
      dry_run: dryRun,
      nodes_checked: nodes.length,
      stale,
      in_progress: fresh,
      orphan_disks: orphans,
      failed_servers: failedServers,
      // servers selection never picks because their BMC reports a health other than OK (API 1.109)
      unhealthy_servers: nodes
        .filter((n) => n.health && n.health !== "OK")
        .map((n) => ({ node: n.uuid, name: n.name ?? null, health: n.health! })),
      // the fleet as selection sees it, per failure domain (as listed before this pass changed anything)
      fleet: {
        failure_domain: deps.config.placement.failure_domain,
        domains: domains ? fleetByDomain(nodes, domains) : {},
      },
    };
  }
}

interface Found {
  node: string;
  name: string | null;
  phase: BoshRecord["phase"];
  provision_state: string | null;
  age_s: number | null;
  agent_id?: string | undefined;
  vm_cid?: string | undefined;
  outcome?: string;
  error?: string;
}

/** A server with a failed-deploy record (selection/deploy-failures.ts), for the operator. */
interface FailedServer {
  node: string;
  name: string | null;
  failed_deploys: number;
  last_at: string;
  last_error: string | null;
  maintenance: boolean;
  maintenance_reason: string | null;
}

interface OrphanFound {
  node: string;
  disk: string;
  age_s: number;
  outcome?: string;
  error?: string;
}

/**
 * Deletes never-attached, stale disk records, re-reading each node that has some (teardowns above may have changed
 * it).
 */
async function deleteOrphanDisks(
  deps: PoolDeps,
  listed: readonly Pick<Node, "uuid" | "extra">[],
  disks: Disks,
  dryRun: boolean,
): Promise<OrphanFound[]> {
  const found: OrphanFound[] = [];
  const marginMs = deps.config.ironic.stale_claim_margin * 1000;
  for (const { uuid } of listed.filter((n) => orphanDisks(n, deps.now(), marginMs).length > 0)) {
    const node = await deps.ironic.nodes.find(uuid, { fields: ["uuid", "extra"] });
    if (!node) continue;
    for (const o of orphanDisks(node, deps.now(), marginMs)) {
      const f: OrphanFound = { node: uuid, disk: o.cid, age_s: Math.round(o.ageMs / 1000) };
      found.push(f);
      if (dryRun) continue;
      try {
        await disks.delete(o.cid);
        f.outcome = "deleted";
      } catch (err) {
        f.error = err instanceof Error ? err.message : String(err);
      }
    }
  }
  return found;
}
