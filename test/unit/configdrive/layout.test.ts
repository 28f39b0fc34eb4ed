import { describe, expect, test } from "vitest";
import {
  configDriveDirectories,
  configDriveFiles,
  OPENSTACK_VERSIONS,
  type ConfigDriveContent,
} from "../../../src/configdrive/index.ts";

const content: ConfigDriveContent = {
  instanceId: "vm-1",
  name: "r12-u07",
  hostname: "agent-1",
  publicKeys: ["ssh-ed25519 AAAA one", "ssh-rsa BBBB two"],
  userData: '{"agent_id":"agent-1","é":"ü"}',
  networkData: { links: [], networks: [], services: [] },
};
const text = (d: Uint8Array) => new TextDecoder().decode(d);
const files = (c: ConfigDriveContent = content) => new Map(configDriveFiles(c).map((f) => [f.path, f.data]));

describe("config-2 layout", () => {
  test("ec2/latest for the agent, and every file in every openstack version folder", () => {
    const paths = [...files().keys()];
    const expected = ["ec2/latest/meta-data.json", "ec2/latest/user-data"];
    for (const v of ["2012-08-10", "2015-10-15", "2016-06-30", "latest"])
      for (const f of ["meta_data.json", "network_data.json", "user_data", "vendor_data.json"])
        expected.push(`openstack/${v}/${f}`);
    expect(paths).toEqual([...expected].sort());
    expect(OPENSTACK_VERSIONS).toEqual(["2012-08-10", "2015-10-15", "2016-06-30", "latest"]);
    expect(configDriveDirectories()).toEqual([
      "ec2",
      "ec2/latest",
      "openstack",
      ...OPENSTACK_VERSIONS.map((v) => `openstack/${v}`),
    ]);
  });

  test("same bytes in every version folder; user-data is exactly the given string, UTF-8", () => {
    const f = files();
    for (const name of ["meta_data.json", "network_data.json", "user_data", "vendor_data.json"]) {
      const all = OPENSTACK_VERSIONS.map((v) => text(f.get(`openstack/${v}/${name}`)!));
      expect(new Set(all).size).toBe(1);
    }
    expect(text(f.get("ec2/latest/user-data")!)).toBe(content.userData);
    expect(text(f.get("openstack/latest/user_data")!)).toBe(content.userData);
    expect(JSON.parse(text(f.get("openstack/latest/vendor_data.json")!))).toEqual({});
    expect(JSON.parse(text(f.get("openstack/2016-06-30/network_data.json")!))).toEqual(content.networkData);
  });

  test("ec2 meta-data: instance-id, hostname, public-keys by index", () => {
    expect(JSON.parse(text(files().get("ec2/latest/meta-data.json")!))).toEqual({
      "instance-id": "vm-1",
      hostname: "agent-1",
      "public-keys": { "0": { "openssh-key": "ssh-ed25519 AAAA one" }, "1": { "openssh-key": "ssh-rsa BBBB two" } },
    });
  });

  test("ec2 meta-data always has public key 0, empty when none is configured (agent bootstrap needs it)", () => {
    const meta = JSON.parse(text(files({ ...content, publicKeys: [] }).get("ec2/latest/meta-data.json")!));
    expect(meta["public-keys"]).toEqual({ "0": { "openssh-key": "" } });
  });

  test("openstack meta_data", () => {
    expect(
      JSON.parse(text(files({ ...content, availabilityZone: "z1" }).get("openstack/latest/meta_data.json")!)),
    ).toEqual({
      uuid: "vm-1",
      name: "r12-u07",
      hostname: "agent-1",
      public_keys: { "0": "ssh-ed25519 AAAA one", "1": "ssh-rsa BBBB two" },
      launch_index: 0,
      availability_zone: "z1",
    });
    const none = JSON.parse(text(files({ ...content, publicKeys: [] }).get("openstack/latest/meta_data.json")!));
    expect(none.public_keys).toEqual({});
    expect("availability_zone" in none).toBe(false);
  });
});
