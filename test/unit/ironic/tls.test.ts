// TLS verification against an HTTPS fake Ironic whose certificate is signed by a throw-away CA
// (test/support/tls-certs.ts: openssl, EC P-256, SAN IP:127.0.0.1), and against fakes whose certificate
// comes from a root through an intermediate (test/harness/tls-chain.ts), for Ironic and Keystone.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { KeystoneTlsError } from "../../../src/ironic/auth.ts";
import { IronicTlsError } from "../../../src/ironic/errors.ts";
import { type TlsChain, makeTlsChain } from "../../harness/tls-chain.ts";
import { type FakeHttp, startFakeHttp } from "../../support/fake-http.ts";
import { makePki } from "../../support/tls-certs.ts";
import { NODE_UUID, clientFor, fixture } from "./fake-ironic-server.ts";

let dir: string;
let fake: FakeHttp;
let caCert: string;
let otherCa: string;
let chain: TlsChain;
let chained: FakeHttp;
let keystone: FakeHttp;

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
  chain = makeTlsChain(dir);
  const chainTls = { key: readFileSync(chain.keyFile, "utf8"), cert: readFileSync(chain.chainFile, "utf8") };
  chained = await startFakeHttp(
    { "GET /": { body: fixture("root.json") }, [`GET /v1/nodes/${NODE_UUID}`]: { body: fixture("node.json") } },
    { tls: chainTls },
  );
  keystone = await startFakeHttp(
    {
      "POST /v3/auth/tokens": {
        status: 201,
        headers: { "x-subject-token": "gAAAAABtls-token" },
        body: fixture("keystone-token.json"),
      },
    },
    { tls: chainTls },
  );
});

afterAll(async () => {
  await Promise.all([chained?.close(), keystone?.close()]);
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

describe("a chain through an intermediate (the server sends leaf + intermediate)", () => {
  test.each([
    ["root + intermediate", () => chain.bundle],
    ["root alone", () => chain.root],
  ])("ca_cert %s verifies", async (_what, ca) => {
    const client = await clientFor(chained, { caCert: ca() });
    expect((await client.nodes.get(NODE_UUID)).uuid).toBe(NODE_UUID);
  });

  test("another CA: IronicTlsError naming the URL, and so the host", async () => {
    const err = await clientFor(chained, { caCert: chain.otherCa }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IronicTlsError);
    expect((err as Error).message).toContain(`TLS verification of ${chained.url}/ failed`);
  });
});

describe("Keystone over TLS", () => {
  const auth = () => ({
    type: "keystone" as const,
    auth_url: `${keystone.url}/v3`,
    username: "bosh",
    password: "pa55word",
    project_name: "baremetal",
  });

  test("the CA bundle verifies Keystone and Ironic alike", async () => {
    const client = await clientFor(chained, { caCert: chain.bundle, auth: auth() });
    expect((await client.nodes.get(NODE_UUID)).uuid).toBe(NODE_UUID);
  });

  test("another CA: KeystoneTlsError saying TLS verification of Keystone failed, for which host; not retried", async () => {
    const before = keystone.requests.length;
    const ironicBefore = chained.requests.length;
    const err = await clientFor(chained, { caCert: chain.otherCa, auth: auth() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeystoneTlsError);
    expect(err).toBeInstanceOf(IronicTlsError);
    expect((err as Error).message).toMatch(
      new RegExp(
        `^TLS verification of Keystone at ${keystone.url}/v3/auth/tokens \\(host ${new URL(keystone.url).host}\\) failed \\(`,
      ),
    );
    expect((err as Error).message).toMatch(/ca_cert/);
    expect(keystone.requests.length).toBe(before); // the handshake failed: nothing reached Keystone
    expect(chained.requests.length).toBe(ironicBefore);
  });

  test("insecure: true skips verification of Keystone too", async () => {
    const client = await clientFor(chained, { insecure: true, auth: auth() });
    expect((await client.nodes.get(NODE_UUID)).uuid).toBe(NODE_UUID);
  });
});
