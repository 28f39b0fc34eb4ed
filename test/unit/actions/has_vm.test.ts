import { expect, it } from "vitest";
import HasVm from "../../../actions/has_vm.ts";
import { runVmAction } from "./vm-action-context.ts";

it("has_vm answers the service's boolean", async () => {
  expect((await runVmAction(HasVm, ["vm-1"], { has: true })).result).toBe(true);
  expect((await runVmAction(HasVm, ["vm-1"], { has: false })).result).toBe(false);
});
