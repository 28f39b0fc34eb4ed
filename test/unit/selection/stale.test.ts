import { describe, expect, it } from "vitest";
import { isStale, isUnacknowledged, recordAgeMs } from "../../../src/selection/stale.ts";

const NOW = new Date("2026-11-21T12:00:00Z");
const policy = { now: NOW, deployTimeoutS: 100, deleteTimeoutS: 50, marginS: 10 };

describe("stale claims", () => {
  it("creating/deleting past their timeout + margin; created only when never acknowledged; reserved never", () => {
    const at = (s: number) => new Date(NOW.getTime() - s * 1000).toISOString();
    expect(isStale({ phase: "creating", updated_at: at(111) }, policy)).toBe(true);
    expect(isStale({ phase: "creating", updated_at: at(109) }, policy)).toBe(false);
    expect(isStale({ phase: "deleting", updated_at: at(61) }, policy)).toBe(true);
    expect(isStale({ phase: "created", updated_at: at(99999) }, policy)).toBe(false); // before created_at existed
    expect(isStale({ phase: "reserved", updated_at: at(99999) }, policy)).toBe(false);
    expect(isStale({ phase: "creating" }, policy)).toBe(false); // no timestamp: an operator must look
    expect(recordAgeMs({ phase: "creating", claimed_at: at(5) }, NOW)).toBe(5000);
  });

  it("a created VM no director acknowledged within the margin is stale; set_vm_metadata (or metadata of old) keeps it", () => {
    const at = (s: number) => new Date(NOW.getTime() - s * 1000).toISOString();
    expect(isStale({ phase: "created", created_at: at(11) }, policy)).toBe(true);
    expect(isUnacknowledged({ phase: "created", created_at: at(11) }, policy)).toBe(true);
    expect(isStale({ phase: "created", created_at: at(9) }, policy)).toBe(false);
    expect(isStale({ phase: "created", created_at: at(11), acknowledged_at: at(10) }, policy)).toBe(false);
    expect(isStale({ phase: "created", created_at: at(11), metadata: { deployment: "cf" } }, policy)).toBe(false);
    expect(isStale({ phase: "created", created_at: "garbage" }, policy)).toBe(false);
  });
});
