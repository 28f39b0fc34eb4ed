import { expect, it } from "vitest";
import RebootVm from "../../../actions/reboot_vm.ts";
import { VmNotFound } from "../../../src/protocol/errors.ts";
import { runVmAction } from "./vm-action-context.ts";

it("reboot_vm reboots through the service; VMNotFound passes through", async () => {
  const { result, calls } = await runVmAction(RebootVm, ["vm-1"]);
  expect(result).toBeNull();
  expect(calls).toEqual([["reboot", "vm-1"]]);
  await expect(runVmAction(RebootVm, ["vm-1"], { reboot: new VmNotFound("gone") })).rejects.toBeInstanceOf(VmNotFound);
});
