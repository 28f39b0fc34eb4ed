import * as z from "zod";
import { Action } from "../src/protocol/action.ts";
import { Cid } from "../src/protocol/shapes.ts";

const Args = z.tuple([Cid.describe("vm_cid")]);

/** reboot_vm: power reboot through Ironic, waiting until the server reports power on. VMNotFound if absent. */
export default class RebootVm extends Action<typeof Args> {
  static override readonly args = Args;
  async run([vmCid]: z.infer<typeof Args>) {
    const { vms } = await this.ctx.services();
    await vms.reboot(vmCid);
    return null;
  }
}
