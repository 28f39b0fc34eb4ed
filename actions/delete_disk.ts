import { z } from "zod";
import { Action } from "../src/protocol/action.ts";
import { NotImplemented } from "../src/protocol/errors.ts";
import { Cid } from "../src/protocol/shapes.ts";

const Args = z.tuple([Cid.describe("disk_cid")]);

/** delete_disk: not implemented yet. */
export default class DeleteDisk extends Action<typeof Args> {
  static override readonly args = Args;
  async run(): Promise<never> {
    throw new NotImplemented("delete_disk is not implemented yet");
  }
}
