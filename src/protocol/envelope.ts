// The request and response documents of the external CPI protocol (bosh-cpi-contract.md §1.2, §1.4).
import * as z from "zod";
import type { WireError } from "./errors.ts";

const StemcellContext = z.looseObject({ api_version: z.int().nonnegative().optional() });

/** `context` keys the CPI reads itself; every other key is a cpi-config property (config overlay). */
export const Context = z.looseObject({
  director_uuid: z.string().optional(),
  request_id: z.string().optional(),
  vm: z.looseObject({ stemcell: StemcellContext.optional() }).optional(),
});
export type Context = z.infer<typeof Context>;

export const Request = z.object({
  method: z.string().min(1, "must not be empty"),
  arguments: z.array(z.unknown()),
  // The director and the CLI always send it; a hand-written request may leave it out.
  context: Context.default({}),
  api_version: z.int().min(1).optional(),
});
export type Request = z.infer<typeof Request>;

export interface Response {
  result: unknown;
  error: WireError | null;
  log: string;
}

const OWN_CONTEXT_KEYS = new Set(["director_uuid", "request_id", "vm"]);

/** cpi-config properties merged into `context` by the director (§1.3). */
export function contextOverlay(context: Context): Record<string, unknown> {
  return Object.fromEntries(Object.entries(context).filter(([k]) => !OWN_CONTEXT_KEYS.has(k)));
}
