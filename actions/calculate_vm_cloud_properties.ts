import * as z from "zod";
import { Action } from "../src/protocol/action.ts";
import { fromVmResources } from "../src/selection/vm-resources.ts";

const Args = z.tuple([
  z
    .strictObject({
      cpu: z.number().int().positive(),
      ram: z.number().int().positive(),
      ephemeral_disk_size: z.number().int().nonnegative(),
    })
    .describe("vm_resources"),
]);

/**
 * calculate_vm_cloud_properties: vm_resources → an `ironic_properties` pool selector (cpus, memory_mb,
 * local_gb, all "at least"). Pure: no Ironic call.
 */
export default class CalculateVmCloudProperties extends Action<typeof Args> {
  static override readonly args = Args;
  async run([resources]: z.infer<typeof Args>) {
    return fromVmResources(resources);
  }
}
