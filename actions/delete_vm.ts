import * as z from "zod";
import { Action } from "../src/protocol/action.ts";
import { Cid } from "../src/protocol/shapes.ts";

const Args = z.tuple([Cid.describe("vm_cid")]);

/**
 * delete_vm: undeploy and give the server back where it came from (available, manageable, or deleted when
 * BOSH enrolled it). A VM that is already gone is success, so a repeated delete_vm succeeds too.
 */
export default class DeleteVm extends Action<typeof Args> {
  static override readonly args = Args;
  async run([vmCid]: z.infer<typeof Args>) {
    const { vms } = await this.ctx.services();
    await vms.delete(vmCid);
    return null;
  }
}
