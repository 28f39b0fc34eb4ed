// The vm_type cloud_properties of this CPI (README "vm_type cloud_properties"). The director merges the
// AZ's, the vm_type's and each vm_extension's properties (top-level keys, later wins), so an unknown key is
// almost always a typo that would silently select the wrong server: it is refused with its path and the
// list of known keys. Keys owned by the network/config-drive layer are known here but validated there.
import * as z from "zod";
import { describeIssues } from "../../issues.ts";
import { CpiError } from "../../protocol/errors.ts";

const Mac = z
  .string()
  .regex(/^[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}$/, "must be a MAC address like 52:54:00:12:34:56")
  .transform((m) => m.toLowerCase().replace(/-/g, ":"));

const Iface = z.string().min(1).optional();
/** Ironic node interfaces an enrolled node may name (POST /v1/nodes). */
const interfaceFields = {
  bios_interface: Iface,
  boot_interface: Iface,
  console_interface: Iface,
  deploy_interface: Iface,
  inspect_interface: Iface,
  management_interface: Iface,
  network_interface: Iface,
  power_interface: Iface,
  raid_interface: Iface,
  rescue_interface: Iface,
  storage_interface: Iface,
  vendor_interface: Iface,
};

/** What create_vm sends to POST /v1/nodes for a server it enrolls, plus `inspect`. */
const IronicParams = z.strictObject({
  driver: z.string().min(1),
  driver_info: z.record(z.string(), z.unknown()).optional(),
  properties: z.record(z.string(), z.unknown()).optional(),
  resource_class: z.string().min(1).optional(),
  conductor_group: z.string().optional(),
  owner: z.string().optional(),
  name: z.string().min(1).optional(),
  description: z.string().optional(),
  extra: z.record(z.string(), z.unknown()).optional(),
  uuid: z.uuid().optional(),
  chassis_uuid: z.uuid().optional(),
  /** Ironic never powers the server off (API 1.95): for servers that must not lose power. */
  disable_power_off: z.boolean().optional(),
  ...interfaceFields,
  /** Run Ironic inspection (manageable → inspect → manageable) before first use. */
  inspect: z.boolean().default(false),
});

/** Ironic root device hints (instance_info.root_device), e.g. {wwn: "0x5000c500a1b2c3d4"} or {size: ">= 100"}. */
const RootDevice = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

/** Target RAID configuration (Ironic "RAID configuration"): applied by manual cleaning before first use. */
const Raid = z.looseObject({ logical_disks: z.array(z.record(z.string(), z.unknown())).min(1) });

const BiosSetting = z.strictObject({ name: z.string().min(1), value: z.union([z.string(), z.number(), z.boolean()]) });
const DeployStep = z.looseObject({
  interface: z.string().min(1),
  step: z.string().min(1),
  args: z.record(z.string(), z.unknown()).default({}),
  priority: z.number().int().min(0),
});

/** BOSH network the deploy ramdisk configures statically (Ironic node.network_data, API >= 1.66). */
export const ProvisioningNetwork = z.string().min(1);
/** Ephemeral disk hint: a device path (prefer /dev/disk/by-id or by-path) or {path}. */
export const EphemeralDiskChoice = z.union([z.string().min(1), z.strictObject({ path: z.string().min(1) })]);

const Properties = z.strictObject({
  /** The server that owns these MACs; with ironic_params: the NICs of the server to enroll. */
  macs: z.array(Mac).min(1).optional(),
  /** Pool filter over node.properties: numbers mean "at least", strings/booleans "equal". */
  ironic_properties: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).optional(),
  resource_class: z.string().min(1).optional(),
  /** All required on the node. */
  traits: z.array(z.string().min(1)).min(1).optional(),
  conductor_group: z.string().optional(),
  owner: z.string().min(1).optional(),
  /** Also take `manageable` nodes (provided on claim, returned to manageable on delete). */
  from_manageable: z.boolean().default(false),
  /**
   * Failure-domain spread of the instance group (placement.failure_domain): `preferred` takes the domain
   * holding the fewest of its VMs; `required` takes only a domain holding none, or fails.
   */
  spread: z.enum(["preferred", "required"]).default("preferred"),
  ironic_params: IronicParams.optional(),
  root_device: RootDevice.optional(),
  boot_mode: z.enum(["uefi", "bios"]).optional(),
  raid: Raid.optional(),
  bios_settings: z.array(BiosSetting).min(1).optional(),
  /** Extra deploy steps for the `active` request (Ironic API >= 1.69). */
  deploy_steps: z.array(DeployStep).min(1).optional(),
  /** Overrides the CPI's `automated_clean` for these servers. */
  automated_clean: z.boolean().optional(),
  /** Seconds; overrides ironic.deploy_timeout. */
  deploy_timeout: z
    .number()
    .int()
    .positive()
    .max(7 * 24 * 3600, "must be at most 7 days (604800 s)")
    .optional(),
  // What the config drive is built from (services/vm/config-drive.ts reads them):
  provisioning_network: ProvisioningNetwork.optional(),
  ephemeral_disk: EphemeralDiskChoice.optional(),
  // Informational keys the director or operators commonly put into an AZ's cloud_properties:
  availability_zone: z.unknown().optional(),
});

export type VmCloudProperties = z.infer<typeof Properties>;
export type IronicParams = z.infer<typeof IronicParams>;
export const KNOWN_VM_CLOUD_PROPERTIES: readonly string[] = Object.keys(Properties.shape).sort();

const SELECTORS = ["macs", "ironic_properties", "resource_class", "traits", "ironic_params"] as const;

/** Parses merged vm_type cloud_properties; throws CpiError naming the key path (and the known keys for typos). */
export function parseVmCloudProperties(raw: Record<string, unknown>): VmCloudProperties {
  const r = Properties.safeParse(raw, { reportInput: true });
  if (!r.success) {
    const what = describeIssues(r.error.issues, { knownKeys: KNOWN_VM_CLOUD_PROPERTIES, dottedIndexes: true });
    throw new CpiError(`invalid vm_type cloud_properties: ${what}`);
  }
  const p = r.data;
  if (!SELECTORS.some((k) => p[k] !== undefined)) {
    throw new CpiError(
      `vm_type cloud_properties name no server: set one of ${SELECTORS.join(", ")} ` +
        "(macs for one known server, ironic_properties/resource_class/traits for a pool, ironic_params + macs " +
        "to enroll one)",
    );
  }
  if (p.ironic_params && !p.macs)
    throw new CpiError("vm_type cloud_properties: ironic_params needs macs (the NICs of the server to enroll)");
  return p;
}
