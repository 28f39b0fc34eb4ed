import * as z from "zod";
import { Action } from "../src/protocol/action.ts";
import { Cid } from "../src/protocol/shapes.ts";

const Args = z.tuple([Cid.describe("vm_cid")]);

/** has_vm: true iff the Ironic node exists and a BOSH VM holds it; false (never an error) when absent. */
export default class HasVm extends Action<typeof Args> {
  static override readonly args = Args;
  async run([vmCid]: z.infer<typeof Args>) {
    const { vms } = await this.ctx.services();
    return vms.has(vmCid);
  }
}
