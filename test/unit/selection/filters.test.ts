import { describe, expect, it } from "vitest";
import { type CandidateNode, evaluate, judge } from "../../../src/selection/filters.ts";
import type { SelectionRequest, StalePolicy } from "../../../src/selection/request.ts";

const NOW = new Date("2026-11-21T12:00:00Z");
const policy: StalePolicy = { now: NOW, deployTimeoutS: 3600, deleteTimeoutS: 1800, marginS: 600 };
const req = (over: Partial<SelectionRequest> = {}): SelectionRequest => ({
  claimUuid: "c-ours",
  seed: "agent",
  states: ["available"],
  diskCids: [],
  ...over,
});
const node = (over: Partial<CandidateNode> = {}): CandidateNode => ({
  uuid: `n-${Math.random()}`,
  provision_state: "available",
  maintenance: false,
  instance_uuid: null,
  extra: {},
  properties: {},
  ...over,
});
const ago = (s: number) => new Date(NOW.getTime() - s * 1000).toISOString();

describe("judge", () => {
  it("takes a free node that matches", () => {
    expect(judge(node(), req(), policy)).toEqual({ ok: true, how: "free" });
  });

  it("recognises our own claim first, whatever its state", () => {
    expect(judge(node({ instance_uuid: "c-ours", provision_state: "active" }), req(), policy)).toEqual({
      ok: true,
      how: "ours",
    });
  });

  it("checks hardware before claim status", () => {
    expect(
      judge(node({ instance_uuid: "x", properties: { cpus: 1 } }), req({ properties: { cpus: 2 } }), policy),
    ).toEqual({ ok: false, reason: "ironic_properties.cpus below 2" });
  });

  it.each([
    [{ maintenance: true }, {}, "in maintenance"],
    [{ provision_state: "manageable" }, {}, "provision_state manageable"],
    [{ resource_class: "small" }, { resourceClass: "large" }, "other resource_class"],
    [{ conductor_group: "dc2" }, { conductorGroup: "dc1" }, "other conductor_group"],
    [{ traits: ["CUSTOM_A"] }, { traits: ["CUSTOM_A", "CUSTOM_B"] }, "missing trait CUSTOM_B"],
    [{ instance_uuid: "someone" }, {}, "claimed by another instance"],
    [
      { instance_uuid: "vm2", extra: { bosh: { phase: "created", claimed_at: ago(10) } } },
      {},
      "claimed by another BOSH VM",
    ],
    [
      { instance_uuid: "vm2", extra: { bosh: { phase: "creating", claimed_at: ago(10) } } },
      {},
      "claimed by another BOSH VM",
    ],
    [{ extra: { bosh: { phase: "deleting", updated_at: ago(10) } } }, {}, "being deleted by BOSH"],
    [{ extra: { bosh_disks: { d1: { state: "live" } } } }, {}, "holds persistent disks of another VM"],
    [
      { instance_uuid: "r", extra: { bosh: { phase: "reserved", reservation: "disk", disk_cids: ["d9"] } } },
      {},
      "reserved for persistent disks",
    ],
  ] as const)("rejects %j for %j: %s", (n, r, reason) => {
    expect(judge(node(n as Partial<CandidateNode>), req(r as Partial<SelectionRequest>), policy)).toEqual({
      ok: false,
      reason,
    });
  });

  it("accepts a node holding exactly the disks this VM names, and takes over its disk reservation", () => {
    const extra = {
      bosh_disks: { d1: { state: "live" }, old: { state: "dirty" } },
      bosh: { phase: "reserved", reservation: "disk", disk_cids: ["d1"] },
    };
    expect(judge(node({ instance_uuid: "r", extra }), req({ diskCids: ["d1"] }), policy)).toEqual({
      ok: true,
      how: "takeover",
    });
  });

  it("a creating claim past deploy_timeout + margin is stale; the record's own deploy_timeout wins", () => {
    const stale = node({
      instance_uuid: "dead",
      extra: { bosh: { phase: "creating", claimed_at: ago(4300), updated_at: ago(4300) } },
    });
    expect(judge(stale, req(), policy)).toEqual({ ok: true, how: "stale" });
    const short = node({
      instance_uuid: "dead",
      extra: { bosh: { phase: "creating", updated_at: ago(700), deploy_timeout: 60 } },
    });
    expect(judge(short, req(), policy)).toEqual({ ok: true, how: "stale" });
  });

  it("a deleting record without a claim is free once stale", () => {
    expect(judge(node({ extra: { bosh: { phase: "deleting", updated_at: ago(3000) } } }), req(), policy)).toEqual({
      ok: true,
      how: "free",
    });
  });
});

describe("evaluate", () => {
  it("counts rejections per reason and ignores duplicates", () => {
    const a = node({ uuid: "a" });
    const ev = evaluate(
      [a, a, node({ maintenance: true }), node({ maintenance: true }), node({ provision_state: "active" })],
      req(),
      policy,
    );
    expect(ev.seen).toBe(4);
    expect(ev.eligible.map((e) => e.node.uuid)).toEqual(["a"]);
    expect(Object.fromEntries(ev.rejected)).toEqual({ "in maintenance": 2, "provision_state active": 1 });
  });
});
