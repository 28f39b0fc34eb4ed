import * as z from "zod";
import { Action } from "../src/protocol/action.ts";
import { Cid } from "../src/protocol/shapes.ts";

const Args = z.tuple([Cid.describe("vm_cid")]);

/** get_disks: the persistent disks attached to the VM, [] when none (never null). */
export default class GetDisks extends Action<typeof Args> {
  static override readonly args = Args;
  async run([vmCid]: z.infer<typeof Args>) {
    const { disks } = await this.ctx.services();
    return disks.attached(vmCid);
  }
}
