// Throw-away PKI for TLS tests, made with openssl: a trusted CA, an unrelated CA, a server certificate for
// 127.0.0.1 signed by the trusted CA, one signed by it for another host name, and a self-signed one.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface Pki {
  dir: string;
  /** PEM of the CA that signed `server` and `wrongName`. */
  ca: string;
  /** PEM of a CA that signed nothing here. */
  otherCa: string;
  /** For 127.0.0.1 (SAN IP), signed by `ca`. */
  server: { cert: string; key: string; certFile: string; keyFile: string };
  /** Signed by `ca`, but for DNS:wrong.example only. */
  wrongName: { cert: string; key: string; certFile: string; keyFile: string };
  /** For 127.0.0.1, self-signed. */
  selfSigned: { cert: string; key: string };
}

/** Makes the PKI in a new directory under `parent`, readable by every user (nginx workers run as nobody). */
export function makePki(parent: string): Pki {
  const dir = mkdtempSync(join(parent, "pki-"));
  chmodSync(dir, 0o755);
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  /** A self-signed certificate `<file>.pem` with its key, for `cn`, with these extensions. */
  const selfSigned = (file: string, cn: string, ...exts: string[]) =>
    openssl(
      "req",
      "-x509",
      ...ec,
      "-days",
      "2",
      "-subj",
      `/CN=${cn}`,
      "-keyout",
      `${file}.key`,
      "-out",
      `${file}.pem`,
      ...exts.flatMap((e) => ["-addext", e]),
    );
  const ca = (name: string) =>
    selfSigned(name, name, "basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign");
  const leaf = (name: string, san: string, signer: string) => {
    openssl("req", ...ec, "-subj", `/CN=${name}`, "-keyout", `${name}.key`, "-out", `${name}.csr`);
    writeFileSync(
      join(dir, `${name}.ext`),
      `subjectAltName=${san}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`,
    );
    openssl(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      `${signer}.pem`,
      "-CAkey",
      `${signer}.key`,
      "-CAcreateserial",
      "-days",
      "2",
      "-extfile",
      `${name}.ext`,
      "-out",
      `${name}.pem`,
    );
  };
  ca("test-ca");
  ca("other-ca");
  leaf("server", "IP:127.0.0.1", "test-ca");
  leaf("wrong-name", "DNS:wrong.example", "test-ca");
  selfSigned("self", "127.0.0.1", "subjectAltName=IP:127.0.0.1");
  for (const f of ["server.key", "wrong-name.key", "self.key"]) chmodSync(join(dir, f), 0o644);
  const read = (f: string) => readFileSync(join(dir, f), "utf8");
  const pair = (name: string) => ({
    cert: read(`${name}.pem`),
    key: read(`${name}.key`),
    certFile: join(dir, `${name}.pem`),
    keyFile: join(dir, `${name}.key`),
  });
  return {
    dir,
    ca: read("test-ca.pem"),
    otherCa: read("other-ca.pem"),
    server: pair("server"),
    wrongName: pair("wrong-name"),
    selfSigned: { cert: read("self.pem"), key: read("self.key") },
  };
}
