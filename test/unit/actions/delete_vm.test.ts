import { expect, it } from "vitest";
import DeleteVm from "../../../actions/delete_vm.ts";
import { runVmAction } from "./vm-action-context.ts";

it("delete_vm deletes through the VM service and answers null", async () => {
  const { result, calls } = await runVmAction(DeleteVm, ["11111111-2222-4333-8444-555555555555"]);
  expect(result).toBeNull();
  expect(calls).toEqual([["delete", "11111111-2222-4333-8444-555555555555"]]);
});
