// Authentication against Ironic: none, HTTP basic (Ironic's `auth_strategy = http_basic`), or a Keystone v3
// password token. The Ironic URL is always configured explicitly, so the Keystone catalog is not consulted
// (region_name/interface are accepted for config compatibility and ignored).
import { type HttpAnswer, type HttpOptions, send } from "../http/request.ts";
import { IronicAuthError } from "./errors.ts";
import { decodeIronicFault } from "./faults.ts";

export type IronicAuth =
  | { type: "noauth" }
  | { type: "http_basic"; username: string; password: string }
  | {
      type: "keystone";
      auth_url: string;
      username: string;
      password: string;
      project_name: string;
      user_domain_name?: string;
      project_domain_name?: string;
      region_name?: string;
      interface?: string;
    };

/** Produces the auth headers of one request. Never logged, never put in an error. */
export type AuthHeaders = () => Promise<Record<string, string>>;

/**
 * @param http the transport's TLS and timeout settings (Keystone gets no retries).
 * A Keystone token is fetched on first use and cached for the client's lifetime (a CPI process makes one call,
 * far shorter than Keystone's default 1 h token lifetime).
 */
export function createAuthHeaders(auth: IronicAuth, http: HttpOptions): AuthHeaders {
  switch (auth.type) {
    case "noauth":
      return async () => ({});
    case "http_basic": {
      const value = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}`;
      return async () => ({ authorization: value });
    }
    case "keystone": {
      let token: Promise<string> | undefined;
      return async () => {
        token ??= keystoneToken(auth, http).catch((err: unknown) => {
          token = undefined; // let a later request try again
          throw err;
        });
        return { "x-auth-token": await token };
      };
    }
  }
}

/** The Keystone v3 tokens endpoint, whether auth_url ends in /v3 or not. */
export function keystoneTokensUrl(authUrl: string): string {
  const base = authUrl.replace(/\/+$/, "");
  return /\/v3$/.test(base) ? `${base}/auth/tokens` : `${base}/v3/auth/tokens`;
}

/** POST /v3/auth/tokens (Identity API v3 "Password authentication with scoped authorization"). */
async function keystoneToken(auth: Extract<IronicAuth, { type: "keystone" }>, http: HttpOptions): Promise<string> {
  const url = keystoneTokensUrl(auth.auth_url);
  const body = {
    auth: {
      identity: {
        methods: ["password"],
        password: {
          user: { name: auth.username, domain: { name: auth.user_domain_name ?? "Default" }, password: auth.password },
        },
      },
      scope: { project: { name: auth.project_name, domain: { name: auth.project_domain_name ?? "Default" } } },
    },
  };
  let res: HttpAnswer;
  try {
    res = await send({ method: "POST", url: new URL(url), headers: { accept: "application/json" }, json: body }, http);
  } catch (err) {
    const e = err as { code?: string; message?: string };
    throw new IronicAuthError(url, undefined, `${e.code ?? "error"}: ${e.message ?? String(err)}`);
  }
  if (res.status !== 201 && res.status !== 200) {
    throw new IronicAuthError(url, res.status, keystoneMessage(res.body));
  }
  const token = res.headers["x-subject-token"];
  if (typeof token !== "string" || token === "") {
    throw new IronicAuthError(url, res.status, "no X-Subject-Token header in the answer");
  }
  return token;
}

/** Keystone errors look like {"error": {"code": 401, "title": "Unauthorized", "message": "..."}}. */
function keystoneMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } };
    if (typeof parsed.error?.message === "string") return parsed.error.message;
  } catch {
    // not JSON
  }
  return decodeIronicFault(body).message;
}
