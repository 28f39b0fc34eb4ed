// A valid minimal CPI configuration for tests that do not talk to real servers.
import type { ConfigInput } from "../../src/config/schema.ts";

export function testConfig(overrides: Partial<ConfigInput> = {}): ConfigInput {
  return {
    ironic: { url: "http://127.0.0.1:9" },
    stemcell_store: { url: "http://127.0.0.1:9/", username: "cpi", password: "store-pass-123" },
    agent: { mbus: "nats://nats:mbus-pass-456@10.0.0.6:4222" },
    // every VM needs one (devices/ephemeral.ts); tests of the other sources override disks
    disks: { ephemeral_device: "/dev/disk/by-path/pci-0000:00:1f.2-ata-2" },
    ...overrides,
  };
}
