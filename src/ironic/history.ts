// /v1/nodes/{node}/history (API ≥ 1.78, API reference "Node History"): what Ironic itself recorded about a
// node — failed deploys, cleaning, power faults, health changes — newest first here.
import * as z from "zod";
import { ident } from "./nodes.ts";
import type { Transport } from "./transport.ts";

export const HistoryEvent = z.object({
  created_at: z.string().nullish(),
  /** "ERROR" or "INFO" */
  severity: z.string().nullish(),
  /** "deploy", "clean", "monitoring", … */
  event_type: z.string().nullish(),
  /** Ironic cuts it at 255 characters in this (non-detailed) listing. */
  event: z.string().nullish(),
});
export type HistoryEvent = z.infer<typeof HistoryEvent>;

/** The node's last `limit` history events, newest first. */
export async function listNodeHistory(t: Transport, id: string, limit = 5): Promise<HistoryEvent[]> {
  t.microversion.require("node_history");
  const body = await t.get(`nodes/${ident(id)}/history`, {
    schema: z.object({ history: z.array(HistoryEvent) }),
    query: { limit, sort_dir: "desc" },
  });
  return body.history;
}
