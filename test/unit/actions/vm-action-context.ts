// Runs a VM action against a recording stand-in for services.vms (action-context.ts), as the director
// calls it for a v2 stemcell.
import type { ActionClass, CallContext } from "../../../src/protocol/action.ts";
import { runAction } from "./action-context.ts";

export async function runVmAction(
  Ctor: ActionClass,
  rawArgs: unknown[],
  answers: Record<string, unknown> = {},
  ctx: Partial<CallContext> = {},
) {
  return runAction("vms", Ctor, rawArgs, answers, {
    stemcellApiVersion: 2,
    directorUuid: "dir",
    requestId: "cpi-1",
    ...ctx,
  });
}
