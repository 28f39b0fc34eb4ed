import { expect, test } from "vitest";
import { buildAgentSettings } from "../../../src/agent/settings.ts";

const base = {
  agentId: "agent-1",
  vmCid: "vm-1",
  agent: { mbus: "nats://10.0.0.6:4222", ntp: ["10.0.0.2"] },
  networks: {
    default: {
      type: "manual" as const,
      ip: "10.0.0.5",
      netmask: "255.255.255.0",
      mac: "52:54:00:00:00:01",
      use_dhcp: false,
    },
  },
  disks: { system: "/dev/sda" },
  env: { bosh: { password: "hash", mbus: { cert: { ca: "CA" } } }, persistent_disk_fs: "xfs" },
};

test("the full settings document (contract §4.4), key by key", () => {
  expect(buildAgentSettings(base)).toEqual({
    agent_id: "agent-1",
    vm: { name: "vm-1", id: "vm-1" },
    mbus: "nats://10.0.0.6:4222",
    ntp: ["10.0.0.2"],
    networks: base.networks,
    disks: { system: "/dev/sda", persistent: {} },
    env: base.env,
  });
});

test("blobstore only when configured; ephemeral and persistent hints when given", () => {
  const s = buildAgentSettings({
    ...base,
    agent: { ...base.agent, blobstore: { provider: "dav", options: { endpoint: "http://10.0.0.6:25250" } } },
    disks: {
      system: "/dev/sda",
      ephemeral: { path: "/dev/disk/by-id/wwn-0x1" },
      persistent: { "disk-1": { path: "/dev/disk/by-id/wwn-0x2" } },
    },
  });
  expect(s.blobstore).toEqual({ provider: "dav", options: { endpoint: "http://10.0.0.6:25250" } });
  expect(s.disks).toEqual({
    system: "/dev/sda",
    ephemeral: { path: "/dev/disk/by-id/wwn-0x1" },
    persistent: { "disk-1": { path: "/dev/disk/by-id/wwn-0x2" } },
  });
  expect("blobstore" in buildAgentSettings(base)).toBe(false);
  expect("ephemeral" in buildAgentSettings(base).disks).toBe(false);
});

test("env goes through verbatim, unknown keys and all", () => {
  const env = {
    bosh: { password: "x", unknown_future_key: [1, { a: null }] },
    persistent_disk_mount_options: ["noatime"],
  };
  expect(JSON.stringify(buildAgentSettings({ ...base, env }).env)).toBe(JSON.stringify(env));
});

test("the document's top-level key order is stable", () => {
  const s = buildAgentSettings({ ...base, agent: { ...base.agent, blobstore: {} } });
  expect(Object.keys(s)).toEqual(["agent_id", "vm", "mbus", "ntp", "blobstore", "networks", "disks", "env"]);
});
