import { z } from "zod";
import { Action } from "../src/protocol/action.ts";
import { NotImplemented } from "../src/protocol/errors.ts";

const Args = z.tuple([z.strictObject({ cpu: z.number().int().positive(), ram: z.number().int().positive(), ephemeral_disk_size: z.number().int().nonnegative() }).describe("vm_resources")]);

/** calculate_vm_cloud_properties: not implemented yet. */
export default class CalculateVmCloudProperties extends Action<typeof Args> {
  static override readonly args = Args;
  async run(): Promise<never> {
    throw new NotImplemented("calculate_vm_cloud_properties is not implemented yet");
  }
}
