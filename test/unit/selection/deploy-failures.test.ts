import { describe, expect, it } from "vitest";
import {
  deployFailures,
  failureTier,
  maintenanceReason,
  nextFailures,
} from "../../../src/selection/deploy-failures.ts";

const at = new Date("2026-11-21T12:00:00Z");

describe("deploy failure records", () => {
  it("count consecutive failures, keep the last five agent_ids (a retry moves to the end), truncate the error", () => {
    let rec = nextFailures(undefined, { agentId: "a", error: "x".repeat(900), at });
    expect(rec).toMatchObject({ count: 1, last_at: at.toISOString(), agent_ids: ["a"] });
    expect(rec.last_error).toHaveLength(500);
    for (const id of ["b", "c", "d", "e", "f", "b"])
      rec = nextFailures(rec, { agentId: id, error: "deploy failed", at });
    expect(rec.count).toBe(7);
    expect(rec.agent_ids).toEqual(["c", "d", "e", "f", "b"]);
  });

  it("a node without a record, or with a garbled one, is healthy", () => {
    const policy = { now: at, avoidFailedS: 60 };
    expect(failureTier({ extra: {} }, "a", policy)).toBe(0);
    expect(deployFailures({ extra: { bosh_deploy_failures: "junk" } })).toBeUndefined();
    expect(failureTier({ extra: { bosh_deploy_failures: "junk" } }, "a", policy)).toBe(0);
  });

  it("maintenance once the count reaches the threshold, never with 0; the reason says how to bring the server back", () => {
    const rec = { count: 3, last_at: at.toISOString(), last_error: "deploy failed: no callback", agent_ids: [] };
    expect(maintenanceReason({ ...rec, count: 2 }, 3)).toBeUndefined();
    expect(maintenanceReason(rec, 0)).toBeUndefined();
    expect(maintenanceReason(rec, 3)).toMatch(
      /^bosh: 3 consecutive failed deploys, last 2026-11-21T12:00:00.000Z: deploy failed: no callback\. When fixed: baremetal node maintenance unset; baremetal node unset --extra bosh_deploy_failures$/,
    );
  });
});
