import * as z from "zod";
import { Action } from "../src/protocol/action.ts";
import { Cid, Metadata } from "../src/protocol/shapes.ts";

const Args = z.tuple([Cid.describe("vm_cid"), Metadata.describe("metadata")]);

/**
 * set_vm_metadata: best effort — the metadata goes into the node's extra.bosh.metadata and its description
 * ("deployment/instance_group/index"). A failure is logged, never fatal: the director would delete the new VM.
 */
export default class SetVmMetadata extends Action<typeof Args> {
  static override readonly args = Args;
  async run([vmCid, metadata]: z.infer<typeof Args>) {
    const { vms } = await this.ctx.services();
    await vms.setMetadata(vmCid, metadata);
    return null;
  }
}
