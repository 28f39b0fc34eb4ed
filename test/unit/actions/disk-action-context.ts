// Runs a disk action against a recording stand-in for services.disks (action-context.ts).
import type { ActionClass, CallContext } from "../../../src/protocol/action.ts";
import { runAction } from "./action-context.ts";

export type { Calls } from "./action-context.ts";

export async function runDiskAction(
  Ctor: ActionClass,
  rawArgs: unknown[],
  answers: Record<string, unknown> = {},
  ctx: Partial<CallContext> = {},
) {
  const { result, calls } = await runAction("disks", Ctor, rawArgs, answers, ctx);
  return { result, calls };
}
