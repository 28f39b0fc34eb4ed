import { describe, expect, it } from "vitest";
import { boshRecord, holdsVm, liveDisks } from "../../../src/selection/node-record.ts";

describe("node records", () => {
  it("parse extra.bosh leniently and extra.bosh_disks' live disks", () => {
    const node = {
      uuid: "n",
      instance_uuid: "c",
      extra: {
        bosh: { phase: "created", future_key: 1 },
        bosh_disks: { b: { state: "live" }, a: {}, z: { state: "dirty" } },
      },
    };
    expect(boshRecord(node)).toMatchObject({ phase: "created", future_key: 1 });
    expect(liveDisks(node)).toEqual(["a", "b"]);
    expect(holdsVm(node)).toBe(true);
    expect(holdsVm({ ...node, instance_uuid: null })).toBe(false);
    expect(boshRecord({ uuid: "n", extra: { bosh: "garbage" } })).toBeUndefined();
    expect(holdsVm({ uuid: "n", instance_uuid: "r", extra: { bosh: { phase: "reserved" } } })).toBe(false);
  });
});
