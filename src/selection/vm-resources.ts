// calculate_vm_cloud_properties' rule: the director's vm_resources as a pool selector. Pure.

/** Director vm_resources → an `ironic_properties` selector (numbers mean "at least"). */
export function fromVmResources(r: { cpu: number; ram: number; ephemeral_disk_size: number }): {
  ironic_properties: Record<string, number>;
} {
  // Ironic's local_gb is the disk the image is written to; without an ephemeral disk hint the agent puts
  // the ephemeral partition there, so it must hold ephemeral_disk_size (MiB, rounded up to GiB).
  return { ironic_properties: { cpus: r.cpu, memory_mb: r.ram, local_gb: Math.ceil(r.ephemeral_disk_size / 1024) } };
}
