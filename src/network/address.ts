// IPv4/IPv6 arithmetic for the network model: parse, format, netmask <-> prefix length, subnet
// membership. BigInt keeps both families on one code path. Pure; no node:net (that is I/O-free but
// only answers "is this an IP", not the arithmetic we need).

export type Family = 4 | 6;
export interface Ip {
  family: Family;
  value: bigint;
}

const BITS: Record<Family, number> = { 4: 32, 6: 128 };
export const bitsOf = (f: Family): number => BITS[f];
const allOnes = (f: Family): bigint => (1n << BigInt(BITS[f])) - 1n;

function parseV4(s: string): bigint | undefined {
  const parts = s.split(".");
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return undefined;
    v = (v << 8n) | BigInt(p);
  }
  return v;
}

function parseV6(s: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(s)) return undefined;
  let text = s;
  // An embedded IPv4 tail (::ffff:10.0.0.1) is rewritten as its two hex groups.
  if (text.includes(".")) {
    const at = text.lastIndexOf(":");
    const v4 = parseV4(text.slice(at + 1));
    if (v4 === undefined) return undefined;
    text = `${text.slice(0, at + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (h: string) => (h === "" ? [] : h.split(":"));
  const head = groups(halves[0] ?? "");
  const rest = halves.length === 2 ? groups(halves[1] ?? "") : [];
  const given = head.length + rest.length;
  if (halves.length === 1 ? given !== 8 : given > 7) return undefined;
  let v = 0n;
  for (const g of [...head, ...Array<string>(8 - given).fill("0"), ...rest]) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    v = (v << 16n) | BigInt(`0x${g}`);
  }
  return v;
}

/** Parses a dotted IPv4 or any RFC 4291 text form of IPv6; undefined when it is neither. */
export function parseIp(s: string): Ip | undefined {
  const v4 = parseV4(s);
  if (v4 !== undefined) return { family: 4, value: v4 };
  if (!s.includes(":")) return undefined;
  const v6 = parseV6(s);
  return v6 === undefined ? undefined : { family: 6, value: v6 };
}

function groupsOf(ip: Ip): string[] {
  return Array.from({ length: 8 }, (_, i) => ((ip.value >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
}

/** IPv4 dotted quad; IPv6 in RFC 5952 canonical form (lower case, longest zero run as "::"). */
export function formatIp(ip: Ip): string {
  if (ip.family === 4) return [24n, 16n, 8n, 0n].map((s) => ((ip.value >> s) & 0xffn).toString()).join(".");
  const g = groupsOf(ip);
  let best = { at: -1, len: 1 }; // a single zero group is not compressed (RFC 5952 4.2.2)
  for (let i = 0; i < 8; ) {
    if (g[i] !== "0") {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === "0") j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j;
  }
  if (best.at < 0) return g.join(":");
  return `${g.slice(0, best.at).join(":")}::${g.slice(best.at + best.len).join(":")}`;
}

/** IPv6 with all eight groups written out in four digits, as the BOSH director sends netmasks. */
export function formatIpExpanded(ip: Ip): string {
  return ip.family === 4
    ? formatIp(ip)
    : groupsOf(ip)
        .map((x) => x.padStart(4, "0"))
        .join(":");
}

/** Prefix length of a contiguous netmask; undefined when the ones are not contiguous. */
export function prefixOfMask(mask: Ip): number | undefined {
  const bits = BITS[mask.family];
  const inverted = ~mask.value & allOnes(mask.family);
  // contiguous <=> the inverted mask is 2^k - 1
  if ((inverted & (inverted + 1n)) !== 0n) return undefined;
  return bits - inverted.toString(2).replace(/^0$/, "").length;
}

export function maskOfPrefix(family: Family, prefix: number): Ip {
  const host = BITS[family] - prefix;
  return { family, value: allOnes(family) ^ ((1n << BigInt(host)) - 1n) };
}

export function networkOf(ip: Ip, prefix: number): Ip {
  return { family: ip.family, value: ip.value & maskOfPrefix(ip.family, prefix).value };
}

export function inSubnet(ip: Ip, subnet: Ip, prefix: number): boolean {
  return ip.family === subnet.family && networkOf(ip, prefix).value === networkOf(subnet, prefix).value;
}

export function addToIp(ip: Ip, n: number): Ip {
  return { family: ip.family, value: ip.value + BigInt(n) };
}

/** Ironic port addresses and pins arrive in any case; the agent compares with /sys/class/net/x/address (lower). */
export function normalizeMac(mac: string): string | undefined {
  const m = mac.trim().toLowerCase();
  return /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(m) ? m : undefined;
}
