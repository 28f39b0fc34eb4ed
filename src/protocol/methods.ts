// The CPI methods of the BOSH contract (bosh-cpi-contract.md §3.1). Each one has a file in
// actions/ named as on the wire; test/unit/protocol/registration.test.ts keeps the two in step.
export const CONTRACT_METHODS = [
  "info",
  "create_stemcell",
  "delete_stemcell",
  "create_vm",
  "delete_vm",
  "has_vm",
  "reboot_vm",
  "set_vm_metadata",
  "calculate_vm_cloud_properties",
  "create_disk",
  "delete_disk",
  "attach_disk",
  "detach_disk",
  "has_disk",
  "get_disks",
  "set_disk_metadata",
  "resize_disk",
  "update_disk",
  "snapshot_disk",
  "delete_snapshot",
  "create_network",
  "delete_network",
  "configure_networks",
  "current_vm_id",
  "ping",
] as const;

/**
 * What `info` reports: v3 (directors since v282) adds create_stemcell's third argument, `env` with the
 * runtime config's `tags`. The CLI caps at 2 and the director negotiates min(ours, its own).
 */
export const MAX_API_VERSION = 3;

/** Method names are used to find a module: only this shape is ever looked up. */
export const METHOD_NAME = /^[a-z][a-z0-9_]{0,63}$/;
