import { describe, expect, it } from "vitest";
import CreateVm from "../../../actions/create_vm.ts";
import { VmCreationFailed } from "../../../src/protocol/errors.ts";
import { runVmAction } from "./vm-action-context.ts";

const args = ["agent-1", "sc-1", { resource_class: "x" }, { default: { type: "dynamic" } }, null, null];
const created = { vmCid: "node-1", networks: { default: { type: "dynamic", mac: "52:54:00:00:00:01" } } };

describe("create_vm", () => {
  it("v2: [vm_cid, networks with mac]; passes context and defaults null disk_cids/env", async () => {
    const { result, calls } = await runVmAction(CreateVm, args, { create: created });
    expect(result).toEqual(["node-1", created.networks]);
    expect(calls).toEqual([
      [
        "create",
        {
          agentId: "agent-1",
          stemcellCid: "sc-1",
          cloudProperties: { resource_class: "x" },
          networks: { default: { type: "dynamic" } },
          diskCids: [],
          env: {},
          stemcellApiVersion: 2,
          directorUuid: "dir",
        },
      ],
    ]);
  });
  it("v1: the vm_cid", async () => {
    expect((await runVmAction(CreateVm, args, { create: created }, { apiVersion: 1 })).result).toBe("node-1");
  });
  it("lets VMCreationFailed through unchanged", async () => {
    await expect(runVmAction(CreateVm, args, { create: new VmCreationFailed("x", true) })).rejects.toMatchObject({
      okToRetry: true,
    });
  });
});
