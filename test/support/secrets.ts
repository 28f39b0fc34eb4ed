// THE list of secret values the test suite hands the CPI. Tests take their passwords, tokens and keys
// from here (or register a generated one with registerSecret), so the log scan (log-scan.ts) knows
// every value that must never show up in a log line: stderr of a CPI process, a response's `log`
// field, or an in-process dispatcher's log writes.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { logRunDir } from "./log-capture.ts";

/** A PEM-shaped block with a body that is unique to `label` (the CPI only passes it on or rejects it). */
function fakePem(kind: string, label: string): string {
  const lines: string[] = [];
  let h = createHash("sha512").update(`pem:${label}`).digest();
  for (let i = 0; i < 4; i++) {
    lines.push(h.toString("base64").replace(/[+/=]/g, "A").slice(0, 64));
    h = createHash("sha512").update(h).digest();
  }
  return `-----BEGIN ${kind}-----\n${lines.join("\n")}\n-----END ${kind}-----\n`;
}

/** Values are long and distinctive so that a hit is never a coincidence. */
export const SECRETS = {
  // BMC credentials in driver_info (fleet nodes and ironic_params of enrolled servers)
  bmcPasswordKnown: "bmc-known-pw-7Qx2Lr9Zt",
  bmcPasswordPool: "bmc-pool-pw-M4v8Ns1Kd",
  bmcPasswordEnroll: "bmc-enroll-pw-H6c3Wy5Pb",
  // service credentials of the CPI configuration
  ironicBasicPassword: "ironic-basic-pw-R2j7Gf4Vn",
  keystonePassword: "keystone-pw-T8m1Qz6Xc",
  keystoneToken: "gAAAAAB-keystone-token-Z3k9Lp2Wv7Rd",
  webdavPassword: "webdav-pw-E5n2Hs8Jq",
  registryPassword: "registry-pw-U9b4Kt1Ym",
  mbusPassword: "mbus-pw-C7f3Xv6Na",
  // the `env` argument: VM password hash and the mbus bootstrap certificate
  envBoshPassword: "$6$rounds=5000$envsalt$Vx9Wq2Lm8Kc4Tz7Pb1Rn6Yd3Hs5Gf0",
  mbusPrivateKey: fakePem("RSA PRIVATE KEY", "mbus-cert-key"),
  blobstoreSecret: "blobstore-secret-D4h8Mw2Qs",
  // an operator pasted a private key where a CA bundle belongs
  privateKeyInCaField: fakePem("PRIVATE KEY", "ca-field-key"),
  // values the lead's minimal test configuration (test/support/config.ts) uses
  testConfigStorePassword: "store-pass-123",
  testConfigMbusPassword: "mbus-pass-456",
} as const;

export type SecretLabel = keyof typeof SECRETS;

/** A certificate (public) to pair with SECRETS.mbusPrivateKey in env.bosh.mbus.cert. */
export const MBUS_CERTIFICATE = fakePem("CERTIFICATE", "mbus-cert");

/** What is searched for: a PEM's body lines each (a partial leak counts), any other value whole. */
function needles(value: string): string[] {
  if (!value.includes("-----BEGIN")) return [value];
  return value.split("\n").filter((l) => l.length >= 16 && !l.startsWith("-----"));
}

/** The forms a secret takes in a log line: raw, JSON-escaped, URL-encoded. */
export function secretForms(value: string): string[] {
  const forms = new Set<string>();
  for (const n of needles(value)) {
    forms.add(n);
    forms.add(JSON.stringify(n).slice(1, -1));
    forms.add(encodeURIComponent(n));
  }
  return [...forms];
}

/** HTTP basic credentials also leak as their base64 header value. */
export function basicAuthForm(username: string, password: string): string {
  return Buffer.from(`${username}:${password}`).toString("base64");
}

const REGISTERED = "registered-secrets.jsonl";

/** Adds a generated value (a harness password) to the scan of this run. */
export function registerSecret(label: string, value: string): void {
  const dir = logRunDir();
  mkdirSync(dir, { recursive: true });
  appendFileSync(join(dir, REGISTERED), `${JSON.stringify({ label, value })}\n`);
}

/** Every secret of this run: the fixed list plus the registered ones, label → value. */
export function allSecrets(dir = logRunDir()): Map<string, string> {
  const out = new Map<string, string>(Object.entries(SECRETS));
  out.set("basicAuth:webdav", basicAuthForm("cpi", SECRETS.webdavPassword));
  out.set("basicAuth:ironic", basicAuthForm("bosh", SECRETS.ironicBasicPassword));
  out.set("basicAuth:registry", basicAuthForm("registry", SECRETS.registryPassword));
  const file = join(dir, REGISTERED);
  if (existsSync(file)) {
    for (const line of readFileSync(file, "utf8").split("\n")) {
      if (!line) continue;
      const { label, value } = JSON.parse(line) as { label: string; value: string };
      out.set(`registered:${label}`, value);
    }
  }
  return out;
}

export interface SecretHit {
  label: string;
  /** Where: a capture file and the 1-based line; the value itself is never reported. */
  where: string;
}

/** Labels of the secrets found in `text` (each reported once per line). */
export function findSecrets(text: string, secrets: Map<string, string>, where = "text"): SecretHit[] {
  const forms = [...secrets].flatMap(([label, value]) => secretForms(value).map((form) => ({ label, form })));
  const hits: SecretHit[] = [];
  const lines = text.split("\n");
  for (const [i, line] of lines.entries()) {
    const seen = new Set<string>();
    for (const { label, form } of forms) {
      if (!seen.has(label) && line.includes(form)) {
        seen.add(label);
        hits.push({ label, where: `${where}:${i + 1}` });
      }
    }
  }
  return hits;
}
