import { expect, it } from "vitest";
import CalculateVmCloudProperties from "../../../actions/calculate_vm_cloud_properties.ts";
import { runVmAction } from "./vm-action-context.ts";

it("calculate_vm_cloud_properties answers an ironic_properties selector without building services", async () => {
  const { result, servicesBuilt } = await runVmAction(CalculateVmCloudProperties, [
    { cpu: 4, ram: 16384, ephemeral_disk_size: 51200 },
  ]);
  expect(result).toEqual({ ironic_properties: { cpus: 4, memory_mb: 16384, local_gb: 50 } });
  expect(servicesBuilt()).toBe(false);
});
