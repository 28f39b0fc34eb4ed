import { describe, expect, it } from "vitest";
import { Config } from "../../../../src/config/schema.ts";
import { CpiError } from "../../../../src/protocol/errors.ts";
import type { CreateVmInput } from "../../../../src/services/vm/create.ts";
import { precheckCreateVm } from "../../../../src/services/vm/precheck.ts";
import { testConfig } from "../../../support/config.ts";

const config = Config.parse(testConfig());
const input = (over: Partial<CreateVmInput>): CreateVmInput => ({
  agentId: "a",
  stemcellCid: "s",
  cloudProperties: { resource_class: "x" },
  networks: { default: { type: "dynamic" } },
  diskCids: [],
  env: {},
  stemcellApiVersion: 2,
  ...over,
});

describe("create_vm's checks before anything is sent", () => {
  it("accepts a valid request and answers the parsed vm_type", () => {
    expect(precheckCreateVm(config, input({})).resource_class).toBe("x");
  });

  it("refuses networks the config drive could never be built for, as CpiError", () => {
    const bad = { default: { type: "manual" as const, ip: "10.0.0.5", netmask: "255.0.255.0", gateway: "10.0.0.1" } };
    expect(() => precheckCreateVm(config, input({ networks: bad }))).toThrow(CpiError);
    expect(() =>
      precheckCreateVm(config, input({ networks: { a: { type: "dynamic", cloud_properties: { vlan: 5000 } } } })),
    ).toThrow(/invalid networks/);
  });

  it("leaves what only the real server can decide (a pinned MAC) for after the claim", () => {
    const pinned = { default: { type: "dynamic" as const, cloud_properties: { mac: "52:54:00:aa:bb:cc" } } };
    expect(precheckCreateVm(config, input({ networks: pinned })).resource_class).toBe("x");
  });

  it("refuses a stemcell that needs a registry the CPI does not have", () => {
    expect(() => precheckCreateVm(config, input({ stemcellApiVersion: undefined }))).toThrow(/registry/);
  });
});
