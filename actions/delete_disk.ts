import * as z from "zod";
import { Action } from "../src/protocol/action.ts";
import { Cid } from "../src/protocol/shapes.ts";

const Args = z.tuple([Cid.describe("disk_cid")]);

/**
 * delete_disk: removes the disk's record; its device is dirty and handed out again only after Ironic's
 * cleaning wiped it. An unknown disk answers DiskNotFound, which the director and the CLI tolerate.
 */
export default class DeleteDisk extends Action<typeof Args> {
  static override readonly args = Args;
  async run([diskCid]: z.infer<typeof Args>) {
    const { disks } = await this.ctx.services();
    await disks.delete(diskCid);
    return null;
  }
}
