import { describe, expect, test } from "vitest";
import * as E from "../../../src/ironic/errors.ts";
import { toIronicError } from "../../../src/ironic/transport.ts";
import { fixture } from "./fake-ironic-server.ts";

const raw = (name: string) => JSON.stringify(fixture(name));

describe("toIronicError (status → class)", () => {
  const url = "http://127.0.0.1:6385/v1/nodes/x";
  test.each([
    [400, "error-400-bad-mac.json", E.IronicBadRequest],
    [400, "error-400-no-valid-host.json", E.IronicNoConductor],
    [404, "error-404-node.json", E.IronicNotFound],
    [406, "error-406-version.json", E.IronicNotAcceptable],
    [409, "error-409-duplicate-mac.json", E.IronicConflict],
    [409, "error-409-locked.json", E.IronicNodeLocked],
    [409, "error-409-associated.json", E.IronicNodeAssociated],
    [500, "error-500-fields-allocation-uuid.json", E.IronicHttpError],
  ] as const)("%i %s", (status, file, cls) => {
    const err = toIronicError(status, "GET", url, raw(file));
    expect(err).toBeInstanceOf(cls);
    expect(err).toBeInstanceOf(E.IronicHttpError);
    expect(err).toBeInstanceOf(E.IronicError);
    expect(err.constructor).toBe(cls);
    expect(err.status).toBe(status);
    expect(err.message).toContain(`GET ${url} failed with HTTP ${status}: ${err.ironicMessage}`);
  });

  test("locked and associated are conflicts, but not each other", () => {
    const locked = toIronicError(409, "PATCH", "u", raw("error-409-locked.json"));
    expect(locked).toBeInstanceOf(E.IronicConflict);
    expect(locked).not.toBeInstanceOf(E.IronicNodeAssociated);
    expect(locked.name).toBe("IronicNodeLocked");
  });

  test("messages of the typed errors name feature, state and versions", () => {
    expect(new E.IronicUnsupportedFeature("network_data", "1.66", "1.65").message).toBe(
      'Ironic feature "network_data" needs API microversion 1.66, but 1.65 was negotiated with this server',
    );
    expect(new E.IronicStateError("node n1", "deploy failed", "boom").message).toBe(
      'Ironic node n1 entered state "deploy failed": boom',
    );
  });
});
