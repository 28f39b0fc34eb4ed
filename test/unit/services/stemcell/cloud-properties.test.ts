import { describe, expect, it } from "vitest";
import { CpiError } from "../../../../src/protocol/errors.ts";
import {
  parseImageChecksum,
  parseStemcellCloudProperties,
} from "../../../../src/services/stemcell/cloud-properties.ts";

describe("stemcell cloud_properties", () => {
  it("accepts what stemcell.MF holds, unknown keys included (stemcell.MF grows)", () => {
    const mf = {
      name: "bosh-openstack-kvm-ubuntu-jammy-go_agent",
      version: "1.404",
      infrastructure: "openstack",
      hypervisor: "kvm",
      disk: 5120,
      disk_format: "qcow2",
      container_format: "bare",
      os_type: "linux",
      os_distro: "ubuntu",
      architecture: "x86_64",
      auto_disk_config: true,
      new_key: [1],
    };
    expect(parseStemcellCloudProperties(mf)).toMatchObject({
      name: mf.name,
      version: "1.404",
      disk_format: "qcow2",
      new_key: [1],
    });
    expect(parseStemcellCloudProperties({})).toEqual({});
  });

  it("keeps a YAML-numeric version as text", () => {
    expect(parseStemcellCloudProperties({ version: 3262.12 }).version).toBe("3262.12");
  });

  it.each([
    [{ name: 5 }, /name/],
    [{ disk_format: "" }, /disk_format/],
    [{ image_url: "http://h/i.qcow2" }, /needs both image_url and image_checksum/],
    [{ image_checksum: "a".repeat(32) }, /needs both/],
    [{ image_url: "ftp://h/i", image_checksum: "a".repeat(32) }, /image_url: must be an http\(s\) URL/],
    [{ image_url: "http://h/i", image_checksum: "xyz" }, /image_checksum: must be a hex/],
    [{ image_url: "http://h/i", image_checksum: `md5:${"a".repeat(64)}` }, /does not match its algorithm/],
  ])("refuses %j with a CpiError naming the key", (props, message) => {
    expect(() => parseStemcellCloudProperties(props)).toThrow(CpiError);
    expect(() => parseStemcellCloudProperties(props)).toThrow(message);
  });

  it("reads image_checksum with or without an algorithm prefix", () => {
    expect(parseImageChecksum("A".repeat(32))).toEqual({ md5: "a".repeat(32) });
    expect(parseImageChecksum("b".repeat(64))).toEqual({ sha256: "b".repeat(64) });
    expect(parseImageChecksum(`sha512:${"c".repeat(128)}`)).toEqual({ sha512: "c".repeat(128) });
    expect(parseImageChecksum(`sha256:${"d".repeat(64)}`)).toEqual({ sha256: "d".repeat(64) });
  });
});
