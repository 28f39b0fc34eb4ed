import * as z from "zod";
import { Action } from "../src/protocol/action.ts";
import { NotSupported } from "../src/protocol/errors.ts";
import { Cid, Networks } from "../src/protocol/shapes.ts";

const Args = z.tuple([Cid.describe("vm_cid"), Networks.describe("networks")]);

/** configure_networks (v1 only): NotSupported tells the director to recreate the VM. */
export default class ConfigureNetworks extends Action<typeof Args> {
  static override readonly args = Args;
  async run(): Promise<never> {
    throw new NotSupported("configure_networks: a config drive cannot change after deploy; recreate the VM");
  }
}
