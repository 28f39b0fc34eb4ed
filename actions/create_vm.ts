import { z } from "zod";
import { Action } from "../src/protocol/action.ts";
import { NotImplemented } from "../src/protocol/errors.ts";
import { Cid, CloudProperties, Env, Networks } from "../src/protocol/shapes.ts";

const Args = z.tuple([Cid.describe("agent_id"), Cid.describe("stemcell_cid"), CloudProperties.describe("cloud_properties"), Networks.describe("networks"), z.array(Cid).nullable().describe("disk_cids"), Env.nullable().describe("env")]);

/** create_vm: not implemented yet. */
export default class CreateVm extends Action<typeof Args> {
  static override readonly args = Args;
  async run(): Promise<never> {
    throw new NotImplemented("create_vm is not implemented yet");
  }
}
