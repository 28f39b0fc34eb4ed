// Deterministic order of the eligible nodes: our own claim first (a retried call), then a node reserved
// for our disks, free before stale claims; with spread, the failure domain holding the fewest VMs of the
// instance group; healthy servers before ones that failed a deploy recently, and
// a server that failed this very agent_id last (deploy-failures.ts); preferred provision state first (available needs
// no `provide`);
// the smallest server that fits (cpus, memory_mb, local_gb); a node locked at listing time (someone is
// claiming it: Ironic would make us wait for its lock) after the unlocked ones of its size; ties broken
// by a hash of (seed, node uuid).
// That last key is rendezvous hashing: each agent_id sees its own permutation of equal servers, so parallel
// create_vm calls rarely reach for the same node, while a retry with the same agent_id walks the same order.
import { type FailurePolicy, failureTier } from "./deploy-failures.ts";
import { type DomainPath, domainKey } from "./failure-domains.ts";
import type { CandidateNode, How } from "./filters.ts";
import { sizeKey } from "./properties.ts";

const HOW_ORDER: Record<How, number> = { ours: 0, takeover: 1, free: 2, stale: 3 };

/** 32-bit FNV-1a followed by a murmur3 finaliser: cheap, well mixed, no crypto needed. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function rank<T extends CandidateNode>(
  eligible: readonly { node: T; how: How }[],
  opts: {
    seed: string;
    states: readonly string[];
    failures?: FailurePolicy;
    /** VMs of the instance group per failure domain: the emptiest domain first */
    spread?: { path: DomainPath; counts: ReadonlyMap<string, number> };
  },
): { node: T; how: How }[] {
  const { spread } = opts;
  const keyed = eligible.map((e) => ({
    e,
    key: [
      HOW_ORDER[e.how],
      spread ? (spread.counts.get(domainKey(e.node, spread.path)) ?? 0) : 0,
      opts.failures ? failureTier(e.node, opts.seed, opts.failures) : 0,
      Math.max(0, opts.states.indexOf(e.node.provision_state ?? "")),
      ...sizeKey(e.node.properties),
      e.node.reservation ? 1 : 0,
      hash32(`${opts.seed}/${e.node.uuid}`),
    ],
  }));
  keyed.sort((a, b) => {
    for (let i = 0; i < a.key.length; i++) {
      const d = a.key[i]! - b.key[i]!;
      if (d !== 0 && !Number.isNaN(d)) return d < 0 ? -1 : 1;
    }
    return a.e.node.uuid < b.e.node.uuid ? -1 : a.e.node.uuid > b.e.node.uuid ? 1 : 0;
  });
  return keyed.map((k) => k.e);
}
