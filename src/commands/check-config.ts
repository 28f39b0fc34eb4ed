// `node dist/cpi.js check-config --config <cpi.json>`: validates a configuration file the way every
// CPI call will, so an operator (or the release's template tests) can check a rendered cpi.json.
import { loadConfigFile, requireConfigPath } from "../config/load.ts";
import { toWireError } from "../protocol/errors.ts";
import type { CommandIo } from "../protocol/loaders.ts";

export async function run(argv: string[], io: CommandIo): Promise<number> {
  try {
    const path = requireConfigPath(argv, io.env);
    const config = loadConfigFile(path);
    io.stdout(
      `${JSON.stringify({ ok: true, ironic: config.ironic.url, stemcell_store: config.stemcell_store.url })}\n`,
    );
    return 0;
  } catch (err) {
    io.stdout(`${JSON.stringify({ ok: false, error: toWireError(err) })}\n`);
    return 1;
  }
}
