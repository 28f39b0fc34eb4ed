// Configuration = the job-rendered JSON file, overlaid with the cpi-config properties the director
// merges into `context` (multi-CPI), validated as one document by the same schema.
import { readFileSync } from "node:fs";
import { CpiError } from "../protocol/errors.ts";
import { describeIssues } from "../issues.ts";
import { Config } from "./schema.ts";

export const CONFIG_ENV = "BOSH_IRONIC_CPI_CONFIG";

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Objects merge key by key; anything else in the overlay replaces the base value. */
export function deepMerge(base: Json, overlay: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(overlay)) {
    const cur = out[k];
    out[k] = isObject(cur) && isObject(v) ? deepMerge(cur, v) : v;
  }
  return out;
}

export function parseConfig(doc: unknown, source: string): Config {
  const r = Config.safeParse(doc, { reportInput: true });
  if (!r.success)
    throw new CpiError(`invalid CPI configuration (${source}): ${describeIssues(r.error.issues, { schema: Config })}`);
  return r.data;
}

/**
 * The one reader of a JSON configuration file (the CPI's and the registry server's): `what` names it
 * in the messages, `fail` makes the caller's typed error.
 */
export function readJsonObject(path: string, what: string, fail: (message: string) => Error): Json {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw fail(`cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw fail(`${what} ${path} is not valid JSON: ${(e as Error).message}`);
  }
  if (!isObject(doc)) throw fail(`${what} ${path} must be a JSON object`);
  return doc;
}

/** Reads and validates the configuration file, with context properties overlaid when given. */
export function loadConfigFile(path: string, overlay: Json = {}): Config {
  const base = readJsonObject(path, "CPI configuration", (m) => new CpiError(m));
  const overlaid = Object.keys(overlay).length > 0;
  return parseConfig(overlaid ? deepMerge(base, overlay) : base, overlaid ? `${path} + context` : path);
}

export function configPathFrom(argv: readonly string[], env: NodeJS.ProcessEnv): string | undefined {
  const i = argv.indexOf("--config");
  if (i >= 0) return argv[i + 1];
  const eq = argv.find((a) => a.startsWith("--config="));
  if (eq) return eq.slice("--config=".length);
  return env[CONFIG_ENV] || undefined;
}

export function requireConfigPath(argv: readonly string[], env: NodeJS.ProcessEnv): string {
  const p = configPathFrom(argv, env);
  if (!p) throw new CpiError(`no CPI configuration: pass --config <path> or set ${CONFIG_ENV}`);
  return p;
}
