import { describe, expect, it } from "vitest";
import { authorized, parseBasicAuth } from "../../../src/registry/auth.ts";

const basic = (s: string) => `Basic ${Buffer.from(s).toString("base64")}`;
const EXPECTED = { username: "registry", password: "p:ss wörd" };

describe("registry basic auth", () => {
  it("parses user:password (the password may hold ':')", () => {
    expect(parseBasicAuth(basic("registry:p:ss wörd"))).toEqual(EXPECTED);
    expect(parseBasicAuth(`basic ${Buffer.from("u:").toString("base64")}`)).toEqual({ username: "u", password: "" });
    expect(parseBasicAuth(undefined)).toBeUndefined();
    expect(parseBasicAuth("Bearer abc")).toBeUndefined();
    expect(parseBasicAuth(basic("no-colon"))).toBeUndefined();
  });

  it("accepts only the exact pair", () => {
    expect(authorized(basic("registry:p:ss wörd"), EXPECTED)).toBe(true);
    for (const wrong of [
      "registry:p:ss word",
      "Registry:p:ss wörd",
      "registry:",
      ":p:ss wörd",
      "registry:p:ss wörd ",
    ]) {
      expect(authorized(basic(wrong), EXPECTED)).toBe(false);
    }
    expect(authorized(undefined, EXPECTED)).toBe(false);
  });
});
