import { describe, expect, test } from "vitest";
import * as E from "../../../src/ironic/faults.ts";
import { fixture } from "./fake-ironic-server.ts";

const raw = (name: string) => JSON.stringify(fixture(name));

describe("decodeIronicFault", () => {
  test("faultstring inside the JSON string of error_message", () => {
    expect(E.decodeIronicFault(raw("error-404-node.json"))).toEqual({
      message: "Node does-not-exist could not be found.",
      faultcode: "Client",
    });
  });

  test("406 inner shape {code, title, description}", () => {
    const fault = E.decodeIronicFault(raw("error-406-version.json"));
    expect(fault.message).toMatch(/^Version 1\.99 was requested but .* \[1\.1, 1\.82\]\.$/);
    expect(fault.faultcode).toBe("Not Acceptable");
  });

  test("non-JSON bodies (a proxy's HTML page) become trimmed text", () => {
    const html = fixture<string>("error-502-proxy.html");
    expect(E.decodeIronicFault(html).message).toMatch(/^<html>[\s\S]*502 Bad Gateway[\s\S]*<\/html>$/);
  });

  test("error_message that is not JSON, or already an object, or empty bodies", () => {
    expect(E.decodeIronicFault('{"error_message": "plain words"}')).toEqual({ message: "plain words" });
    expect(E.decodeIronicFault('{"error_message": {"faultstring": "obj", "faultcode": "Server"}}')).toEqual({
      message: "obj",
      faultcode: "Server",
    });
    expect(E.decodeIronicFault("")).toEqual({ message: "" });
    expect(E.decodeIronicFault("[1,2]")).toEqual({ message: "[1,2]" });
  });
});

describe("classifyConflict", () => {
  test.each([
    ["error-409-locked.json", "locked"],
    ["error-409-associated.json", "associated"],
    ["error-409-duplicate-mac.json", "other"],
  ] as const)("%s → %s", (file, kind) => {
    expect(E.classifyConflict(E.decodeIronicFault(raw(file)).message)).toBe(kind);
  });
});
