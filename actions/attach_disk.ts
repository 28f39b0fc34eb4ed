import * as z from "zod";
import { Action } from "../src/protocol/action.ts";
import { Cid } from "../src/protocol/shapes.ts";

const Args = z.tuple([Cid.describe("vm_cid"), Cid.describe("disk_cid")]);

/**
 * attach_disk: the disk must live in the VM's server (bare metal cannot move disks: CloudError otherwise).
 * Idempotent. API v2 answers the hint {"path": "<stable device path>"}; v1 null (the registry copy of the
 * settings gets disks.persistent when the stemcell reads the registry).
 */
export default class AttachDisk extends Action<typeof Args> {
  static override readonly args = Args;
  async run([vmCid, diskCid]: z.infer<typeof Args>) {
    const { disks } = await this.ctx.services();
    const hint = await disks.attach(vmCid, diskCid, { stemcellApiVersion: this.ctx.stemcellApiVersion });
    return this.apiVersion >= 2 ? hint : null;
  }
}
