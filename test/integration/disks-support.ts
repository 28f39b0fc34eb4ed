// What the disk integration tests share beside the harness (vm-support.ts, with `disks: true`): Ironic's
// own log of cleanings, and the unwrapping of a CPI answer.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Response } from "../../src/protocol/envelope.ts";
import { ironic } from "../support/servers.ts";

/** Ironic log lines saying automated cleaning ran on the node ("Executing automated cleaning on node X"). */
export function cleaningsOf(nodeUuid: string): number {
  const log = readFileSync(join(ironic().stateDir, "log", "ironic.log"), "utf8");
  return log.split("\n").filter((l) => l.includes(`Executing automated cleaning on node ${nodeUuid}`)).length;
}

/** The result, or a thrown error carrying the CPI's error (so a failing step names itself). */
export function ok<T = unknown>(r: Response): T {
  if (r.error) throw new Error(`CPI error ${r.error.type}: ${r.error.message}`);
  return r.result as T;
}
