import { describe, expect, it } from "vitest";
import { Cid } from "../../../src/protocol/shapes.ts";
import { LEGACY_CID, legacyObjectNames, parseLegacyMeta } from "../../../src/stemcell/legacy.ts";

describe("stemcells of the 2016 CPI", () => {
  it("recognises their CIDs, which are valid CIDs", () => {
    expect(LEGACY_CID.test("stemcell_ubuntu-x86_64-3262.12")).toBe(true);
    expect(Cid.safeParse("stemcell_ubuntu-x86_64-3262.12").success).toBe(true);
    expect(LEGACY_CID.test("stemcell-6b1f7a2e-0c5d-4d0e-9a53-6c1e2a3b4c5d")).toBe(false);
    expect(legacyObjectNames("stemcell_u-x-1")).toEqual({ image: "stemcell_u-x-1.qcow2", meta: "stemcell_u-x-1.meta" });
  });

  it("reads the md5sum-style .meta", () => {
    expect(parseLegacyMeta("D41D8CD98F00B204E9800998ECF8427E bosh-openstack-kvm-ubuntu-trusty-go_agent\n")).toEqual({
      md5: "d41d8cd98f00b204e9800998ecf8427e",
      name: "bosh-openstack-kvm-ubuntu-trusty-go_agent",
    });
    expect(parseLegacyMeta("d41d8cd98f00b204e9800998ecf8427e\n")).toEqual({ md5: "d41d8cd98f00b204e9800998ecf8427e" });
    expect(parseLegacyMeta("not a checksum")).toBeUndefined();
  });
});
