// Configuration of the registry server (`node registry.js --config <file>`, or the file named by
// BOSH_IRONIC_REGISTRY_CONFIG), rendered by the release's `registry` job. One JSON object:
//
//   {
//     "listen":   { "host": "0.0.0.0", "port": 25777 },        // defaults shown
//     "tls":      { "cert_file": "/path/cert.pem",             // optional: serve HTTPS; PEM certificate
//                   "key_file": "/path/key.pem" },             //   chain and its private key
//     "auth":     { "username": "registry",                    // required: HTTP basic auth for PUT/DELETE,
//                   "password": "secret",                      //   and for GET unless read_requires_auth is false
//                   "read_requires_auth": true },              // default true: old agents send the userinfo of
//                                                              //   their registry endpoint URL as basic auth
//     "store":    { "url": "http://webdav.example/registry/", ... }, // the SAME block as the CPI's
//                                                              //   `registry.store`: url, username, password,
//                                                              //   ca_cert, insecure, request_timeout, retries
//     "prefix":   "registry",                                  // the SAME as the CPI's registry.prefix
//     "log_level": "info",                                     // pino level; JSON lines on stderr
//     "shutdown_timeout": 10                                   // seconds in-flight requests get on SIGTERM
//   }
//
// Settings are read from and written to <store.url>/<prefix>/instances/<id>/settings; the server keeps
// no state of its own. Unknown keys are refused, so a typo fails the job's start instead of going unseen.
import { NamedError } from "../errors.ts";
import { readFileSync } from "node:fs";
import * as z from "zod";
import { readJsonObject } from "../config/load.ts";
import { Config, RegistryStore } from "../config/schema.ts";
import { describeIssues } from "../issues.ts";

// Reused from the CPI's schema so the two files can never disagree about a key.
const StoreSchema = RegistryStore;
const PrefixSchema = Config.shape.registry._zod.def.innerType.shape.prefix;

export const RegistryConfig = z.strictObject({
  listen: z
    .strictObject({
      host: z.string().min(1).default("0.0.0.0"),
      port: z.number().int().min(0).max(65535).default(25777),
    })
    .prefault({}),
  tls: z.strictObject({ cert_file: z.string().min(1), key_file: z.string().min(1) }).optional(),
  auth: z.strictObject({
    username: z
      .string()
      .min(1)
      .regex(/^[^:]*$/, "must not contain ':'"),
    password: z.string().min(1),
    read_requires_auth: z.boolean().default(true),
  }),
  store: StoreSchema,
  prefix: PrefixSchema,
  log_level: z.enum(["fatal", "error", "warn", "info", "debug", "trace"]).default("info"),
  shutdown_timeout: z.number().positive().max(600).default(10),
});
export type RegistryConfig = z.infer<typeof RegistryConfig>;

export class RegistryConfigError extends NamedError {}

export function parseRegistryConfig(doc: unknown, source: string): RegistryConfig {
  const r = RegistryConfig.safeParse(doc, { reportInput: true });
  if (!r.success)
    throw new RegistryConfigError(`invalid registry configuration (${source}): ${describeIssues(r.error.issues)}`);
  return r.data;
}

export function loadRegistryConfig(path: string): RegistryConfig {
  const doc = readJsonObject(path, "registry configuration", (m) => new RegistryConfigError(m));
  return parseRegistryConfig(doc, path);
}

/** PEM contents of the TLS files, read at start so a missing file fails the start, not the first request. */
export function readTls(tls: RegistryConfig["tls"]): { cert: string; key: string } | undefined {
  if (!tls) return undefined;
  try {
    return { cert: readFileSync(tls.cert_file, "utf8"), key: readFileSync(tls.key_file, "utf8") };
  } catch (e) {
    throw new RegistryConfigError(`cannot read TLS files: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}
