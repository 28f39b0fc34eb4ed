import { z } from "zod";
import { Action } from "../src/protocol/action.ts";
import { NotImplemented } from "../src/protocol/errors.ts";
import { Cid, Metadata } from "../src/protocol/shapes.ts";

const Args = z.tuple([Cid.describe("disk_cid"), Metadata.describe("metadata")]);

/** set_disk_metadata: not implemented yet. */
export default class SetDiskMetadata extends Action<typeof Args> {
  static override readonly args = Args;
  async run(): Promise<never> {
    throw new NotImplemented("set_disk_metadata is not implemented yet");
  }
}
