import * as z from "zod";
import { Action } from "../src/protocol/action.ts";
import { Cid } from "../src/protocol/shapes.ts";

const Args = z.tuple([Cid.describe("vm_cid"), Cid.describe("disk_cid")]);

/** detach_disk: marks the disk detached; a disk that is not attached (or gone) is not an error. */
export default class DetachDisk extends Action<typeof Args> {
  static override readonly args = Args;
  async run([vmCid, diskCid]: z.infer<typeof Args>) {
    const { disks } = await this.ctx.services();
    await disks.detach(vmCid, diskCid, { stemcellApiVersion: this.ctx.stemcellApiVersion });
    return null;
  }
}
