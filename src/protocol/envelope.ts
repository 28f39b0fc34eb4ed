// The request and response documents of the external CPI protocol (bosh-cpi-contract.md §1.2, §1.4).
// zod/mini, as every request (info above all) parses it: see src/config/schema.ts.
import * as z from "zod/mini";
import type { WireError } from "./errors.ts";

const StemcellContext = z.looseObject({ api_version: z.optional(z.int().check(z.nonnegative())) });

/** `context` keys the CPI reads itself; every other key is a cpi-config property (config overlay). */
export const Context = z.looseObject({
  director_uuid: z.optional(z.string()),
  request_id: z.optional(z.string()),
  vm: z.optional(z.looseObject({ stemcell: z.optional(StemcellContext) })),
});
export type Context = z.infer<typeof Context>;

export const Request = z.object({
  method: z.string().check(z.minLength(1, "must not be empty")),
  arguments: z.array(z.unknown()),
  // The director and the CLI always send it; a hand-written request may leave it out.
  context: z._default(Context, {}),
  api_version: z.optional(z.int().check(z.gte(1))),
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
