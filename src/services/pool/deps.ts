// What the pool works with: the Ironic client, configuration, log, clock, the claims and the disks' hook
// on a release, plus the one way the services wait for a node (adaptive polling from ironic/wait.ts with
// the configured pace) and move it from state to state.
import type { Config } from "../../config/schema.ts";
import type { IronicClient } from "../../ironic/client.ts";
import { IronicBadRequest } from "../../ironic/errors.ts";
import type { Node, NodeField } from "../../ironic/node-schema.ts";
import type { Logger } from "../../log/index.ts";
import type { Claims } from "./claims.ts";
import type { DiskPlacement } from "./disk-placement.ts";

export interface PoolDeps {
  ironic: IronicClient;
  config: Config;
  log: Logger;
  now: () => Date;
  claims: Claims;
  placement: DiskPlacement;
}

/** What waiting and moving a node need. */
export type WaitDeps = Pick<PoolDeps, "ironic" | "config" | "log">;

/** Fields every wait reads: the state, why it failed, and whether a conductor still holds the node. */
const WAIT_FIELDS: NodeField[] = [
  "provision_state",
  "target_provision_state",
  "last_error",
  "maintenance",
  "power_state",
  "reservation",
];

/**
 * Waits until the node's provision_state is one of `states` (failure states throw IronicStateError with
 * last_error; the deadline IronicTimeoutError). Sub-second polls at first, backing off to poll.max_interval_ms.
 */
export function waitForState(
  deps: WaitDeps,
  uuid: string,
  states: readonly string[],
  timeoutS: number,
  what: string,
  failIf?: (n: Node) => boolean,
): Promise<Node> {
  const { poll } = deps.config.ironic;
  deps.log.info({ node: uuid, until: states }, `waiting for ${what}`);
  return deps.ironic.waitForNode(uuid, {
    until: (n) => states.includes(n.provision_state ?? "") && !n.target_provision_state,
    ...(failIf ? { failIf } : {}),
    timeoutMs: timeoutS * 1000,
    initialIntervalMs: poll.initial_interval_ms,
    maxIntervalMs: poll.max_interval_ms,
    fields: WAIT_FIELDS,
    onTransition: (from, to) => deps.log.info({ node: uuid, from, to }, `node ${uuid}: ${from} -> ${to}`),
  });
}

/**
 * Sets a provision target and waits for one of `states`. `from`: the states the request applies to. A
 * killed earlier call may have asked for the same change; when its request lands between our read of
 * the node and ours, Ironic refuses ours (400: not allowed in the state the node is now in) and the node
 * is already on its way, so follow it as if it were ours. A refusal in one of `from` is a real one.
 * A node that comes back to where it started, with a last_error and no target, failed the transition
 * (`manage` whose power-credential check the BMC refused goes back to `enroll`): that ends the wait with
 * Ironic's reason instead of the timeout.
 */
export async function transition(
  deps: WaitDeps,
  uuid: string,
  target: Parameters<IronicClient["states"]["provision"]>[1],
  states: readonly string[],
  timeoutS: number,
  from: ReadonlySet<string>,
  opts: Parameters<IronicClient["states"]["provision"]>[2] = {},
): Promise<Node> {
  deps.log.info({ node: uuid, target }, `provision ${target}`);
  try {
    await deps.ironic.states.provision(uuid, target, opts);
  } catch (err) {
    if (!(err instanceof IronicBadRequest)) throw err;
    const now = (await deps.ironic.nodes.get(uuid, { fields: ["uuid", "provision_state"] })).provision_state ?? "";
    if (from.has(now)) throw err;
    deps.log.info({ node: uuid, target, state: now }, `an earlier call's ${target} got there first; following it`);
  }
  const fellBack = (n: Node) =>
    from.has(n.provision_state ?? "") &&
    !states.includes(n.provision_state ?? "") &&
    !n.target_provision_state &&
    !!n.last_error;
  return waitForState(deps, uuid, states, timeoutS, `${target} of node ${uuid}`, fellBack);
}
