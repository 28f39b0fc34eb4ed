import { describe, expect, test } from "vitest";
import { add, addAll, patchApplied, pointer, remove, replace } from "../../../src/ironic/patch.ts";

test("RFC 6901 escaping: ~ before /", () => {
  expect(pointer("extra", "a/b")).toBe("/extra/a~1b");
  expect(pointer("extra", "x~y")).toBe("/extra/x~0y");
  expect(pointer("extra", "~1")).toBe("/extra/~01");
  expect(pointer("properties", "capabilities", 0)).toBe("/properties/capabilities/0");
  expect(() => pointer()).toThrow(RangeError);
});

test("builders", () => {
  expect(add(["instance_uuid"], "i-1")).toEqual({ op: "add", path: "/instance_uuid", value: "i-1" });
  expect(replace("/instance_info/root_gb", 10)).toEqual({ op: "replace", path: "/instance_info/root_gb", value: 10 });
  expect(remove(["extra", "bosh/vm"])).toEqual({ op: "remove", path: "/extra/bosh~1vm" });
  expect(addAll(["extra"], { a: 1, "b/c": { d: 2 } })).toEqual([
    { op: "add", path: "/extra/a", value: 1 },
    { op: "add", path: "/extra/b~1c", value: { d: 2 } },
  ]);
});

describe("patchApplied", () => {
  const node = {
    instance_uuid: null,
    automated_clean: false,
    extra: { bosh: { phase: "created" }, "a/b": 1 },
    instance_info: { image_source: "http://x" },
  };
  test("adds and replaces are applied when the values are there, deep-equal", () => {
    expect(
      patchApplied(node, [
        add("/extra/bosh", { phase: "created" }),
        replace("/automated_clean", false),
        add(["extra", "a/b"], 1),
      ]),
    ).toBe(true);
    expect(patchApplied(node, [add("/extra/bosh", { phase: "creating" })])).toBe(false);
    expect(patchApplied(node, [add("/instance_info/image_checksum", "abc")])).toBe(false);
  });
  test("removes are applied when the member is gone (a scalar field reads null)", () => {
    expect(patchApplied(node, [remove("/instance_uuid"), remove("/extra/nope")])).toBe(true);
    expect(patchApplied(node, [remove("/extra/bosh")])).toBe(false);
  });
  test("an array append cannot be checked, so it counts as not applied", () => {
    expect(patchApplied({ traits: ["A"] }, [add("/traits/-", "A")])).toBe(false);
  });
});
