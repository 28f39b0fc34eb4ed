import { describe, expect, test } from "vitest";
import { chooseUserData, registryPointer, UserDataError } from "../../../src/agent/user-data.ts";

const EP = "http://registry:pw@10.0.0.6:25777";
const STORE = { url: "https://webdav.example/registry-store/", insecure: false, request_timeout: 300, retries: 4 };

describe("chooseUserData", () => {
  test.each([
    // [stemcell api_version, mode, endpoint, expected kind]
    [3, "auto", EP, "settings"],
    [2, "auto", undefined, "settings"],
    [1, "auto", EP, "registry"],
    [undefined, "auto", EP, "registry"], // the director omits the version for v1 stemcells
    [1, "never", undefined, "settings"], // agents >= 2.478 read full settings and have no registry client
    [undefined, "never", EP, "settings"],
    [3, "always", EP, "registry"],
    [1, "always", EP, "registry"],
  ] as const)("api_version %s, mode %s, endpoint %s -> %s", (version, mode, endpoint, kind) => {
    expect(chooseUserData(version, { mode, store: STORE, ...(endpoint ? { endpoint } : {}) }).kind).toBe(kind);
  });

  test.each([
    [1, "auto", /stemcell api_version 1 < 2, so the agent needs a registry, but registry.endpoint is not configured/],
    [undefined, "auto", /stemcell api_version \(none\) < 2/],
    [3, "always", /registry.mode is always/],
  ] as const)("registry needed without an endpoint (%s, %s) is an error", (version, mode, message) => {
    expect(() => chooseUserData(version, { mode })).toThrow(UserDataError);
    expect(() => chooseUserData(version, { mode })).toThrow(message);
  });

  test("registry needed without a registry store is an error naming registry.store", () => {
    expect(() => chooseUserData(1, { mode: "auto", endpoint: EP })).toThrow(
      /stemcell api_version 1 < 2, so the agent needs a registry, but registry.store .* is not configured/,
    );
    expect(chooseUserData(2, { mode: "auto", endpoint: EP }).kind).toBe("settings"); // v2 never needs it
  });

  test("the reason is given for the log", () => {
    expect(chooseUserData(2, { mode: "auto" }).reason).toBe("stemcell api_version 2 >= 2");
  });
});

test("registry pointer (2016 CPI user-data); dns only with nameservers", () => {
  const networks = { default: { type: "manual" as const, ip: "10.0.0.5", mac: "52:54:00:00:00:01" } };
  expect(registryPointer("vm-1", EP, ["10.0.0.2"], networks)).toEqual({
    server: { name: "vm-1" },
    registry: { endpoint: EP },
    dns: { nameserver: ["10.0.0.2"] },
    networks,
  });
  expect(registryPointer("vm-1", EP, [], networks)).toEqual({
    server: { name: "vm-1" },
    registry: { endpoint: EP },
    networks,
  });
});
