// The real BOSH tools the conformance suite checks the CPI against: `bosh` (the CLI), `cpi-call` (bosh-cli's
// own CPI client, the code `bosh create-env` runs) and `agent-settings` (bosh-agent's own config-drive
// reader and NIC mapper). Found in BOSH_PEERS_BIN (a directory) or on PATH. A missing tool fails the run
// loudly, naming it and where it was looked for: this suite never skips.
import { accessSync, constants } from "node:fs";
import { delimiter, join, resolve } from "node:path";

export const PEERS = ["bosh", "cpi-call", "agent-settings"] as const;
export type Peer = (typeof PEERS)[number];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Absolute path of a peer tool; throws naming every place it looked. */
export function peer(name: Peer): string {
  const dirs = [
    ...(process.env["BOSH_PEERS_BIN"] ? [resolve(process.env["BOSH_PEERS_BIN"])] : []),
    ...(process.env["PATH"] ?? "").split(delimiter).filter(Boolean),
  ];
  for (const dir of dirs) {
    const p = join(dir, name);
    if (executable(p)) return p;
  }
  throw new Error(
    `conformance: the real BOSH tool '${name}' was not found (looked in ${process.env["BOSH_PEERS_BIN"] ? `BOSH_PEERS_BIN=${process.env["BOSH_PEERS_BIN"]} and ` : ""}PATH). ` +
      "Set BOSH_PEERS_BIN to the directory holding bosh, cpi-call and agent-settings (see README, Conformance)",
  );
}

/** Every tool at once: the suite's global setup calls this so a missing one fails before any test runs. */
export function requirePeers(): Record<Peer, string> {
  return Object.fromEntries(PEERS.map((p) => [p, peer(p)])) as Record<Peer, string>;
}
