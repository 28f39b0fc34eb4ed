// THE HTTP transport of the Ironic client: base URL, auth, the pinned microversion, TLS, timeouts and JSON
// over src/http/request.ts; one retry loop (retry.ts) and the only place IronicHttpError and friends are built.
import { describeIssues } from "../issues.ts";
import type { Logger } from "pino";
import type * as z from "zod";
import { type Authenticator, type IronicAuth, KeystoneUnavailable, createAuthenticator } from "./auth.ts";
import * as E from "./errors.ts";
import { classifyConflict, decodeIronicFault, isNoValidHost } from "./faults.ts";
import type { Microversion } from "./microversions.ts";
import { backoffDelay } from "../http/backoff.ts";
import { type HttpAnswer, type HttpOptions, isTlsFailure, send } from "../http/request.ts";
import { DEFAULT_RETRY, outcomeUnknown, shouldRetry, type RetryPolicy } from "./retry.ts";

export type IronicLogger = Pick<Logger, "debug" | "info" | "warn" | "error">;

export interface TransportOptions {
  /** Ironic endpoint without /v1, e.g. https://ironic.example:6385; without it (keystone auth only) the
   * baremetal endpoint of Keystone's catalog */
  url?: string | undefined;
  auth?: IronicAuth;
  /** PEM CA bundle that signed Ironic's (and Keystone's) certificate; replaces the system roots. */
  caCert?: string;
  /** Disable TLS verification. The caller is expected to log a warning. */
  insecure?: boolean;
  /** Per-attempt request timeout (default 30 000 ms); a NodeLocked 409 alone takes ~3 s. */
  timeoutMs?: number;
  /** TCP/TLS connect timeout (default 5 000 ms). */
  connectTimeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  logger?: IronicLogger;
  /**
   * The nodes this client may see (nodes.ts): listed with these filters, created with these fields, and a
   * node outside them is not found. Several consumers share one Ironic this way (Ironic's shards).
   */
  scope?: NodeScope;
  /** Test hooks for the backoff. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface NodeScope {
  /** API ≥ 1.82 */
  shard?: string;
  /** API ≥ 1.50 */
  owner?: string;
  /** API ≥ 1.65 */
  lessee?: string;
}

export type Query = Record<string, string | number | boolean | readonly string[] | undefined | null>;

export interface RequestOptions<T> {
  query?: Query | URLSearchParams;
  json?: unknown;
  /** Parses the 2xx body; omitted → the body is ignored and undefined returned. */
  schema?: z.ZodType<T>;
  /** Override the method-based idempotency used by the retry policy. */
  idempotent?: boolean;
  /** Sees the headers of the successful answer (negotiation reads the version headers). */
  onHeaders?: (headers: Record<string, string | string[] | undefined>) => void;
  /**
   * For a request that is not idempotent: after a failure of unknown outcome (retry.ts
   * outcomeUnknown), did it take effect? `{result}` = done, answered with `result`; false = safe to
   * send again.
   */
  landed?: () => Promise<{ result: T } | false>;
}

const NO_LOG: IronicLogger = { debug() {}, info() {}, warn() {}, error() {} };
export class Transport {
  /** Every HTTP attempt sent to Ironic (negotiation and retries included; Keystone not). */
  requestCount = 0;
  readonly log: IronicLogger;
  private readonly http: HttpOptions;
  private readonly auth: Authenticator;
  private readonly policy: RetryPolicy;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  /** Ironic's root without a trailing slash: configured, or from Keystone's catalog on the first request. */
  private root: string | undefined;
  private pinned: Microversion | undefined;

  constructor(opts: TransportOptions) {
    this.http = {
      connectTimeoutMs: opts.connectTimeoutMs,
      timeoutMs: opts.timeoutMs,
      caCert: opts.caCert,
      insecure: opts.insecure,
    };
    this.root = opts.url?.replace(/\/+$/, "");
    this.auth = createAuthenticator(opts.auth ?? { type: "noauth" }, this.http);
    this.policy = { ...DEFAULT_RETRY, ...opts.retry };
    this.log = opts.logger ?? NO_LOG;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.random = opts.random ?? Math.random;
    this.scope = opts.scope ?? {};
  }

  /** See TransportOptions.scope; empty when the client sees every node. */
  readonly scope: NodeScope;

  /**
   * The API root (`GET /`), outside /v1. Before the endpoint is known (Keystone's catalog is read on the
   * first request) it is the root relative to /v1/, which request() resolves once it is.
   */
  get rootUrl(): string {
    return this.root === undefined ? "../" : `${this.root}/`;
  }

  /** The negotiated version; set once by versions.ts. */
  get microversion(): Microversion {
    if (!this.pinned) throw new Error("Ironic microversion not negotiated yet");
    return this.pinned;
  }
  pin(mv: Microversion): void {
    this.pinned = mv;
  }

  get<T>(path: string, opts: RequestOptions<T> = {}) {
    return this.request("GET", path, opts);
  }
  post<T>(path: string, opts: RequestOptions<T> = {}) {
    return this.request("POST", path, opts);
  }
  put<T>(path: string, opts: RequestOptions<T> = {}) {
    return this.request("PUT", path, opts);
  }
  patch<T>(path: string, opts: RequestOptions<T> = {}) {
    return this.request("PATCH", path, opts);
  }
  delete<T>(path: string, opts: RequestOptions<T> = {}) {
    return this.request("DELETE", path, opts);
  }

  /**
   * `path` is relative to <url>/v1/ (no leading slash), or an absolute URL (only the API root uses that).
   * Ironic's 401 to a Keystone token gets one new token per request; Keystone unreachable is retried like
   * Ironic unreachable, whatever the method (the request never reached Ironic).
   */
  async request<T>(method: string, path: string, opts: RequestOptions<T> = {}): Promise<T> {
    const searchParams = toSearchParams(opts.query);
    let renewed = false;
    for (let attempt = 1; ; attempt++) {
      let failure: E.IronicError;
      let shown = path;
      let auth: Record<string, string>;
      try {
        this.root ??= await this.auth.catalogEndpoint();
        auth = await this.auth.headers();
      } catch (err) {
        if (!(err instanceof KeystoneUnavailable)) throw err; // refused credentials, TLS, catalog: final
        if (attempt >= this.policy.attempts) throw err.after(attempt);
        await this.backOff(attempt, "POST", err.url, err.message);
        continue;
      }
      const url = new URL(path, `${this.root}/v1/`);
      if (searchParams.size > 0) url.search = searchParams.toString();
      shown = redactUrl(url.href);
      try {
        const headers = { accept: "application/json", ...auth, ...this.versionHeader() };
        this.requestCount++;
        const started = Date.now();
        const res = await send({ method, url, headers, json: opts.json }, this.http);
        this.log.debug({ method, url: shown, status: res.status, ms: Date.now() - started, attempt }, "ironic request");
        if (res.status < 300) {
          opts.onHeaders?.(res.headers);
          return parseBody(res, opts.schema, method, shown);
        }
        if (res.status === 401) {
          // refused before Ironic acted (the auth middleware answers first): safe to send again, whatever the method
          if (!renewed && this.auth.renew(auth)) {
            renewed = true;
            this.log.info(
              { method, url: shown },
              "Ironic refused the Keystone token (expired or revoked): authenticating again",
            );
            attempt--;
            continue;
          }
          throw this.auth.refused(method, shown, res.status, res.body);
        }
        failure = toIronicError(res.status, method, shown, res.body);
      } catch (err) {
        if (err instanceof E.IronicError) throw err; // auth and body-parse failures are final
        failure = fromRequestError(err, method, shown, attempt);
      }
      if (attempt >= this.policy.attempts) throw failure;
      if (!shouldRetry(failure, { method, idempotent: opts.idempotent })) {
        if (!opts.landed || !outcomeUnknown(failure, method)) throw failure;
        const done = await opts.landed();
        if (done) {
          this.log.info(
            { method, url: shown, attempt, reason: failure.message },
            "Ironic request took effect despite the failed answer",
          );
          return done.result;
        }
      }
      await this.backOff(attempt, method, shown, failure.message);
    }
  }

  private async backOff(attempt: number, method: string, url: string, reason: string): Promise<void> {
    const delay = backoffDelay(attempt, this.policy, this.random);
    this.log.warn({ method, url, attempt, delayMs: delay, reason }, "retrying Ironic request");
    await this.sleep(delay);
  }

  private versionHeader(): Record<string, string> {
    return this.pinned ? { "x-openstack-ironic-api-version": this.pinned.version } : {};
  }
}

/** Status → error class; the 409 split goes through faults.classifyConflict, the only text matcher. */
export function toIronicError(status: number, method: string, url: string, body: string): E.IronicHttpError {
  const fault = decodeIronicFault(body);
  const init: E.HttpErrorInit = {
    status,
    method,
    url,
    ironicMessage: fault.message || `HTTP ${status}`,
    ...(fault.faultcode ? { faultcode: fault.faultcode } : {}),
  };
  switch (status) {
    case 400:
      return isNoValidHost(fault.message) ? new E.IronicNoConductor(init) : new E.IronicBadRequest(init);
    case 404:
      return new E.IronicNotFound(init);
    case 406:
      return new E.IronicNotAcceptable(init);
    case 409: {
      const kind = classifyConflict(fault.message);
      if (kind === "locked") return new E.IronicNodeLocked(init);
      if (kind === "associated") return new E.IronicNodeAssociated(init);
      return new E.IronicConflict(init);
    }
    default:
      return new E.IronicHttpError(init);
  }
}

/** A failure without an answer → our error, copying only code and message. */
function fromRequestError(err: unknown, method: string, url: string, attempts: number): E.IronicError {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e.code === "string" ? e.code : "ERR_UNKNOWN";
  const detail = typeof e.message === "string" ? e.message : String(err);
  if (isTlsFailure(code)) return new E.IronicTlsError(url, code, detail);
  return new E.IronicUnavailable(method, url, code, detail, attempts);
}

function parseBody<T>(res: HttpAnswer, schema: z.ZodType<T> | undefined, method: string, url: string): T {
  if (!schema) return undefined as T;
  let data: unknown;
  try {
    data = res.body === "" ? undefined : JSON.parse(res.body);
  } catch {
    throw new E.IronicBadResponse(method, url, "body is not JSON");
  }
  const parsed = schema.safeParse(data, { reportInput: true });
  if (!parsed.success)
    throw new E.IronicBadResponse(
      method,
      url,
      describeIssues(parsed.error.issues, { first: true, dottedIndexes: true }),
    );
  return parsed.data;
}

function toSearchParams(query: Query | URLSearchParams | undefined): URLSearchParams {
  if (query instanceof URLSearchParams) return query;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null) continue;
    params.set(key, Array.isArray(value) ? value.join(",") : String(value));
  }
  return params;
}

/** Drops user:password@ from a URL for display. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = "";
    u.password = "";
    return u.toString().replace(/\/$/, url.endsWith("/") ? "/" : "");
  } catch {
    return url.replace(/\/\/[^/@]*@/, "//");
  }
}
