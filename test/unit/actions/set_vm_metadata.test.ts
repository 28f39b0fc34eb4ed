import { expect, it } from "vitest";
import SetVmMetadata from "../../../actions/set_vm_metadata.ts";
import { runVmAction } from "./vm-action-context.ts";

it("set_vm_metadata hands the metadata to the service and answers null", async () => {
  const meta = { deployment: "cf", instance_group: "router", index: "0" };
  const { result, calls } = await runVmAction(SetVmMetadata, ["vm-1", meta]);
  expect(result).toBeNull();
  expect(calls).toEqual([["setMetadata", "vm-1", meta]]);
});
