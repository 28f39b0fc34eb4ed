// /v1/nodes/{node}/history (API ≥ 1.78, API reference "Node History"): what Ironic itself recorded about a
// node — failed deploys, cleaning, power faults, health changes — newest first here.
import * as z from "zod";
import { ident } from "./nodes.ts";
import { listAll } from "./pagination.ts";
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

/**
 * The node's last `limit` history events, newest first. Read whole (oldest first, paged): Ironic 21.4 knows
 * no sort_dir here (400 "Unexpected arguments"), and a node's history is short; only failures ask.
 */
export async function listNodeHistory(t: Transport, id: string, limit = 5): Promise<HistoryEvent[]> {
  t.microversion.require("node_history");
  const all = await listAll(t, `nodes/${ident(id)}/history`, "history", HistoryEvent, {});
  return all.slice(-limit).reverse();
}
