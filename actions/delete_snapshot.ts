import * as z from "zod";
import { Action } from "../src/protocol/action.ts";
import { NotImplemented } from "../src/protocol/errors.ts";
import { Cid } from "../src/protocol/shapes.ts";

const Args = z.tuple([Cid.describe("snapshot_cid")]);

/** delete_snapshot: there are never snapshots to delete. */
export default class DeleteSnapshot extends Action<typeof Args> {
  static override readonly args = Args;
  async run(): Promise<never> {
    throw new NotImplemented("delete_snapshot: Ironic local disks have no snapshots");
  }
}
