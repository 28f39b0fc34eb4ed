import { z } from "zod";
import { Action } from "../src/protocol/action.ts";
import { NotImplemented } from "../src/protocol/errors.ts";
import { CloudProperties } from "../src/protocol/shapes.ts";

const Args = z.tuple([z.string().min(1).describe("image_path"), CloudProperties.describe("cloud_properties")]);

/** create_stemcell: not implemented yet. */
export default class CreateStemcell extends Action<typeof Args> {
  static override readonly args = Args;
  async run(): Promise<never> {
    throw new NotImplemented("create_stemcell is not implemented yet");
  }
}
