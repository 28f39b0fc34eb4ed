import * as z from "zod";
import { Action } from "../src/protocol/action.ts";
import { CloudProperties } from "../src/protocol/shapes.ts";

/** API v3's third argument: the runtime config's tags (string values; anything else is kept as text). */
const StemcellEnv = z
  .looseObject({ tags: z.record(z.string(), z.unknown()).optional() })
  .nullable()
  .optional();

const Args = z.tuple([
  z.string().min(1).describe("image_path"),
  CloudProperties.describe("cloud_properties"),
  StemcellEnv.describe("env"),
]);

/**
 * create_stemcell: store the stemcell's root.img in the WebDAV store (streamed, checksummed) and answer a
 * new stemcell CID; a light stemcell (image_url + image_checksum) is only checked and recorded. The
 * director deletes image_path right after the call, so the upload completes before we answer. API v3
 * callers add `env`: its tags are recorded with the stemcell.
 */
export default class CreateStemcell extends Action<typeof Args> {
  static override readonly args = Args;
  async run([imagePath, cloudProperties, env]: z.infer<typeof Args>): Promise<string> {
    const { stemcells } = await this.ctx.services();
    return stemcells.create(imagePath, cloudProperties, env?.tags ?? {});
  }
}
