// PUT /v1/nodes/{node}/states/raid (API reference "Node State Change" → "Set RAID Config", API ≥ 1.12):
// stores target_raid_config; manual cleaning with the raid interface's create_configuration applies it.
import { ident } from "./nodes.ts";
import type { Transport } from "./transport.ts";

export interface TargetRaidConfig {
  logical_disks: readonly Record<string, unknown>[];
  [key: string]: unknown;
}

/** 204. The node's raid interface validates the document (400 for an invalid one). */
export async function setTargetRaidConfig(t: Transport, id: string, config: TargetRaidConfig): Promise<void> {
  await t.put(`nodes/${ident(id)}/states/raid`, { json: config });
}
