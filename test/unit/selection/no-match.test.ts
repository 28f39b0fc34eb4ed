import { describe, expect, it } from "vitest";
import { noMatchMessage } from "../../../src/selection/no-match.ts";

describe("no free server", () => {
  it("says what was asked and how many nodes each filter rejected", () => {
    const msg = noMatchMessage(
      {
        claimUuid: "c",
        seed: "s",
        states: ["available", "manageable"],
        resourceClass: "rc",
        traits: ["CUSTOM_X"],
        properties: { cpus: 8 },
        diskCids: [],
      },
      {
        seen: 5,
        rejected: new Map([
          ["ironic_properties.cpus below 8", 3],
          ["claimed by another BOSH VM", 2],
        ]),
        elsewhere: new Map([["provision_state active", 7]]),
        lostRaces: 1,
      },
    );
    expect(msg).toBe(
      'no free Ironic node matches (provision_state=available|manageable, maintenance=false, resource_class=rc, traits=CUSTOM_X, ironic_properties={"cpus":8}); ' +
        "5 node(s) passed Ironic's filters; rejected: 3 ironic_properties.cpus below 8, 2 claimed by another BOSH VM; " +
        "outside the filters: 7 provision_state active; 1 claim(s) lost to concurrent create_vm calls",
    );
  });
});
