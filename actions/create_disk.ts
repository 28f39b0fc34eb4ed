import * as z from "zod";
import { Action } from "../src/protocol/action.ts";
import { Cid, CloudProperties, SizeMib } from "../src/protocol/shapes.ts";

const Args = z.tuple([
  SizeMib.describe("size"),
  CloudProperties.describe("cloud_properties"),
  Cid.nullable().describe("vm_cid"),
]);

/**
 * create_disk: a free, clean device with enough capacity on the VM's server (disk_type cloud_properties
 * `device`/`devices`); without a VM, a free server is reserved for the disk so the VM that uses it lands there.
 * No fitting device: NoDiskSpace with the reason for each candidate. Answers the disk cid.
 */
export default class CreateDisk extends Action<typeof Args> {
  static override readonly args = Args;
  async run([size, cloudProperties, vmCid]: z.infer<typeof Args>) {
    const { disks } = await this.ctx.services();
    return disks.create(size, cloudProperties, vmCid);
  }
}
