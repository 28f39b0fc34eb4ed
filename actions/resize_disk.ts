import * as z from "zod";
import { Action } from "../src/protocol/action.ts";
import { NotSupported } from "../src/protocol/errors.ts";
import { Cid, SizeMib } from "../src/protocol/shapes.ts";

const Args = z.tuple([Cid.describe("disk_cid"), SizeMib.describe("new_size")]);

/** resize_disk: a physical device has a fixed size, so the answer is NotSupported and the director
 * falls back to create_disk + attach + agent copy (bosh-cpi-contract.md §3.2). */
export default class ResizeDisk extends Action<typeof Args> {
  static override readonly args = Args;
  async run(): Promise<never> {
    throw new NotSupported(
      "resize_disk: local disks cannot be resized; the director copies the data to a new disk instead",
    );
  }
}
