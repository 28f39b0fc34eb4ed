// `node dist/cpi.js reconcile --config <cpi.json> [--dry-run]`: one pass of the reconciler
// (src/services/reconcile.ts) over the fleet, on the services the composition root builds.
// Prints one JSON document on stdout; exit 0 when everything found was handled, 1 otherwise.
import { loadConfigFile, requireConfigPath } from "../config/load.ts";
import { createCallLog } from "../log/index.ts";
import { toWireError } from "../protocol/errors.ts";
import { type CommandIo, loadServices } from "../protocol/loaders.ts";

export async function run(argv: string[], io: CommandIo): Promise<number> {
  const dryRun = argv.includes("--dry-run");
  try {
    const config = loadConfigFile(requireConfigPath(argv, io.env));
    const log = createCallLog({ write: (line) => io.stderr(line), bindings: { command: "reconcile" } }).logger;
    const services = await loadServices(config, log);
    try {
      const report = await services.reconcile.run(dryRun);
      io.stdout(`${JSON.stringify(report, null, 2)}\n`);
      return report.ok ? 0 : 1;
    } finally {
      await services.close();
    }
  } catch (err) {
    io.stdout(`${JSON.stringify({ ok: false, error: toWireError(err) })}\n`);
    return 1;
  }
}
