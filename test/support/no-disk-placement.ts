// A DiskPlacement that imposes nothing: for tests and benchmarks of the VM service without persistent disks.
import type { DiskPlacement } from "../../src/services/pool/disk-placement.ts";

export const NO_DISK_PLACEMENT: DiskPlacement = {
  nodeFor: async () => undefined,
  onVmClaimed: async () => {},
  beforeRelease: async () => ({}),
};
