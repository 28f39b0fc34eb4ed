import * as z from "zod";
import { Action } from "../src/protocol/action.ts";
import { Cid, Metadata } from "../src/protocol/shapes.ts";

const Args = z.tuple([Cid.describe("disk_cid"), Metadata.describe("metadata")]);

/** set_disk_metadata: stored on the disk's record, merged over earlier keys; best effort. */
export default class SetDiskMetadata extends Action<typeof Args> {
  static override readonly args = Args;
  async run([diskCid, metadata]: z.infer<typeof Args>) {
    const { disks } = await this.ctx.services();
    await disks.setMetadata(diskCid, metadata);
    return null;
  }
}
