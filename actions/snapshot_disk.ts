import * as z from "zod";
import { Action } from "../src/protocol/action.ts";
import { NotImplemented } from "../src/protocol/errors.ts";
import { Cid, Metadata } from "../src/protocol/shapes.ts";

const Args = z.tuple([Cid.describe("disk_cid"), Metadata.describe("metadata")]);

/** snapshot_disk: Ironic has no snapshots of local disks; the director skips NotImplemented. */
export default class SnapshotDisk extends Action<typeof Args> {
  static override readonly args = Args;
  async run(): Promise<never> {
    throw new NotImplemented("snapshot_disk: Ironic local disks have no snapshots");
  }
}
