// TLS verification against an HTTPS fake Ironic whose certificate is signed by a throw-away CA
// (test/support/tls-certs.ts: openssl, EC P-256, SAN IP:127.0.0.1).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { IronicTlsError } from "../../../src/ironic/errors.ts";
import { type FakeHttp, startFakeHttp } from "../../support/fake-http.ts";
import { makePki } from "../../support/tls-certs.ts";
import { NODE_UUID, clientFor, fixture } from "./fake-ironic-server.ts";

let dir: string;
let fake: FakeHttp;
let caCert: string;
let otherCa: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ironic-tls-"));
  const pki = makePki(dir);
  caCert = pki.ca;
  otherCa = pki.otherCa;
  const { key, cert } = pki.server;
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
