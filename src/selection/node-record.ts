// The BOSH records kept on an Ironic node, shared by the VM and disk services (pure: zod only).
//   extra.bosh        one record per node: who holds it, how it was obtained, in which phase
//   extra.bosh_disks  { "<disk_cid>": { device, size_mib, attached, state: "live"|"dirty", ... } } (disks service)
// Both are written with one JSON-patch `add` each, so a node never carries half a record.
import * as z from "zod";

const PHASES = ["creating", "created", "deleting", "reserved"] as const;
export type Phase = (typeof PHASES)[number];
const SOURCES = ["available", "manageable", "enrolled"] as const;
export type Source = (typeof SOURCES)[number];

/** What a node looked like before BOSH changed it, put back on release. */
const Restore = z.looseObject({
  automated_clean: z.boolean().nullable().optional(),
  network_data: z.record(z.string(), z.unknown()).optional(),
});

export const BoshRecord = z.looseObject({
  vm_cid: z.string().optional(),
  agent_id: z.string().optional(),
  phase: z.enum(PHASES),
  source: z.enum(SOURCES).optional(),
  claimed_at: z.string().optional(),
  updated_at: z.string().optional(),
  /** When create_vm finished (phase "created"); the director must acknowledge the VM within the stale margin. */
  created_at: z.string().optional(),
  /** When the director first addressed the VM by its cid (set_vm_metadata, which it sends right after create_vm). */
  acknowledged_at: z.string().optional(),
  director_uuid: z.string().optional(),
  stemcell_cid: z.string().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  /** Seconds the creating phase may take (the vm_type's deploy_timeout), for staleness. */
  deploy_timeout: z.number().optional(),
  restore: Restore.optional(),
  /** phase "reserved": why, and for which disks (disks service). */
  reservation: z.string().optional(),
  disk_cids: z.array(z.string()).optional(),
  /** The director's instance group (env.bosh.group): failure-domain spread counts by it. */
  group: z.string().optional(),
});
export type BoshRecord = z.infer<typeof BoshRecord>;

const DiskRecord = z.looseObject({ state: z.string().optional(), attached: z.boolean().optional() });
const DiskRecords = z.record(z.string(), DiskRecord);

/** The node fields selection and the record helpers read (structurally an Ironic node). */
export interface RecordNode {
  uuid: string;
  instance_uuid?: string | null | undefined;
  extra?: Record<string, unknown> | null | undefined;
}

/** extra.bosh parsed, or undefined when absent or not ours to read (a foreign/garbled value). */
export function boshRecord(node: RecordNode): BoshRecord | undefined {
  const r = BoshRecord.safeParse(node.extra?.["bosh"]);
  return r.success ? r.data : undefined;
}

/** Disk cids whose data lives on this node (state "live"; "dirty" ones are being wiped and hold nothing). */
export function liveDisks(node: Pick<RecordNode, "extra">): string[] {
  const r = DiskRecords.safeParse(node.extra?.["bosh_disks"]);
  if (!r.success) return [];
  return Object.entries(r.data)
    .filter(([, d]) => (d.state ?? "live") === "live")
    .map(([cid]) => cid)
    .sort();
}

/**
 * While persistent disks live on a node the disks service owns its automated_clean (kept false, the
 * previous value in extra.bosh_clean_hold): nothing on the VM side may set or restore it then.
 */
export function disksHoldCleaning(node: Pick<RecordNode, "extra">): boolean {
  return liveDisks(node).length > 0 || !!node.extra?.["bosh_clean_hold"];
}

/** Is this node held by a BOSH VM (not a disk reservation, not mid-teardown)? */
export function holdsVm(node: RecordNode): boolean {
  const rec = boshRecord(node);
  return !!rec && !!node.instance_uuid && (rec.phase === "creating" || rec.phase === "created");
}

/**
 * Is this node held by the VM `vmCid` names? A VM cid names one provisioning: the claim's instance_uuid,
 * recorded as extra.bosh.vm_cid. VMs made before that identity carry the node UUID as both (legacy): they
 * still resolve, and a later VM on the same node (vm_cid = its own claim) never answers to the old cid.
 */
export function holdsVmCid(node: RecordNode, vmCid: string): boolean {
  const rec = boshRecord(node);
  if (!rec || !holdsVm(node) || rec.vm_cid !== vmCid) return false;
  return node.instance_uuid === vmCid || node.uuid === vmCid;
}

/** Who a BOSH VM is, as far as the director said: for the protection Ironic shows operators. */
export interface VmIdentity {
  vmCid: string;
  director?: string | undefined;
  deployment?: string | undefined;
  instance?: string | undefined;
}

/** Ironic keeps protected_reason in 255 characters. */
const REASON_CHARS = 255;

/**
 * node.protected_reason of a server running a BOSH VM: Ironic then refuses `baremetal node undeploy` (and
 * rebuild, delete) by anyone, and shows whose VM it is; the CPI's own delete_vm lifts it first.
 */
export function protectedReason(id: VmIdentity): string {
  const parts = [
    `VM ${id.vmCid}`,
    id.director && `director ${id.director}`,
    id.deployment && `deployment ${id.deployment}`,
    id.instance && `instance ${id.instance}`,
  ].filter((p): p is string => !!p);
  return `bosh: ${parts.join(", ")}; delete it with bosh (its delete_vm lifts this)`.slice(0, REASON_CHARS);
}

/**
 * The director, deployment and instance group a create_vm's env names: directors send env.bosh.groups as
 * [director, deployment, instance group, …]; `bosh create-env` sends none.
 */
export function identityFromEnv(env: unknown): Omit<VmIdentity, "vmCid"> {
  const groups = (env as { bosh?: { groups?: unknown } } | undefined)?.bosh?.groups;
  const list = Array.isArray(groups) ? groups.filter((g): g is string => typeof g === "string") : [];
  if (list.length < 3) return {};
  return { director: list[0], deployment: list[1], instance: list[2] };
}
