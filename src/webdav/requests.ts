// Every request of the store goes through here: a per-attempt timeout, the one retry policy
// (retry.ts), and the `webdav` client's errors turned into ours. The client's errors carry `.status`
// (HTTP) or node-fetch's `.code` (system); only those are copied, never its request or response.
import type { Logger } from "pino";
import { WebdavError, WebdavHttpError, WebdavUnavailable } from "./errors.ts";
import { type Backoff, backoffDelay } from "../http/backoff.ts";
import { isTransient } from "./retry.ts";

export type StoreLogger = Pick<Logger, "debug" | "info" | "warn">;

export interface RequestPolicy {
  /** scheme://host:port, for messages. */
  origin: string;
  timeoutMs: number;
  /** Extra attempts after a transient failure. */
  retries: number;
  backoff: Backoff;
  log: StoreLogger;
  sleep: (ms: number) => Promise<void>;
}

export class Requests {
  /** HTTP requests sent, retries included (tests prove that refused input sent none). */
  count = 0;

  constructor(readonly policy: RequestPolicy) {}

  /** One idempotent operation: `run` gets an abort signal for this attempt's timeout. */
  async call<T>(method: string, path: string, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return this.retrying(method, path, "retrying WebDAV request", async () => {
      this.count++;
      try {
        return await run(AbortSignal.timeout(this.policy.timeoutMs));
      } catch (err) {
        throw this.toError(err, method, path);
      }
    });
  }

  /** Runs `attempt` again after each transient failure, with backoff, up to the policy's retries. */
  async retrying<T>(method: string, path: string, what: string, attempt: () => Promise<T>): Promise<T> {
    for (let retry = 0; ; ) {
      try {
        return await attempt();
      } catch (err) {
        if (++retry > this.policy.retries || !isTransient(err)) throw err;
        const delay = backoffDelay(retry, this.policy.backoff);
        this.policy.log.warn(
          { method, path, attempt: retry + 1, delay_ms: delay, reason: (err as Error).message },
          what,
        );
        await this.policy.sleep(delay);
      }
    }
  }

  toError(err: unknown, method: string, path: string): WebdavError {
    if (err instanceof WebdavError) return err;
    const e = err as { status?: unknown; response?: { statusText?: unknown }; code?: unknown; name?: unknown };
    if (typeof e.status === "number") {
      const text = typeof e.response?.statusText === "string" ? e.response.statusText : "";
      return new WebdavHttpError(method, path, e.status, text);
    }
    const timedOut = e.name === "AbortError" || e.name === "TimeoutError";
    const code = timedOut ? "ETIMEDOUT" : typeof e.code === "string" ? e.code : "ERR_UNKNOWN";
    return new WebdavUnavailable(method, path, code, this.policy.origin);
  }
}
