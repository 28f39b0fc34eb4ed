import { z } from "zod";
import { Action } from "../src/protocol/action.ts";
import { NotImplemented } from "../src/protocol/errors.ts";
import { Cid } from "../src/protocol/shapes.ts";

const Args = z.tuple([Cid.describe("stemcell_cid")]);

/** delete_stemcell: not implemented yet. */
export default class DeleteStemcell extends Action<typeof Args> {
  static override readonly args = Args;
  async run(): Promise<never> {
    throw new NotImplemented("delete_stemcell is not implemented yet");
  }
}
