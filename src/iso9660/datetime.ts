// The two date formats of ECMA-119, always written in UTC (offset field 0) from the one
// caller-supplied date, so that an image never depends on the clock or the time zone.
import { IsoLimitError } from "./errors.ts";

/**
 * The 7-byte record format stores "years since 1900" in one byte (9.1.5), so 1900..2155 is
 * the range every date field can hold; the 17-byte format (8.4.26.1) covers it too.
 */
export function checkDate(date: Date): void {
  const t = date instanceof Date ? date.getTime() : Number.NaN;
  if (!Number.isFinite(t)) throw new IsoLimitError("INVALID_DATE", "date is not a valid Date");
  const year = date.getUTCFullYear();
  if (year < 1900 || year > 2155) {
    throw new IsoLimitError("INVALID_DATE", `date year ${year} is outside 1900..2155 (ECMA-119 9.1.5)`);
  }
}

function digits(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

/** 8.4.26.1: "YYYYMMDDHHMMSScc" as ASCII digits, then the GMT offset in 15-minute units. */
export function volumeDate(date: Date): Uint8Array {
  const text =
    digits(date.getUTCFullYear(), 4) +
    digits(date.getUTCMonth() + 1, 2) +
    digits(date.getUTCDate(), 2) +
    digits(date.getUTCHours(), 2) +
    digits(date.getUTCMinutes(), 2) +
    digits(date.getUTCSeconds(), 2) +
    digits(Math.floor(date.getUTCMilliseconds() / 10), 2);
  const out = new Uint8Array(17);
  for (let i = 0; i < 16; i++) out[i] = text.charCodeAt(i);
  out[16] = 0; // UTC
  return out;
}

/** 8.4.26.1: "not specified" is sixteen ASCII zeros and a zero offset. */
export function unspecifiedVolumeDate(): Uint8Array {
  const out = new Uint8Array(17).fill(0x30);
  out[16] = 0;
  return out;
}

/** 9.1.5 (also RRIP TF short form): years since 1900, month, day, hour, minute, second, offset. */
export function recordDate(date: Date): Uint8Array {
  return Uint8Array.of(
    date.getUTCFullYear() - 1900,
    date.getUTCMonth() + 1,
    date.getUTCDate(),
    date.getUTCHours(),
    date.getUTCMinutes(),
    date.getUTCSeconds(),
    0, // UTC
  );
}
