import { describe, expect, it } from "vitest";
import { IronicStateError } from "../../../../src/ironic/errors.ts";
import { enroll } from "../../../../src/services/pool/enroll.ts";
import { fakeIronic, vmDeps } from "../fake-ironic.ts";

const UUID = "00000000-0000-4000-8000-0000000000e1";
const MACS = ["52:54:00:00:00:e1", "52:54:00:00:00:e2"];
const RECORD = { agent_id: "agent-e", phase: "creating" as const };
const SETUP = { instanceInfo: { image_source: "http://store/sc/root.img" }, fields: {}, record: {} };

function enrolment(params: Record<string, unknown> = {}) {
  return {
    params: { driver: "redfish", uuid: UUID, inspect: false, ...params },
    macs: MACS,
    claim: "claim-e",
    record: RECORD,
    timeoutS: 3600,
    setup: SETUP,
  };
}

describe("enroll", () => {
  it("creates the node born claimed, one port per MAC (the first for PXE), and manages it", async () => {
    const fake = fakeIronic();
    const deps = vmDeps(fake);
    const owned: string[] = [];
    const node = await enroll(deps, enrolment({ name: "r2u01" }), (n) => owned.push(n.uuid));
    expect(owned).toEqual([UUID]);
    expect(node).toMatchObject({ uuid: UUID, provision_state: "manageable", instance_uuid: "claim-e" });
    expect(node.instance_info).toEqual(SETUP.instanceInfo);
    expect((node.extra as { bosh: { source: string; vm_cid: string } }).bosh).toMatchObject({
      source: "enrolled",
      vm_cid: "claim-e",
      agent_id: "agent-e",
    });
    expect(fake.ports.map((p) => [p.address, p.pxe_enabled])).toEqual([
      [MACS[0], true],
      [MACS[1], false],
    ]);
    expect(fake.calls.filter((c) => c.startsWith("PROVISION"))).toEqual([`PROVISION ${UUID} manage`]);
  });

  it("a BMC that refuses the credentials ends the enrolment with Ironic's reason at once, not at the deploy timeout", async () => {
    const fake = fakeIronic();
    const deps = vmDeps(fake);
    const reason = "Failed to get power state for node. Error: … returned code 401. Incorrect username or password";
    // the verification of `manage` fails on this server: Ironic puts it back into enroll with last_error
    fake.onCreate = (n) => ({ ...n, failVerify: reason });
    const err = await enroll(deps, enrolment(), () => undefined).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IronicStateError);
    expect(err).toMatchObject({ state: "enroll", lastError: reason });
  });
});
