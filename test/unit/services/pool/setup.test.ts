import { describe, expect, it } from "vitest";
import { Config } from "../../../../src/config/schema.ts";
import { instanceInfo, nodeSetup, setupOps } from "../../../../src/services/pool/setup.ts";
import { parseVmCloudProperties } from "../../../../src/services/vm/cloud-properties.ts";
import { testConfig } from "../../../support/config.ts";

const image = { imageUrl: "http://s/i", checksums: { sha256: "a".repeat(64), md5: "b".repeat(32) }, diskFormat: "raw" };

describe("instance_info", () => {
  it("strongest hash as image_os_hash_*, md5 as image_checksum, root hints and boot mode", () => {
    expect(instanceInfo(image, { root_device: { wwn: "0x1" }, boot_mode: "uefi" })).toEqual({
      image_source: "http://s/i",
      image_disk_format: "raw",
      image_os_hash_algo: "sha256",
      image_os_hash_value: "a".repeat(64),
      image_checksum: "b".repeat(32),
      root_device: { wwn: "0x1" },
      capabilities: { boot_mode: "uefi" },
    });
    expect(instanceInfo({ imageUrl: "u", checksums: { sha512: "c".repeat(128) }, diskFormat: undefined }, {})).toEqual({
      image_source: "u",
      image_os_hash_algo: "sha512",
      image_os_hash_value: "c".repeat(128),
    });
  });
});

describe("the claim's node setup", () => {
  const config = Config.parse({ ...testConfig(), automated_clean: true });
  it("sets automated_clean (vm_type over config) and remembers the previous value once", () => {
    const props = parseVmCloudProperties({ resource_class: "x" });
    const s = nodeSetup({ automated_clean: null, extra: {} }, image, props, { config, automatedCleanSupported: true });
    expect(s.fields).toEqual({ automated_clean: true });
    expect(s.record).toEqual({ restore: { automated_clean: null } });
    expect(setupOps(s).map((o) => o.path)).toContain("/automated_clean");
    const off = nodeSetup(
      { automated_clean: true, extra: { bosh: { restore: { automated_clean: null } } } },
      image,
      parseVmCloudProperties({ resource_class: "x", automated_clean: false }),
      { config, automatedCleanSupported: true },
    );
    expect(off.record).toEqual({ restore: { automated_clean: null } });
  });
  it("changes nothing when the node already has the wanted value or the setting is null", () => {
    const props = parseVmCloudProperties({ resource_class: "x" });
    expect(
      nodeSetup({ automated_clean: true, extra: {} }, image, props, { config, automatedCleanSupported: true }).fields,
    ).toEqual({});
    const dflt = Config.parse(testConfig());
    expect(
      nodeSetup({ automated_clean: false, extra: {} }, image, props, { config: dflt, automatedCleanSupported: true })
        .fields,
    ).toEqual({});
  });
});
