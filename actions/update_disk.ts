import * as z from "zod";
import { Action } from "../src/protocol/action.ts";
import { NotSupported } from "../src/protocol/errors.ts";
import { Cid, CloudProperties, SizeMib } from "../src/protocol/shapes.ts";

const Args = z.tuple([
  Cid.describe("disk_cid"),
  SizeMib.describe("new_size"),
  CloudProperties.describe("cloud_properties"),
]);

/** update_disk: as resize_disk, NotSupported makes the director copy to a new disk. */
export default class UpdateDisk extends Action<typeof Args> {
  static override readonly args = Args;
  async run(): Promise<never> {
    throw new NotSupported(
      "update_disk: local disks cannot be changed in place; the director copies the data to a new disk instead",
    );
  }
}
