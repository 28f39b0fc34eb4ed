import { afterEach, describe, expect, test } from "vitest";
import { keystoneTokensUrl } from "../../../src/ironic/auth.ts";
import { IronicAuthError } from "../../../src/ironic/errors.ts";
import { type FakeHttp, startFakeHttp } from "../../support/fake-http.ts";
import { NODE_UUID, clientFor, fixture } from "./fake-ironic-server.ts";

let keystone: FakeHttp;
let ironic: FakeHttp;
afterEach(async () => {
  await keystone?.close();
  await ironic?.close();
});

const TOKEN = "gAAAAABnKeystoneTokenValue0123456789";
const auth = (authUrl: string, password = "pa55word") => ({
  type: "keystone" as const,
  auth_url: authUrl,
  username: "bosh",
  password,
  project_name: "baremetal",
  user_domain_name: "users",
  region_name: "RegionOne",
});

/** Ironic that only answers requests carrying the token, like keystonemiddleware. */
async function startIronicRequiringToken() {
  const guard = (body: unknown) => (req: { headers: Record<string, unknown> }) =>
    req.headers["x-auth-token"] === TOKEN ? { body } : { status: 401, body: { error: { message: "no token" } } };
  return startFakeHttp({
    "GET /": guard(fixture("root.json")),
    [`GET /v1/nodes/${NODE_UUID}`]: guard(fixture("node.json")),
  });
}

describe("keystone v3 password auth", () => {
  test("one token request, token sent as X-Auth-Token on every Ironic request", async () => {
    keystone = await startFakeHttp({
      "POST /identity/v3/auth/tokens": {
        status: 201,
        headers: { "x-subject-token": TOKEN },
        body: fixture("keystone-token.json"),
      },
    });
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

  test("401 from keystone: IronicAuthError with keystone's message and no password", async () => {
    keystone = await startFakeHttp({ "POST /v3/auth/tokens": { status: 401, body: fixture("keystone-401.json") } });
    ironic = await startIronicRequiringToken();
    const err = await clientFor(ironic, { auth: auth(keystone.url, "hunter2") }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IronicAuthError);
    expect((err as Error).message).toBe(
      `Keystone authentication at ${keystone.url}/v3/auth/tokens failed (HTTP 401): The request you have made requires authentication.`,
    );
    expect(JSON.stringify(err) + String((err as Error).stack)).not.toContain("hunter2");
    expect(ironic.requests).toHaveLength(0);
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
