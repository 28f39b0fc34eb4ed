import * as z from "zod";
import { Action } from "../src/protocol/action.ts";
import { Cid } from "../src/protocol/shapes.ts";

const Args = z.tuple([Cid.describe("stemcell_cid")]);

/** delete_stemcell: remove the stemcell's objects from the store; a stemcell already gone is fine. */
export default class DeleteStemcell extends Action<typeof Args> {
  static override readonly args = Args;
  async run([stemcellCid]: z.infer<typeof Args>): Promise<null> {
    const { stemcells } = await this.ctx.services();
    await stemcells.delete(stemcellCid);
    return null;
  }
}
