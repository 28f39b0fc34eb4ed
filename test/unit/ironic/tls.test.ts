// TLS verification against an HTTPS fake Ironic whose certificate is signed by a throw-away CA
// generated here with openssl (EC P-256, SAN IP:127.0.0.1).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { IronicTlsError } from "../../../src/ironic/errors.ts";
import { type FakeHttp, startFakeHttp } from "../../support/fake-http.ts";
import { NODE_UUID, clientFor, fixture } from "./fake-ironic.ts";

let dir: string;
let fake: FakeHttp;
let caCert: string;
let otherCa: string;

function makeCa(name: string): void {
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  openssl(
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-days",
    "1",
    "-subj",
    `/CN=${name}`,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.pem`,
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ironic-tls-"));
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  makeCa("test-ca");
  makeCa("other-ca");
  openssl(
    "req",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-subj",
    "/CN=127.0.0.1",
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
  );
  writeFileSync(join(dir, "ext.cnf"), "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
  openssl(
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "test-ca.pem",
    "-CAkey",
    "test-ca.key",
    "-CAcreateserial",
    "-days",
    "1",
    "-extfile",
    "ext.cnf",
    "-out",
    "server.pem",
  );
  caCert = readFileSync(join(dir, "test-ca.pem"), "utf8");
  otherCa = readFileSync(join(dir, "other-ca.pem"), "utf8");
  const key = readFileSync(join(dir, "server.key"), "utf8");
  const cert = readFileSync(join(dir, "server.pem"), "utf8");
  fake = await startFakeHttp(
    { "GET /": { body: fixture("root.json") }, [`GET /v1/nodes/${NODE_UUID}`]: { body: fixture("node.json") } },
    { tls: { key, cert } },
  );
});

afterAll(async () => {
  await fake?.close();
  rmSync(dir, { recursive: true, force: true });
});

test("verification is on by default: an untrusted CA fails with a clear IronicTlsError, not retried", async () => {
  const before = fake.requests.length;
  const err = await clientFor(fake).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(IronicTlsError);
  expect((err as IronicTlsError).code).toBe("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
  expect((err as Error).message).toMatch(
    new RegExp(
      `^TLS verification of ${fake.url}/ failed \\(UNABLE_TO_VERIFY_LEAF_SIGNATURE: .*\\); configure the CA bundle .*\\(ca_cert\\), or set insecure: true`,
    ),
  );
  expect(fake.requests.length).toBe(before); // the handshake failed: nothing reached the server
});

test("the wrong CA bundle fails too", async () => {
  await expect(clientFor(fake, { caCert: otherCa })).rejects.toBeInstanceOf(IronicTlsError);
});

test("passes with caCert (PEM string)", async () => {
  const client = await clientFor(fake, { caCert });
  expect((await client.nodes.get(NODE_UUID)).uuid).toBe(NODE_UUID);
});

test("passes with insecure: true", async () => {
  const client = await clientFor(fake, { insecure: true });
  expect(client.version).toBe("1.82");
});
