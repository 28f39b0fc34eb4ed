import { z } from "zod";
import { Action } from "../src/protocol/action.ts";
import { NotImplemented } from "../src/protocol/errors.ts";
import { Cid, CloudProperties, SizeMib } from "../src/protocol/shapes.ts";

const Args = z.tuple([SizeMib.describe("size"), CloudProperties.describe("cloud_properties"), Cid.nullable().describe("vm_cid")]);

/** create_disk: not implemented yet. */
export default class CreateDisk extends Action<typeof Args> {
  static override readonly args = Args;
  async run(): Promise<never> {
    throw new NotImplemented("create_disk is not implemented yet");
  }
}
