// The "no free server" message: what was asked, what Ironic was asked, and how many nodes each filter
// turned down, so an operator can tell "pool too small" from "typo in a trait" from "all claimed".
import { describeQuery, type SelectionRequest } from "./request.ts";

export interface NoMatchFacts {
  /** Nodes the filtered queries returned (after de-duplication). */
  seen: number;
  /** Client-side rejections: reason → count. */
  rejected: ReadonlyMap<string, number>;
  /** Server-side rejections from a diagnostic count outside the filters: reason → count. */
  elsewhere?: ReadonlyMap<string, number>;
  /** Claims lost to concurrent create_vm calls during this call. */
  lostRaces?: number;
}

const tally = (m: ReadonlyMap<string, number>) =>
  [...m.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([reason, n]) => `${n} ${reason}`)
    .join(", ");

export function noMatchMessage(req: SelectionRequest, facts: NoMatchFacts): string {
  const parts = [`no free Ironic node matches (${describeQuery(req)})`];
  parts.push(`${facts.seen} node(s) passed Ironic's filters`);
  if (facts.rejected.size > 0) parts.push(`rejected: ${tally(facts.rejected)}`);
  if (facts.elsewhere && facts.elsewhere.size > 0) parts.push(`outside the filters: ${tally(facts.elsewhere)}`);
  if (facts.lostRaces) parts.push(`${facts.lostRaces} claim(s) lost to concurrent create_vm calls`);
  return parts.join("; ");
}
