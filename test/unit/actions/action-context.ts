// Runs an action the way dispatch.ts does (arguments parsed by its zod tuple), against a recording
// stand-in for one service: every method call is recorded and answered from `answers` (an Error throws).
import pino from "pino";
import type { ActionClass, CallContext } from "../../../src/protocol/action.ts";
import { parseArguments } from "../../../src/protocol/arguments.ts";
import { Config } from "../../../src/config/schema.ts";
import type { Services } from "../../../src/services/services.ts";
import { testConfig } from "../../support/config.ts";

export type Calls = [string, ...unknown[]][];

export async function runAction(
  service: keyof Services,
  Ctor: ActionClass,
  rawArgs: unknown[],
  answers: Record<string, unknown> = {},
  ctx: Partial<CallContext> = {},
) {
  const calls: Calls = [];
  let built = false;
  const standIn = new Proxy(
    {},
    {
      get:
        (_t, key: string) =>
        async (...a: unknown[]) => {
          calls.push([key, ...a]);
          const v = answers[key];
          if (v instanceof Error) throw v;
          return v;
        },
    },
  );
  const context: CallContext = {
    method: "test",
    apiVersion: 2,
    stemcellApiVersion: undefined,
    directorUuid: undefined,
    requestId: undefined,
    config: Config.parse(testConfig()),
    log: pino({ level: "silent" }),
    now: () => new Date(),
    services: async () => {
      built = true;
      return { [service]: standIn } as unknown as Services;
    },
    ...ctx,
  };
  const args = parseArguments("test", Ctor.args, rawArgs);
  const result = await new Ctor(context).run(args);
  return { result, calls, servicesBuilt: () => built };
}
