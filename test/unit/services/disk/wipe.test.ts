// settleWipes: when is a requested wipe done? On Ironic with MySQL/MariaDB, provision_updated_at has whole
// seconds, so a cleaning that ends within the second of the request must still be recognised (and a
// transition from before the request never).
import { describe, expect, it } from "vitest";
import type { Node } from "../../../../src/ironic/node-schema.ts";
import { settleWipes } from "../../../../src/services/disk/wipe.ts";

const DEV = "/dev/disk/by-path/pci-0000:00:1f.2-ata-2";
const TAG = "pci-0000_00_1f_2-ata-2";
const node = (updated: string, dirty: Record<string, unknown>): Node =>
  ({
    uuid: "n1",
    provision_state: "available",
    maintenance: false,
    provision_updated_at: updated,
    extra: { bosh_dirty_devices: { [TAG]: { device: DEV, since: "2026-12-06T20:40:00Z", ...dirty } } },
  }) as Node;

describe("settleWipes", () => {
  const asked = { wipe_requested_at: "2026-12-06T20:44:20.019Z", wipe_requested_stamp: "2026-12-06T20:44:19+00:00" };

  it("whole seconds: a transition in the request's own second that changed the stamp confirms the wipe", () => {
    expect(settleWipes(node("2026-12-06T20:44:20+00:00", asked)).wiped).toEqual(new Set([DEV]));
  });

  it("an unchanged stamp, or one from before the request's second, confirms nothing", () => {
    expect(settleWipes(node("2026-12-06T20:44:19+00:00", asked)).wiped.size).toBe(0);
    const stale = { ...asked, wipe_requested_stamp: "2026-12-06T20:44:10+00:00" };
    expect(settleWipes(node("2026-12-06T20:44:19+00:00", stale)).wiped.size).toBe(0);
  });

  it("records without a stamp compare clocks, as before", () => {
    const old = { wipe_requested_at: "2026-12-06T20:44:20.019Z" };
    expect(settleWipes(node("2026-12-06T20:44:20.500000+00:00", old)).wiped).toEqual(new Set([DEV]));
    expect(settleWipes(node("2026-12-06T20:44:20+00:00", old)).wiped.size).toBe(0);
  });
});
