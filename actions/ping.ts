import * as z from "zod";
import { Action } from "../src/protocol/action.ts";

const Args = z.tuple([]);

/** ping: listed by the contract, unused by the director; answers like the Ruby CPIs. */
export default class Ping extends Action<typeof Args> {
  static override readonly args = Args;
  async run() {
    return "pong";
  }
}
