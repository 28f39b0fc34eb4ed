import fc from "fast-check";
import { isIP } from "node:net";
import { describe, expect, test } from "vitest";
import {
  formatIp,
  formatIpExpanded,
  inSubnet,
  maskOfPrefix,
  normalizeMac,
  parseIp,
  prefixOfMask,
} from "../../../src/network/address.ts";

// WHATWG URL serializes IPv6 hosts in RFC 5952 form: an oracle that shares no code with ours.
const canonicalByUrl = (s: string) => new URL(`http://[${s}]/`).hostname.slice(1, -1);
const v6 = (s: string) => {
  const ip = parseIp(s);
  if (!ip) throw new Error(`not parsed: ${s}`);
  return ip;
};

describe("parseIp / formatIp", () => {
  test.each([
    ["10.0.0.1", 4, "10.0.0.1"],
    ["0.0.0.0", 4, "0.0.0.0"],
    ["255.255.255.255", 4, "255.255.255.255"],
    ["2001:db8::10", 6, "2001:db8::10"],
    ["2001:0DB8:0000:0000:0000:0000:0000:0010", 6, "2001:db8::10"],
    ["::", 6, "::"],
    ["::1", 6, "::1"],
    ["1::", 6, "1::"],
    ["2001:db8:0:1:0:0:0:1", 6, "2001:db8:0:1::1"], // the longest zero run is compressed
    ["2001:0:0:1:0:0:0:1", 6, "2001:0:0:1::1"],
    ["2001:db8:0:1:1:1:1:1", 6, "2001:db8:0:1:1:1:1:1"], // a single zero group stays
    ["::ffff:10.0.0.1", 6, "::ffff:a00:1"],
  ])("%s", (text, family, canonical) => {
    const ip = v6(text);
    expect(ip.family).toBe(family);
    expect(formatIp(ip)).toBe(canonical);
    if (family === 6) expect(formatIp(ip)).toBe(canonicalByUrl(text));
  });

  test.each([
    "",
    "10.0.0",
    "10.0.0.256",
    "10.0.0.01",
    "1.2.3.4.5",
    "2001:db8::1::1",
    "2001:db8:1:2:3:4:5:6:7",
    "12345::",
    "g::1",
    "1:2:3:4:5:6:7",
    "::ffff:10.0.0.999",
    "fe80::1%eth0",
  ])("rejects %j", (text) => {
    expect(parseIp(text)).toBeUndefined();
  });

  test("agrees with node:net on what is an address", () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6(), fc.string({ maxLength: 20 })), (s) => {
        const mine = parseIp(s);
        const theirs = isIP(s);
        expect(mine?.family ?? 0).toBe(theirs);
      }),
      { numRuns: 2000 },
    );
  });

  test("IPv6 round trip and canonical form match the URL serializer", () => {
    fc.assert(
      fc.property(fc.ipV6(), (s) => {
        const ip = v6(s);
        expect(formatIp(ip)).toBe(canonicalByUrl(s));
        expect(parseIp(formatIp(ip))).toEqual(ip);
        expect(parseIp(formatIpExpanded(ip))).toEqual(ip);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("netmasks", () => {
  test.each([
    ["255.255.255.0", 24],
    ["255.255.254.0", 23],
    ["0.0.0.0", 0],
    ["255.255.255.255", 32],
    ["ffff:ffff:ffff:ffff::", 64],
    ["ffff:ffff:ffff:ffff:0000:0000:0000:0000", 64],
    ["ffff:ffff:ffff:ff80::", 57],
    ["::", 0],
  ])("%s is /%i", (mask, prefix) => {
    expect(prefixOfMask(v6(mask))).toBe(prefix);
  });

  test.each(["255.0.255.0", "255.255.255.1", "0.255.255.255", "ffff::ffff"])("%s is not contiguous", (mask) => {
    expect(prefixOfMask(v6(mask))).toBeUndefined();
  });

  test("maskOfPrefix inverts prefixOfMask for every length", () => {
    for (const family of [4, 6] as const)
      for (let p = 0; p <= (family === 4 ? 32 : 128); p++) expect(prefixOfMask(maskOfPrefix(family, p))).toBe(p);
    expect(formatIpExpanded(maskOfPrefix(6, 64))).toBe("ffff:ffff:ffff:ffff:0000:0000:0000:0000");
  });

  test("inSubnet", () => {
    expect(inSubnet(v6("10.0.0.200"), v6("10.0.0.10"), 24)).toBe(true);
    expect(inSubnet(v6("10.0.1.1"), v6("10.0.0.10"), 24)).toBe(false);
    expect(inSubnet(v6("2001:db8::1"), v6("2001:db8::10"), 64)).toBe(true);
    expect(inSubnet(v6("2001:db8:1::1"), v6("2001:db8::10"), 64)).toBe(false);
    expect(inSubnet(v6("10.0.0.1"), v6("::a00:1"), 0)).toBe(false); // families never mix
  });
});

test("normalizeMac lower-cases and rejects non-MACs", () => {
  expect(normalizeMac("52:54:00:AA:bb:0C")).toBe("52:54:00:aa:bb:0c");
  expect(normalizeMac("52-54-00-aa-bb-0c")).toBeUndefined();
  expect(normalizeMac("52:54:00:aa:bb")).toBeUndefined();
});
