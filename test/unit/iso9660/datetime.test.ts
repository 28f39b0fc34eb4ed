import { describe, expect, it } from "vitest";
import { checkDate, recordDate, unspecifiedVolumeDate, volumeDate } from "../../../src/iso9660/datetime.ts";
import { IsoLimitError } from "../../../src/iso9660/index.ts";

const ascii = (b: Uint8Array) => String.fromCharCode(...b);

describe("ECMA-119 dates", () => {
  const d = new Date("2026-11-21T15:58:09.478Z");

  it("encodes the 17-byte volume date in UTC (8.4.26.1), centiseconds truncated", () => {
    const v = volumeDate(d);
    expect(v).toHaveLength(17);
    expect(ascii(v.subarray(0, 16))).toBe("2026112115580947");
    expect(v[16]).toBe(0);
  });

  it("encodes the 7-byte record date in UTC (9.1.5)", () => {
    expect([...recordDate(d)]).toEqual([126, 11, 21, 15, 58, 9, 0]);
    expect([...recordDate(new Date("1900-01-01T00:00:00Z"))]).toEqual([0, 1, 1, 0, 0, 0, 0]);
    expect([...recordDate(new Date("2155-12-31T23:59:59.999Z"))]).toEqual([255, 12, 31, 23, 59, 59, 0]);
  });

  it("uses UTC whatever the process time zone is", () => {
    const before = process.env.TZ;
    try {
      process.env.TZ = "Pacific/Kiritimati"; // UTC+14: a local-time bug would show a different day
      expect(ascii(volumeDate(d).subarray(0, 16))).toBe("2026112115580947");
      expect([...recordDate(d)]).toEqual([126, 11, 21, 15, 58, 9, 0]);
      expect(d.getHours()).not.toBe(d.getUTCHours()); // the zone switch took effect
    } finally {
      if (before === undefined) delete process.env.TZ;
      else process.env.TZ = before;
    }
  });

  it("writes 'not specified' as sixteen zeros and offset 0", () => {
    expect(ascii(unspecifiedVolumeDate().subarray(0, 16))).toBe("0000000000000000");
    expect(unspecifiedVolumeDate()[16]).toBe(0);
  });

  it("accepts 1900..2155 and rejects invalid or out-of-range dates", () => {
    expect(() => checkDate(new Date("1900-01-01T00:00:00Z"))).not.toThrow();
    expect(() => checkDate(new Date("2155-12-31T23:59:59Z"))).not.toThrow();
    for (const bad of [
      new Date(Number.NaN),
      new Date("1899-12-31T23:59:59Z"),
      new Date("2156-01-01T00:00:00Z"),
      "2024-01-01" as unknown as Date,
    ]) {
      expect(() => checkDate(bad)).toThrow(IsoLimitError);
      try {
        checkDate(bad);
      } catch (e) {
        expect((e as IsoLimitError).code).toBe("INVALID_DATE");
      }
    }
  });
});
