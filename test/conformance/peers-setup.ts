// Global setup of the conformance project: every real BOSH tool must be there before any test runs.
import { requirePeers } from "./peers.ts";

export default function setup(): void {
  const found = requirePeers();
  process.stdout.write(
    `conformance: ${Object.entries(found)
      .map(([name, path]) => `${name} ${path}`)
      .join(", ")}\n`,
  );
}
