import * as z from "zod";
import { Action } from "../src/protocol/action.ts";
import { NotImplemented } from "../src/protocol/errors.ts";

const Args = z.tuple([z.record(z.string(), z.unknown()).describe("network_definition")]);

/** create_network: only used with director.networks.enable_cpi_management; networks are the operator's. */
export default class CreateNetwork extends Action<typeof Args> {
  static override readonly args = Args;
  async run(): Promise<never> {
    throw new NotImplemented("create_network: this CPI does not manage networks");
  }
}
