import * as z from "zod";
import { Action } from "../src/protocol/action.ts";
import { NotImplemented } from "../src/protocol/errors.ts";

const Args = z.tuple([]);

/** current_vm_id: deprecated ("do not implement"). */
export default class CurrentVmId extends Action<typeof Args> {
  static override readonly args = Args;
  async run(): Promise<never> {
    throw new NotImplemented("current_vm_id: not supported by this CPI");
  }
}
