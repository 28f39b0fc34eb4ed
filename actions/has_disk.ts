import * as z from "zod";
import { Action } from "../src/protocol/action.ts";
import { Cid } from "../src/protocol/shapes.ts";

const Args = z.tuple([Cid.describe("disk_cid")]);

/** has_disk: true iff the disk's record exists on its node; false (never an error) when it does not. */
export default class HasDisk extends Action<typeof Args> {
  static override readonly args = Args;
  async run([diskCid]: z.infer<typeof Args>) {
    const { disks } = await this.ctx.services();
    return disks.has(diskCid);
  }
}
