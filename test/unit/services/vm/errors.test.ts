import { describe, expect, it } from "vitest";
import { IronicBadRequest, IronicNoConductor } from "../../../../src/ironic/errors.ts";
import { creationError } from "../../../../src/services/vm/errors.ts";

const init = (ironicMessage: string) => ({ status: 400, method: "PATCH", url: "http://i/v1/nodes/n", ironicMessage });

describe("creationError", () => {
  it("no live conductor for the node (NoValidHost) is retryable: it passes once a conductor is back", () => {
    const err = creationError(new IronicNoConductor(init('No valid host was found. Reason: …group "az1".')), []);
    expect(err).toMatchObject({ type: "Bosh::Clouds::VMCreationFailed", okToRetry: true });
    expect(err.message).toMatch(/no Ironic conductor serves the node now .*No valid host was found/);
  });

  it("any other 400 is bad input: not retryable", () => {
    const err = creationError(new IronicBadRequest(init("Invalid MAC")), []);
    expect(err).toMatchObject({ okToRetry: false });
  });

  it("after an incomplete rollback nothing is retryable", () => {
    const err = creationError(new IronicNoConductor(init("No valid host was found.")), ["release node n"]);
    expect(err).toMatchObject({ okToRetry: false });
    expect(err.message).toMatch(/rollback incomplete: release node n/);
  });
});
