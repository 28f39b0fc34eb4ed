// What one create_vm asks of the server pool, in selection's own terms (pure), and the Ironic list
// queries that fetch its candidates with server-side filters and only the fields selection reads.
import { type DomainPath, domainField } from "./failure-domains.ts";
import type { Wanted } from "./properties.ts";

export type PoolState = "available" | "manageable";

export interface SelectionRequest {
  /** instance_uuid this create_vm claims with (agent_id, or a UUIDv5 of it). */
  claimUuid: string;
  /** Ranking seed (the agent_id): parallel calls order equal servers differently, a retry the same way. */
  seed: string;
  /** Provision states a free node may be in, in order of preference. */
  states: readonly PoolState[];
  macs?: readonly string[];
  resourceClass?: string;
  conductorGroup?: string;
  owner?: string;
  traits?: readonly string[];
  properties?: Record<string, Wanted>;
  /** Persistent disks this VM will attach: nodes holding other live disks are not free. */
  diskCids: readonly string[];
  /** The instance group to spread over failure domains (selection/failure-domains.ts). */
  spread?: { group: string; path: DomainPath; required: boolean };
}

export interface StalePolicy {
  now: Date;
  /** Seconds for `creating` when the record names no deploy_timeout (ironic.deploy_timeout). */
  deployTimeoutS: number;
  /** Seconds for `deleting` (ironic.delete_timeout). */
  deleteTimeoutS: number;
  /** Added to either timeout (ironic.stale_claim_margin). */
  marginS: number;
}

/**
 * Node fields selection reads; every one is a column Ironic can return in a list (`fields=`). Only what the
 * request needs is fetched: with a thousand nodes the list is the cost of selection. `reservation` (the
 * conductor holding the node's lock right now) lets ranking avoid a node another call is claiming.
 */
export function selectionFields(req: SelectionRequest): string[] {
  return [
    "uuid",
    "provision_state",
    "maintenance",
    "fault",
    "instance_uuid",
    "extra",
    "properties",
    "reservation",
    ...(req.resourceClass !== undefined ? ["resource_class"] : []),
    ...(req.conductorGroup !== undefined ? ["conductor_group"] : []),
    ...(req.owner !== undefined ? ["owner"] : []),
    ...(req.traits ? ["traits"] : []),
    ...(req.spread ? [domainField(req.spread.path)] : []),
  ].filter((f, i, all) => all.indexOf(f) === i);
}

export interface PoolQuery {
  provision_state: PoolState;
  maintenance: false;
  resource_class?: string;
  conductor_group?: string;
  owner?: string;
}

/** One filtered list per provision state; claimed nodes are kept so stale and our own claims are seen. */
export function poolQueries(req: SelectionRequest): PoolQuery[] {
  return req.states.map((state) => ({
    provision_state: state,
    maintenance: false,
    ...(req.resourceClass !== undefined ? { resource_class: req.resourceClass } : {}),
    ...(req.conductorGroup !== undefined ? { conductor_group: req.conductorGroup } : {}),
    ...(req.owner !== undefined ? { owner: req.owner } : {}),
  }));
}

/** "provision_state=available|manageable, maintenance=false, resource_class=x" for messages. */
export function describeQuery(req: SelectionRequest): string {
  const parts = [`provision_state=${req.states.join("|")}`, "maintenance=false"];
  if (req.macs) parts.unshift(`macs=${req.macs.join(",")}`);
  if (req.resourceClass !== undefined) parts.push(`resource_class=${req.resourceClass}`);
  if (req.conductorGroup !== undefined) parts.push(`conductor_group=${req.conductorGroup}`);
  if (req.owner !== undefined) parts.push(`owner=${req.owner}`);
  if (req.traits) parts.push(`traits=${req.traits.join(",")}`);
  if (req.properties) parts.push(`ironic_properties=${JSON.stringify(req.properties)}`);
  if (req.diskCids.length > 0) parts.push(`disk_cids=${req.diskCids.join(",")}`);
  if (req.spread?.required) parts.push(`spread=required (group ${req.spread.group})`);
  return parts.join(", ");
}
