import { z } from "zod";
import { Action } from "../src/protocol/action.ts";
import { NotImplemented } from "../src/protocol/errors.ts";
import { Cid } from "../src/protocol/shapes.ts";

const Args = z.tuple([Cid.describe("vm_cid")]);

/** reboot_vm: not implemented yet. */
export default class RebootVm extends Action<typeof Args> {
  static override readonly args = Args;
  async run(): Promise<never> {
    throw new NotImplemented("reboot_vm is not implemented yet");
  }
}
