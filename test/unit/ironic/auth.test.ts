// The CPI's side of Ironic authentication against fakes (the real Ironic and Keystone: test/integration/
// auth-*.test.ts): the Keystone token request, its reuse, one new token when Ironic refuses one, refused
// credentials named without the password, Keystone unreachable retried, and the catalog's endpoint.
import { afterEach, describe, expect, test } from "vitest";
import {
  IronicCredentialsRefused,
  KeystoneCatalogError,
  KeystoneUnavailable,
  chooseEndpoint,
  keystoneTokensUrl,
} from "../../../src/ironic/auth.ts";
import { IronicAuthError } from "../../../src/ironic/errors.ts";
import { type FakeHttp, type FakeRequest, startFakeHttp } from "../../support/fake-http.ts";
import { NODE_UUID, clientFor, fixture } from "./fake-ironic-server.ts";

let keystone: FakeHttp;
let ironic: FakeHttp;
afterEach(async () => {
  await keystone?.close();
  await ironic?.close();
});

const TOKEN = "gAAAAABnKeystoneTokenValue0123456789";
const TOKEN_2 = "gAAAAABnKeystoneTokenValue9876543210";
const auth = (authUrl: string, password = "pa55word") => ({
  type: "keystone" as const,
  auth_url: authUrl,
  username: "bosh",
  password,
  project_name: "baremetal",
  user_domain_name: "users",
  region_name: "RegionOne",
});
const issued = (token: string) => ({
  status: 201,
  headers: { "x-subject-token": token },
  body: fixture("keystone-token.json"),
});
const UNAUTHORIZED = { status: 401, body: fixture("keystone-401.json") };

/** Ironic that only answers requests carrying one of `valid`, like keystonemiddleware. */
async function startIronicRequiringToken(valid: () => readonly string[] = () => [TOKEN]) {
  const guard = (body: unknown) => (req: FakeRequest) =>
    valid().includes(String(req.headers["x-auth-token"])) ? { body } : UNAUTHORIZED;
  return startFakeHttp({
    "GET /": guard(fixture("root.json")),
    [`GET /v1/nodes/${NODE_UUID}`]: guard(fixture("node.json")),
    [`PATCH /v1/nodes/${NODE_UUID}`]: guard(fixture("node.json")),
  });
}

describe("keystone v3 password auth", () => {
  test("one token request, token sent as X-Auth-Token on every Ironic request", async () => {
    keystone = await startFakeHttp({ "POST /identity/v3/auth/tokens": issued(TOKEN) });
    ironic = await startIronicRequiringToken();
    const client = await clientFor(ironic, { auth: auth(`${keystone.url}/identity/v3/`) });
    await Promise.all([client.nodes.get(NODE_UUID), client.nodes.get(NODE_UUID)]);
    await client.nodes.get(NODE_UUID);
    expect(keystone.requests).toHaveLength(1);
    expect(keystone.requests[0]?.json).toEqual({
      auth: {
        identity: {
          methods: ["password"],
          password: { user: { name: "bosh", domain: { name: "users" }, password: "pa55word" } },
        },
        scope: { project: { name: "baremetal", domain: { name: "Default" } } },
      },
    });
    expect(ironic.requests.map((r) => r.headers["x-auth-token"])).toEqual([TOKEN, TOKEN, TOKEN, TOKEN]);
    expect(client.requestCount).toBe(4);
  });

  test("401 from keystone: refused credentials naming Keystone, the user and project, never the password", async () => {
    keystone = await startFakeHttp({ "POST /v3/auth/tokens": UNAUTHORIZED });
    ironic = await startIronicRequiringToken();
    const err = await clientFor(ironic, { auth: auth(keystone.url, "hunter2") }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IronicCredentialsRefused);
    expect(err).toBeInstanceOf(IronicAuthError);
    expect((err as IronicCredentialsRefused).authType).toBe("keystone");
    expect((err as Error).message).toBe(
      `Keystone refused the credentials of user "bosh" (domain users, project baremetal in domain Default) at ` +
        `${keystone.url}/v3/auth/tokens (HTTP 401): The request you have made requires authentication.; check ironic.auth`,
    );
    expect(JSON.stringify(err) + String((err as Error).stack)).not.toContain("hunter2");
    expect(keystone.requests).toHaveLength(1); // never retried
    expect(ironic.requests).toHaveLength(0);
  });

  test("system scope: the token asks for the whole deployment, messages say so", async () => {
    keystone = await startFakeHttp({ "POST /v3/auth/tokens": [issued(TOKEN), UNAUTHORIZED] });
    ironic = await startIronicRequiringToken();
    const system = { ...auth(keystone.url), project_name: undefined, system_scope: "all" as const };
    await clientFor(ironic, { auth: system });
    const sent = keystone.requests[0]?.json as { auth: { scope: unknown } } | undefined;
    expect(sent?.auth.scope).toEqual({ system: { all: true } });
    const err = await clientFor(ironic, { auth: system }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(
      /^Keystone refused the credentials of user "bosh" \(domain users, system scope\)/,
    );
  });

  test("201 without X-Subject-Token is an error", async () => {
    keystone = await startFakeHttp({ "POST /v3/auth/tokens": { status: 201, body: fixture("keystone-token.json") } });
    ironic = await startIronicRequiringToken();
    await expect(clientFor(ironic, { auth: auth(keystone.url) })).rejects.toThrow(/no X-Subject-Token/);
  });

  test.each([
    ["http://ks:5000", "http://ks:5000/v3/auth/tokens"],
    ["http://ks:5000/", "http://ks:5000/v3/auth/tokens"],
    ["http://ks:5000/v3", "http://ks:5000/v3/auth/tokens"],
    ["https://ks/identity/v3/", "https://ks/identity/v3/auth/tokens"],
  ])("keystoneTokensUrl(%s)", (input, expected) => {
    expect(keystoneTokensUrl(input)).toBe(expected);
  });
});

describe("a token Ironic refuses (expired or revoked)", () => {
  test("one new token, the request sent again (a PATCH too: Ironic refused it before acting)", async () => {
    let valid = [TOKEN];
    keystone = await startFakeHttp({ "POST /v3/auth/tokens": [issued(TOKEN), issued(TOKEN_2)] });
    ironic = await startIronicRequiringToken(() => valid);
    const client = await clientFor(ironic, { auth: auth(keystone.url) });
    valid = [TOKEN_2]; // the first one expired
    await client.nodes.patch(NODE_UUID, [{ op: "add", path: "/extra/x", value: "1" }]);
    expect(keystone.requests).toHaveLength(2);
    expect(ironic.requests.map((r) => `${r.method} ${r.headers["x-auth-token"] === TOKEN ? 1 : 2}`)).toEqual([
      "GET 1",
      "PATCH 1",
      "PATCH 2",
    ]);
  });

  test("requests that fail together share one new token", async () => {
    let valid = [TOKEN];
    keystone = await startFakeHttp({ "POST /v3/auth/tokens": [issued(TOKEN), issued(TOKEN_2)] });
    ironic = await startIronicRequiringToken(() => valid);
    const client = await clientFor(ironic, { auth: auth(keystone.url) });
    valid = [TOKEN_2];
    await Promise.all([client.nodes.get(NODE_UUID), client.nodes.get(NODE_UUID), client.nodes.get(NODE_UUID)]);
    expect(keystone.requests).toHaveLength(2);
  });

  test("refused again with the new token: final, naming the user, after exactly one new token", async () => {
    keystone = await startFakeHttp({ "POST /v3/auth/tokens": [issued(TOKEN), issued(TOKEN_2)] });
    let valid = [TOKEN];
    ironic = await startIronicRequiringToken(() => valid);
    const client = await clientFor(ironic, { auth: auth(keystone.url) });
    valid = [];
    const err = await client.nodes.get(NODE_UUID).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IronicCredentialsRefused);
    expect((err as Error).message).toMatch(/^Ironic refused the Keystone token of user "bosh" \(project baremetal\)/);
    expect(keystone.requests).toHaveLength(2);
  });
});

describe("Keystone unreachable", () => {
  test("retried like an unreachable Ironic, then KeystoneUnavailable naming Keystone and the attempts", async () => {
    keystone = await startFakeHttp({ "POST /v3/auth/tokens": { hangUp: true } });
    ironic = await startIronicRequiringToken();
    const sleeps: number[] = [];
    const err = await clientFor(ironic, { auth: auth(keystone.url) }, sleeps).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeystoneUnavailable);
    expect((err as Error).message).toMatch(
      new RegExp(`^Keystone ${keystone.url}/v3/auth/tokens unreachable after 4 attempt\\(s\\): ECONNRESET`),
    );
    expect(keystone.requests).toHaveLength(4);
    expect(sleeps).toHaveLength(3);
    expect(ironic.requests).toHaveLength(0);
  });

  test("a 503 from Keystone is retried too; the token then works", async () => {
    keystone = await startFakeHttp({ "POST /v3/auth/tokens": [{ status: 503, body: "busy" }, issued(TOKEN)] });
    ironic = await startIronicRequiringToken();
    const client = await clientFor(ironic, { auth: auth(keystone.url) });
    await client.nodes.get(NODE_UUID);
    expect(keystone.requests).toHaveLength(2);
  });
});

describe("HTTP basic and noauth refused by Ironic", () => {
  test("http_basic: final at the first 401, naming HTTP basic and the user, never the password", async () => {
    ironic = await startFakeHttp({
      "GET /": { body: fixture("root.json") },
      [`GET /v1/nodes/${NODE_UUID}`]: {
        status: 401,
        body: { error: { message: "Incorrect username or password", code: 401 } },
      },
    });
    const client = await clientFor(ironic, { auth: { type: "http_basic", username: "bosh", password: "hunter2" } });
    const err = await client.nodes.get(NODE_UUID).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IronicCredentialsRefused);
    expect((err as Error).message).toBe(
      `Ironic refused HTTP basic auth of user "bosh" (GET ${ironic.url}/v1/nodes/${NODE_UUID}: HTTP 401: ` +
        "Incorrect username or password); check ironic.auth.username and ironic.auth.password",
    );
    expect(JSON.stringify(err) + String((err as Error).stack)).not.toContain("hunter2");
    expect(ironic.calls(`GET /v1/nodes/${NODE_UUID}`)).toHaveLength(1);
  });

  test("noauth against an Ironic that wants credentials says so", async () => {
    ironic = await startFakeHttp({
      "GET /": { body: fixture("root.json") },
      [`GET /v1/nodes/${NODE_UUID}`]: {
        status: 401,
        body: { error: { message: "Authorization required", code: 401 } },
      },
    });
    const err = await (await clientFor(ironic)).nodes.get(NODE_UUID).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^Ironic requires authentication .* but ironic.auth.type is noauth/);
  });
});

describe("Ironic's endpoint from Keystone's catalog", () => {
  const endpoint = (region: string, iface: string, url: string) => ({
    region_id: region,
    region,
    interface: iface,
    url,
  });
  const catalog = [
    { type: "identity", endpoints: [endpoint("RegionOne", "public", "https://ks/v3")] },
    {
      type: "baremetal",
      endpoints: [
        endpoint("RegionOne", "public", "https://one-public:6385"),
        endpoint("RegionOne", "internal", "http://one-internal:6385/"),
        endpoint("RegionTwo", "public", "https://two-public:6385/v1"),
        endpoint("RegionTwo", "internal", "http://two-internal:6385"),
      ],
    },
  ];
  const k = (o: { region_name?: string; interface?: string }) => ({
    ...auth("http://ks"),
    region_name: undefined,
    ...o,
  });

  test.each([
    [{ region_name: "RegionOne", interface: "public" }, "https://one-public:6385"],
    [{ region_name: "RegionOne", interface: "internal" }, "http://one-internal:6385"],
    [{ region_name: "RegionTwo" }, "https://two-public:6385"],
    [{ region_name: "RegionTwo", interface: "internal" }, "http://two-internal:6385"],
  ])("%o → %s (no trailing / or /v1)", (o, url) => {
    expect(chooseEndpoint(catalog, k(o))).toBe(url);
  });

  test("no region_name with several regions: refused, naming them", () => {
    expect(() => chooseEndpoint(catalog, k({}))).toThrow(
      /several regions \(RegionOne, RegionTwo\): set ironic.auth.region_name/,
    );
  });

  test("no endpoint for the region: the error names what was looked for and what there is", () => {
    const err = (() => {
      try {
        chooseEndpoint(catalog, k({ region_name: "RegionThree", interface: "admin" }));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(KeystoneCatalogError);
    expect((err as Error).message).toBe(
      `Keystone's catalog for user "bosh" (project baremetal) has no baremetal endpoint with interface admin in ` +
        "region RegionThree; its baremetal endpoints: RegionOne public, RegionOne internal, RegionTwo public, RegionTwo internal",
    );
  });

  test("no baremetal service: the error names the services there are", () => {
    expect(() => chooseEndpoint([catalog[0]], k({ region_name: "RegionOne" }))).toThrow(
      /has no baremetal service, only: identity; looked for a baremetal endpoint with interface public in region RegionOne/,
    );
    expect(() => chooseEndpoint(undefined, k({}))).toThrow(/has no baremetal service, only: nothing/);
  });

  test("without ironic.url the client goes where the catalog says", async () => {
    ironic = await startIronicRequiringToken();
    const body = fixture<{ token: { catalog: { endpoints: { url: string }[] }[] } }>("keystone-token.json");
    body.token.catalog[0]!.endpoints[0]!.url = `${ironic.url}/`;
    keystone = await startFakeHttp({
      "POST /v3/auth/tokens": { status: 201, headers: { "x-subject-token": TOKEN }, body },
    });
    const client = await clientFor(ironic, { url: undefined, auth: auth(keystone.url) });
    expect((await client.nodes.get(NODE_UUID)).uuid).toBe(NODE_UUID);
    expect(ironic.requests.map((r) => r.path)).toEqual(["/", `/v1/nodes/${NODE_UUID}`]);
  });
});
