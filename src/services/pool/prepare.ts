// Brings a claimed node to `available` for the deploy: `provide` for a node from the manageable pool (or a
// freshly enrolled one), and manual cleaning for the vm_type's `raid` (target RAID configuration) and
// `bios_settings` before first use. The 2016 CPI's manual cleaning could never work (bug #4: missing import,
// Ruby-syntax steps, API 1.9); here it runs with API ≥ 1.15 and remembers what it applied in
// extra.bosh_prepared, so the next VM on the same server does not clean it again.
import { createHash } from "node:crypto";
import type { Node } from "../../ironic/node-schema.ts";
import { add } from "../../ironic/patch.ts";
import type { TargetRaidConfig } from "../../ironic/raid.ts";
import { CloudError } from "../../protocol/errors.ts";
import { liveDisks } from "../../selection/node-record.ts";
import { AVAILABLE, ENROLL, MANAGEABLE } from "../../ironic/provision-states.ts";
import { type PoolDeps, transition } from "./deps.ts";

/** What a vm_type asks to be applied to a server before first use (vm/cloud-properties.ts validates it). */
export interface Preparation {
  raid?: TargetRaidConfig | undefined;
  bios_settings?: { name: string; value: string | number | boolean }[] | undefined;
}

type CleanStep = { interface: string; step: string; args?: Record<string, unknown> };

/** Manual clean steps for raid/bios_settings, in the order Ironic should run them. */
function preparationSteps(props: Preparation): CleanStep[] {
  const steps: CleanStep[] = [];
  if (props.bios_settings)
    steps.push({ interface: "bios", step: "apply_configuration", args: { settings: props.bios_settings } });
  if (props.raid)
    steps.push(
      { interface: "raid", step: "delete_configuration" },
      { interface: "raid", step: "create_configuration" },
    );
  return steps;
}

/** Stable digest of what preparation applies (key order does not matter). */
function preparationDigest(props: Preparation): string {
  const canon = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canon)
      : v && typeof v === "object"
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, canon((v as Record<string, unknown>)[k])]),
          )
        : v;
  return createHash("sha256")
    .update(JSON.stringify(canon({ raid: props.raid ?? null, bios: props.bios_settings ?? null })))
    .digest("hex")
    .slice(0, 32);
}

/** Returns the node once it is `available` (or as it was when nothing had to be done). */
export async function prepareNode(
  deps: PoolDeps,
  node: Node,
  claim: string,
  props: Preparation,
  timeoutS: number,
): Promise<Node> {
  let current = node;
  if (current.provision_state === "enroll")
    current = await transition(deps, node.uuid, "manage", ["manageable"], timeoutS, ENROLL);
  const steps = preparationSteps(props);
  const digest = steps.length > 0 ? preparationDigest(props) : undefined;
  if (digest && current.extra?.["bosh_prepared"] !== digest) {
    const disks = liveDisks(current);
    // Rebuilding a RAID (delete_configuration) destroys what is on its devices; BIOS settings do not.
    if (props.raid && disks.length > 0) {
      throw new CloudError(
        `vm_type raid would rebuild the RAID of node ${node.name ?? node.uuid}, which holds persistent disks ` +
          `(${disks.join(", ")}); ` +
          "delete those disks first, or leave raid out of this vm_type",
      );
    }
    deps.ironic.require("manual_cleaning");
    if (current.provision_state === "available")
      current = await transition(deps, node.uuid, "manage", ["manageable"], timeoutS, AVAILABLE);
    if (props.raid) await deps.ironic.states.setRaid(node.uuid, props.raid);
    current = await transition(deps, node.uuid, "clean", ["manageable"], timeoutS, MANAGEABLE, { clean_steps: steps });
    await deps.claims.update(node.uuid, claim, {}, [add(["extra", "bosh_prepared"], digest)]);
  }
  if (current.provision_state === "manageable")
    current = await transition(deps, node.uuid, "provide", ["available"], timeoutS, MANAGEABLE);
  return current;
}
