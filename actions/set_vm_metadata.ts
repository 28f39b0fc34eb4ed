import { z } from "zod";
import { Action } from "../src/protocol/action.ts";
import { NotImplemented } from "../src/protocol/errors.ts";
import { Cid, Metadata } from "../src/protocol/shapes.ts";

const Args = z.tuple([Cid.describe("vm_cid"), Metadata.describe("metadata")]);

/** set_vm_metadata: not implemented yet. */
export default class SetVmMetadata extends Action<typeof Args> {
  static override readonly args = Args;
  async run(): Promise<never> {
    throw new NotImplemented("set_vm_metadata is not implemented yet");
  }
}
