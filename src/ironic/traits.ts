// /v1/nodes/{node}/traits (API reference "Node Traits", API ≥ 1.37). All writes answer 204.
import * as z from "zod";
import { ident } from "./nodes.ts";
import type { Transport } from "./transport.ts";

const Traits = z.object({ traits: z.array(z.string()) });

/** GET /v1/nodes/{node}/traits (API ref "List Traits of a Node"). */
export async function listTraits(t: Transport, node: string): Promise<string[]> {
  t.microversion.require("traits");
  return (await t.get(`nodes/${ident(node)}/traits`, { schema: Traits })).traits;
}

/** PUT /v1/nodes/{node}/traits {traits} (API ref "Set all traits of a node"): replaces the whole set. */
export async function setTraits(t: Transport, node: string, traits: readonly string[]): Promise<void> {
  t.microversion.require("traits");
  await t.put(`nodes/${ident(node)}/traits`, { json: { traits } });
}

/** PUT /v1/nodes/{node}/traits/{trait} (API ref "Add a trait to a node"). */
export async function addTrait(t: Transport, node: string, trait: string): Promise<void> {
  t.microversion.require("traits");
  await t.put(`nodes/${ident(node)}/traits/${encodeURIComponent(trait)}`);
}

/** DELETE /v1/nodes/{node}/traits/{trait} (API ref "Remove a trait from a node"); 404 if absent. */
export async function removeTrait(t: Transport, node: string, trait: string): Promise<void> {
  t.microversion.require("traits");
  await t.delete(`nodes/${ident(node)}/traits/${encodeURIComponent(trait)}`);
}
