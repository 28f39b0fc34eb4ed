// The test bed's network: one network namespace (made here with a unique name, or the one this process
// already runs in, made by netns-run.sh) with a bridge the emulated servers' NICs join. Everything of
// the bed (Ironic, nginx, sushy-tools, the VMs) talks over this bridge or the namespace's loopback: the
// namespace has no route out, so nothing of the bed can reach the machine's networks.
import { run } from "./run.ts";

export interface BedNetwork {
  /** the namespace's name (`ip netns list`) */
  readonly netns: string;
  /** true when the bed made the namespace (and deletes it on stop) */
  readonly ownNetns: boolean;
  readonly bridge: string;
  /** the bridge's address: Ironic, nginx and sushy-tools listen here */
  readonly address: string;
  readonly prefixLength: number;
  /** first three octets of the /24, e.g. "10.251.0": servers get <subnet>.10 onwards */
  readonly subnet: string;
}

const NAME_RE = /^[A-Za-z0-9_.-]{1,64}$/;

/** The named namespace this process runs in ("" outside any: `ip netns identify` of our own pid). */
export async function currentNetns(): Promise<string> {
  const out = await run("ip", ["netns", "identify", String(process.pid)], { timeoutMs: 10_000 });
  return out.trim().split("\n")[0] ?? "";
}

/** A /24 of the private ranges (10/8, 172.16/12, 192.168/16), given as its first three octets; nothing else. */
export function checkSubnet(subnet: string): string {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(subnet);
  const o = m?.slice(1).map(Number);
  const privateRange =
    o?.every((n) => n <= 255) &&
    (o[0] === 10 || (o[0] === 172 && o[1]! >= 16 && o[1]! <= 31) || (o[0] === 192 && o[1] === 168));
  if (!privateRange) throw new Error(`testbed: subnet must be the first three octets of a private /24, not ${subnet}`);
  return subnet;
}

/**
 * Makes (or adopts) the namespace, brings its loopback up and adds the bridge with <subnet>.1/24.
 * `netns` undefined: a new namespace named `name`.
 */
export async function setUpNetwork(o: {
  name: string;
  /** an existing namespace to use (the bed adds its bridge to it and leaves it on stop) */
  netns?: string;
  bridge: string;
  subnet: string;
}): Promise<BedNetwork> {
  const subnet = checkSubnet(o.subnet);
  const netns = o.netns ?? o.name;
  if (!NAME_RE.test(netns) || !/^[A-Za-z0-9_-]{1,15}$/.test(o.bridge))
    throw new Error(`testbed: bad namespace or bridge name ${netns} / ${o.bridge}`);
  const ownNetns = o.netns === undefined;
  const ip = (...args: string[]) => run("ip", ["-n", netns, ...args], { timeoutMs: 10_000 });
  if (ownNetns) await run("ip", ["netns", "add", netns], { timeoutMs: 10_000 });
  try {
    await ip("link", "set", "lo", "up");
    await ip("link", "add", o.bridge, "type", "bridge");
    await ip("addr", "add", `${subnet}.1/24`, "dev", o.bridge);
    await ip("link", "set", o.bridge, "up");
  } catch (err) {
    if (ownNetns) await deleteNetns(netns);
    else await run("ip", ["-n", netns, "link", "del", o.bridge]).catch(() => undefined);
    throw err;
  }
  return { netns, ownNetns, bridge: o.bridge, address: `${subnet}.1`, prefixLength: 24, subnet };
}

export async function deleteNetns(netns: string): Promise<void> {
  await run("ip", ["netns", "del", netns], { timeoutMs: 10_000 }).catch(() => undefined);
}

/** Is the namespace still there? */
export async function netnsExists(netns: string): Promise<boolean> {
  const out = await run("ip", ["netns", "list"], { timeoutMs: 10_000 });
  return out.split("\n").some((l) => l.split(" ")[0] === netns);
}

/** `ip netns exec NETNS` before a command (also right when this process already runs in NETNS). */
export function inNetns(netns: string, cmd: string, args: readonly string[]): [string, string[]] {
  return ["ip", ["netns", "exec", netns, cmd, ...args]];
}
