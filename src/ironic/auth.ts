// Authentication against Ironic: none, HTTP basic (Ironic's `auth_strategy = http_basic`), or a Keystone v3
// password token scoped to a project (`auth_strategy = keystone`). With Keystone, Ironic's endpoint is the
// configured URL or, without one, the `baremetal` endpoint of the token's catalog for `region_name` and
// `interface`. A token Ironic refuses (expired, revoked) is replaced once per request; credentials Ironic
// or Keystone refuse are final, and the error names the auth type and the user, never the password.
import { type HttpAnswer, type HttpOptions, isTlsFailure, send } from "../http/request.ts";
import { IronicAuthError, IronicError, IronicTlsError, IronicUnavailable } from "./errors.ts";
import { decodeIronicFault } from "./faults.ts";

export type IronicAuth =
  | { type: "noauth" }
  | { type: "http_basic"; username: string; password: string }
  | {
      type: "keystone";
      auth_url: string;
      username: string;
      password: string;
      /** the token's scope: this project (of project_domain_name), or the system (`system_scope: all`) */
      project_name?: string | undefined;
      system_scope?: "all" | undefined;
      user_domain_name?: string;
      project_domain_name?: string;
      region_name?: string;
      interface?: string;
    };

type KeystoneAuth = Extract<IronicAuth, { type: "keystone" }>;

/** How the requests of one client authenticate. Holds the credentials; never logged, never in an error. */
export interface Authenticator {
  /** The auth headers of one request (a Keystone token is fetched on first use and shared). */
  headers(): Promise<Record<string, string>>;
  /** Ironic's endpoint from Keystone's catalog, without /v1 (keystone only: the others need a URL). */
  catalogEndpoint(): Promise<string>;
  /**
   * Ironic answered 401 to a request sent with `sent`. True when new credentials are worth one more try:
   * a Keystone token (expired or revoked) is dropped and the next headers() gets a new one.
   */
  renew(sent: Record<string, string>): boolean;
  /** The final error for Ironic's 401 to `method url` (after renew, when there was one). */
  refused(method: string, url: string, status: number, body: string): IronicAuthError;
}

/** Ironic or Keystone refused the configured credentials; the message names the auth type and the user. */
export class IronicCredentialsRefused extends IronicAuthError {
  constructor(
    readonly authType: IronicAuth["type"],
    readonly user: string | undefined,
    url: string,
    status: number | undefined,
    message: string,
  ) {
    super(url, status, message);
    this.message = message;
  }
}

/** Keystone could not be reached or answered 5xx: the token request never reached Ironic, so a retry is safe. */
export class KeystoneUnavailable extends IronicUnavailable {
  constructor(
    url: string,
    code: string,
    readonly detail: string,
    attempts: number,
  ) {
    super("POST", url, code, detail, attempts);
    this.message = `Keystone ${url} unreachable after ${attempts} attempt(s): ${code}: ${detail}`;
  }
  /** The same failure, counted over the attempts the transport made. */
  after(attempts: number): KeystoneUnavailable {
    return new KeystoneUnavailable(this.url, this.code, this.detail, attempts);
  }
}

/** Keystone's certificate could not be verified: not retried. */
export class KeystoneTlsError extends IronicTlsError {
  constructor(url: string, code: string, detail: string) {
    super(url, code, detail);
    this.message =
      `TLS verification of Keystone at ${url} (host ${new URL(url).host}) failed (${code}: ${detail}); ` +
      "configure the CA bundle that signed Keystone's certificate (ironic.ca_cert), or set insecure: true for testing only";
  }
}

/** Keystone's catalog has no Ironic endpoint matching the configuration. */
export class KeystoneCatalogError extends IronicError {}

/** @param http the transport's TLS and timeout settings, used for Keystone too (retries are the transport's). */
export function createAuthenticator(auth: IronicAuth, http: HttpOptions): Authenticator {
  switch (auth.type) {
    case "noauth":
      return {
        headers: async () => ({}),
        catalogEndpoint: noCatalog,
        renew: () => false,
        refused: (method, url, status, body) =>
          new IronicCredentialsRefused(
            "noauth",
            undefined,
            url,
            status,
            `Ironic requires authentication (${method} ${url}: HTTP ${status}: ${errorMessage(body)}), but ` +
              "ironic.auth.type is noauth: configure http_basic or keystone credentials",
          ),
      };
    case "http_basic": {
      const value = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}`;
      return {
        headers: async () => ({ authorization: value }),
        catalogEndpoint: noCatalog,
        renew: () => false,
        refused: (method, url, status, body) =>
          new IronicCredentialsRefused(
            "http_basic",
            auth.username,
            url,
            status,
            `Ironic refused HTTP basic auth of user "${auth.username}" (${method} ${url}: HTTP ${status}: ` +
              `${errorMessage(body)}); check ironic.auth.username and ironic.auth.password`,
          ),
      };
    }
    case "keystone":
      return keystoneAuthenticator(auth, http);
  }
}

async function noCatalog(): Promise<string> {
  throw new KeystoneCatalogError("ironic.url is required unless ironic.auth.type is keystone");
}

interface Token {
  value: string;
  catalog: unknown;
}

function keystoneAuthenticator(auth: KeystoneAuth, http: HttpOptions): Authenticator {
  let token: Promise<Token> | undefined;
  /** the last token Ironic refused: requests refused with it together share one new token */
  let dropped: string | undefined;
  const get = () =>
    (token ??= keystoneToken(auth, http).catch((err: unknown) => {
      token = undefined; // let a later request try again
      throw err;
    }));
  return {
    headers: async () => ({ "x-auth-token": (await get()).value }),
    catalogEndpoint: async () => chooseEndpoint((await get()).catalog, auth),
    renew: (sent) => {
      const refused = sent["x-auth-token"];
      if (refused !== dropped) {
        dropped = refused;
        token = undefined;
      }
      return true;
    },
    refused: (method, url, status, body) =>
      new IronicCredentialsRefused(
        "keystone",
        auth.username,
        url,
        status,
        `Ironic refused the Keystone token of user "${auth.username}" (${scopeOf(auth)}) even after ` +
          `authenticating again (${method} ${url}: HTTP ${status}: ${errorMessage(body)}); check that Ironic ` +
          "validates tokens of this Keystone (ironic.auth.auth_url)",
      ),
  };
}

/** The Keystone v3 tokens endpoint, whether auth_url ends in /v3 or not. */
export function keystoneTokensUrl(authUrl: string): string {
  const base = authUrl.replace(/\/+$/, "");
  return /\/v3$/.test(base) ? `${base}/auth/tokens` : `${base}/v3/auth/tokens`;
}

/** The token's scope in messages: `project P` or `system scope`. */
function scopeOf(auth: KeystoneAuth): string {
  return auth.project_name === undefined ? "system scope" : `project ${auth.project_name}`;
}

/** How the user is named in messages: user, domain and scope, never the password. */
function who(auth: KeystoneAuth): string {
  const userDomain = auth.user_domain_name ?? "Default";
  const scope =
    auth.project_name === undefined
      ? "system scope"
      : `project ${auth.project_name} in domain ${auth.project_domain_name ?? "Default"}`;
  return `user "${auth.username}" (domain ${userDomain}, ${scope})`;
}

/** The token's scope as the Identity API takes it. */
function tokenScope(auth: KeystoneAuth): Record<string, unknown> {
  if (auth.project_name === undefined) return { system: { all: true } };
  return { project: { name: auth.project_name, domain: { name: auth.project_domain_name ?? "Default" } } };
}

/** POST /v3/auth/tokens (Identity API v3 "Password authentication with scoped authorization"). */
async function keystoneToken(auth: KeystoneAuth, http: HttpOptions): Promise<Token> {
  const url = keystoneTokensUrl(auth.auth_url);
  const body = {
    auth: {
      identity: {
        methods: ["password"],
        password: {
          user: { name: auth.username, domain: { name: auth.user_domain_name ?? "Default" }, password: auth.password },
        },
      },
      scope: tokenScope(auth),
    },
  };
  let res: HttpAnswer;
  try {
    res = await send({ method: "POST", url: new URL(url), headers: { accept: "application/json" }, json: body }, http);
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown };
    const code = typeof e.code === "string" ? e.code : "ERR_UNKNOWN";
    const detail = typeof e.message === "string" ? e.message : String(err);
    if (isTlsFailure(code)) throw new KeystoneTlsError(url, code, detail);
    throw new KeystoneUnavailable(url, code, detail, 1);
  }
  if (res.status >= 500) throw new KeystoneUnavailable(url, `HTTP ${res.status}`, errorMessage(res.body), 1);
  if (res.status === 401 || res.status === 403) {
    throw new IronicCredentialsRefused(
      "keystone",
      auth.username,
      url,
      res.status,
      `Keystone refused the credentials of ${who(auth)} at ${url} (HTTP ${res.status}): ${errorMessage(res.body)}; ` +
        "check ironic.auth",
    );
  }
  if (res.status !== 201 && res.status !== 200) {
    throw new IronicAuthError(url, res.status, `${errorMessage(res.body)} (authenticating ${who(auth)})`);
  }
  const value = res.headers["x-subject-token"];
  if (typeof value !== "string" || value === "") {
    throw new IronicAuthError(url, res.status, "no X-Subject-Token header in the answer");
  }
  let catalog: unknown;
  try {
    catalog = (JSON.parse(res.body) as { token?: { catalog?: unknown } }).token?.catalog;
  } catch {
    // no catalog: only a configured ironic.url can be used
  }
  return { value, catalog };
}

interface CatalogEndpoint {
  interface?: unknown;
  region_id?: unknown;
  region?: unknown;
  url?: unknown;
}

/**
 * The `baremetal` endpoint of the catalog for the configured interface (default public) and region: the one
 * of `region_name`, or the only region's. Its URL without a trailing /v1 (the client adds it).
 */
export function chooseEndpoint(catalog: unknown, auth: KeystoneAuth): string {
  const iface = auth.interface ?? "public";
  const region = auth.region_name;
  const services = Array.isArray(catalog) ? (catalog as { type?: unknown; endpoints?: unknown }[]) : [];
  const wanted = `a baremetal endpoint with interface ${iface}${region ? ` in region ${region}` : ""}`;
  const whose = `Keystone's catalog for user "${auth.username}" (${scopeOf(auth)})`;
  const endpoints = services
    .filter((s) => s.type === "baremetal")
    .flatMap((s) => (Array.isArray(s.endpoints) ? (s.endpoints as CatalogEndpoint[]) : []));
  if (endpoints.length === 0) {
    const types = services.map((s) => String(s.type)).join(", ") || "nothing";
    throw new KeystoneCatalogError(`${whose} has no baremetal service, only: ${types}; looked for ${wanted}`);
  }
  const regionOf = (e: CatalogEndpoint) => String(e.region_id ?? e.region ?? "");
  const matching = endpoints.filter(
    (e) => e.interface === iface && typeof e.url === "string" && (!region || regionOf(e) === region),
  );
  const regions = [...new Set(matching.map(regionOf))];
  if (matching.length === 0) {
    const offered = endpoints.map((e) => `${regionOf(e) || "(no region)"} ${String(e.interface)}`).join(", ");
    throw new KeystoneCatalogError(`${whose} has no ${wanted.slice(2)}; its baremetal endpoints: ${offered}`);
  }
  if (regions.length > 1) {
    throw new KeystoneCatalogError(
      `${whose} has baremetal endpoints with interface ${iface} in several regions (${regions.join(", ")}): ` +
        "set ironic.auth.region_name",
    );
  }
  return (matching[0]!.url as string).replace(/\/+$/, "").replace(/\/v1$/, "");
}

/** Keystone's and Ironic's 401 bodies are {"error": {"code": 401, "message": "..."}}; Ironic's faults otherwise. */
function errorMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } };
    if (typeof parsed.error?.message === "string") return parsed.error.message;
  } catch {
    // not JSON
  }
  return decodeIronicFault(body).message || body.slice(0, 200);
}
