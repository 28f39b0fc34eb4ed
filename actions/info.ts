import * as z from "zod";
import { Action } from "../src/protocol/action.ts";
import { MAX_API_VERSION } from "../src/protocol/methods.ts";

const Args = z.tuple([]);

/** info: called before nearly every call, so it answers from configuration alone, with no I/O. */
export default class Info extends Action<typeof Args> {
  static override readonly args = Args;
  async run() {
    const { config } = this.ctx;
    return {
      api_version: Math.min(MAX_API_VERSION, config.debug.api_version ?? MAX_API_VERSION),
      stemcell_formats: config.stemcell_formats,
    };
  }
}
