import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CandidateNode, How } from "../../../src/selection/filters.ts";
import { hash32, rank } from "../../../src/selection/ranking.ts";

const n = (uuid: string, props: Record<string, unknown> = {}, over: Partial<CandidateNode> = {}) => ({
  node: { uuid, provision_state: "available", properties: props, ...over } as CandidateNode,
  how: "free" as How,
});
const order = (list: ReturnType<typeof n>[], seed = "agent", states = ["available"]) =>
  rank(list, { seed, states }).map((e) => e.node.uuid);

describe("rank", () => {
  it("puts the smallest server that fits first (cpus, memory_mb, local_gb)", () => {
    const list = [
      n("big", { cpus: 32, memory_mb: 1 }),
      n("small", { cpus: "8", memory_mb: 4 }),
      n("smaller-mem", { cpus: 8, memory_mb: 2 }),
      n("unknown", {}),
    ];
    expect(order(list)).toEqual(["smaller-mem", "small", "big", "unknown"]);
  });

  it("our own claim, then a disk reservation for us, then free, then stale claims", () => {
    const list = [
      { ...n("stale"), how: "stale" as How },
      { ...n("free") },
      { ...n("ours", { cpus: 99 }), how: "ours" as How },
      { ...n("takeover"), how: "takeover" as How },
    ];
    expect(order(list)).toEqual(["ours", "takeover", "free", "stale"]);
  });

  it("a server that failed a deploy ranks behind healthy ones for avoid_failed_for; one that failed this agent_id last", () => {
    const now = new Date("2026-11-21T12:00:00Z");
    const failed = (agentIds: string[], ago: number) => ({
      extra: {
        bosh_deploy_failures: {
          count: 1,
          last_at: new Date(now.getTime() - ago * 1000).toISOString(),
          agent_ids: agentIds,
        },
      },
    });
    const list = [
      n("failed-me", { cpus: 1 }, failed(["agent"], 99_999)),
      n("failed-other", { cpus: 1 }, failed(["x"], 10)),
      n("healthy", { cpus: 64 }),
      n("failed-long-ago", { cpus: 2 }, failed(["x"], 7200)),
    ];
    const ranked = rank(list, { seed: "agent", states: ["available"], failures: { now, avoidFailedS: 3600 } }).map(
      (e) => e.node.uuid,
    );
    expect(ranked).toEqual(["failed-long-ago", "healthy", "failed-other", "failed-me"]);
    // without the policy (tools that do not care) the record is ignored
    expect(order(list)).toEqual(["failed-me", "failed-other", "failed-long-ago", "healthy"]);
  });

  it("prefers available over manageable, and unlocked over locked nodes of the same size", () => {
    const list = [
      n("m", {}, { provision_state: "manageable" }),
      n("locked", {}, { reservation: "conductor-1" }),
      n("a"),
    ];
    expect(order(list, "s", ["available", "manageable"])).toEqual(["a", "locked", "m"]);
  });

  it("is deterministic for a seed (a retry walks the same order)", () => {
    const list = Array.from({ length: 20 }, (_, i) => n(`node-${i}`));
    expect(order(list, "agent-1")).toEqual(order([...list].reverse(), "agent-1"));
  });

  it("spreads equal servers: different agent_ids pick different first nodes", () => {
    const list = Array.from({ length: 20 }, (_, i) => n(`node-${i}`));
    const firsts = new Set(Array.from({ length: 200 }, (_, i) => order(list, `agent-${i}`)[0]));
    expect(firsts.size).toBeGreaterThanOrEqual(18); // ~uniform over 20 nodes
  });

  it("hash32 is a stable 32-bit value", () => {
    expect(hash32("a/b")).toBe(hash32("a/b"));
    fc.assert(fc.property(fc.string(), (s) => Number.isInteger(hash32(s)) && hash32(s) >= 0 && hash32(s) < 2 ** 32));
  });
});
