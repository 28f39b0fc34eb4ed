// A private PKI as operators run one in front of Ironic and Keystone: a root CA, an intermediate CA it
// signed, and a server certificate for 127.0.0.1 and localhost signed by the intermediate. Servers present
// the leaf with the intermediate (chainFile); clients trust the root, or the root and the intermediate
// (bundle: what the CPI's ironic.ca_cert holds). An unrelated root (otherCa) is the "wrong CA".
// Made with openssl in a new directory, readable by every user (nginx workers run as nobody).
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface TlsChain {
  dir: string;
  /** PEM of the root CA alone. */
  root: string;
  /** PEM of the intermediate CA alone (signed by root; it signed the server certificate). */
  intermediate: string;
  /** root + intermediate: the CA bundle a client is given. */
  bundle: string;
  /** PEM of a root CA that signed nothing here. */
  otherCa: string;
  /** The server certificate (leaf only) and its key, for IP 127.0.0.1 and DNS localhost. */
  certFile: string;
  keyFile: string;
  /** leaf + intermediate, the file a server presents. */
  chainFile: string;
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

export function makeTlsChain(parent: string): TlsChain {
  const dir = mkdtempSync(join(parent, "tls-chain-"));
  chmodSync(dir, 0o755);
  const openssl = (...args: string[]) => {
    try {
      execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
    } catch (err) {
      const e = err as Error & { stderr?: Buffer };
      throw new Error(`makeTlsChain: openssl ${args[0]} failed: ${e.stderr?.toString() ?? e.message}`);
    }
  };
  const ext = (name: string, text: string) => writeFileSync(join(dir, `${name}.ext`), text);
  /** A certificate `<name>.pem` for `cn`, signed by `signer` (self-signed when undefined). */
  const cert = (name: string, cn: string, extensions: string, signer?: string) => {
    ext(name, extensions);
    if (!signer) {
      const adds = extensions
        .trim()
        .split("\n")
        .flatMap((e) => ["-addext", e]);
      openssl(
        "req",
        "-x509",
        ...EC,
        "-days",
        "2",
        "-subj",
        `/CN=${cn}`,
        "-keyout",
        `${name}.key`,
        "-out",
        `${name}.pem`,
        ...adds,
      );
      return;
    }
    openssl("req", ...EC, "-subj", `/CN=${cn}`, "-keyout", `${name}.key`, "-out", `${name}.csr`);
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
  const CA = "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n";
  cert("root-ca", "bosh-ironic-cpi test root CA", CA);
  cert(
    "intermediate-ca",
    "bosh-ironic-cpi test intermediate CA",
    "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n",
    "root-ca",
  );
  cert("other-ca", "bosh-ironic-cpi unrelated CA", CA);
  cert(
    "server",
    "127.0.0.1",
    "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n",
    "intermediate-ca",
  );
  const read = (f: string) => readFileSync(join(dir, f), "utf8");
  writeFileSync(join(dir, "server-chain.pem"), read("server.pem") + read("intermediate-ca.pem"));
  writeFileSync(join(dir, "bundle.pem"), read("root-ca.pem") + read("intermediate-ca.pem"));
  chmodSync(join(dir, "server.key"), 0o644); // read by servers running as another user (nginx workers)
  return {
    dir,
    root: read("root-ca.pem"),
    intermediate: read("intermediate-ca.pem"),
    bundle: read("bundle.pem"),
    otherCa: read("other-ca.pem"),
    certFile: join(dir, "server.pem"),
    keyFile: join(dir, "server.key"),
    chainFile: join(dir, "server-chain.pem"),
  };
}
