// The one polling helper (house style §3.12). Adaptive: each sleep is a fifth of the time waited so far,
// between the initial and the largest interval. So a state change is seen at most 20 % (and at most the
// largest interval) after it happened: every 200 ms in the first second, where fake-hardware transitions
// take ~50–150 ms, and ~50 polls for a real server's 10-minute deploy (bench/poll.bench.ts), where a
// fixed short interval would cost hundreds. A failure state ends the wait with IronicStateError
// (+ last_error), the deadline with IronicTimeoutError.
// Logs only state changes (like openstacksdk's _check_state_reached / gophercloud's nodes/util.go).
import { IronicStateError, IronicTimeoutError } from "./errors.ts";
import type { Node, NodeField } from "./node-schema.ts";
import { FAILURE_STATES } from "./provision-states.ts";
import { getNode } from "./nodes.ts";
import type { Transport } from "./transport.ts";

export interface WaitClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: WaitClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface WaitOptions<T> {
  until: (item: T) => boolean;
  /** States that throw IronicStateError (checked after `until`). */
  failOn?: readonly string[];
  /**
   * An item that ends the wait as a failure although its state is no failure state: a transition that fell
   * back where it started (verification failed: `enroll` again, with last_error). Checked after `until`.
   */
  failIf?: (item: T) => boolean;
  /** Default 600 000 (10 min). */
  timeoutMs?: number;
  /** The shortest sleep, default 200 ms. */
  initialIntervalMs?: number;
  /** The longest sleep, default 30 000 ms. */
  maxIntervalMs?: number;
  onTransition?: (from: string | null, to: string | null) => void;
  clock?: WaitClock;
}

interface Subject<T> {
  resource: string;
  fetch: () => Promise<T>;
  state: (item: T) => string | null;
  lastError: (item: T) => string | null;
}

/** Polls `subject` until `opts.until` holds; returns the last item fetched. */
export async function pollUntil<T>(t: Transport, subject: Subject<T>, opts: WaitOptions<T>): Promise<T> {
  const clock = opts.clock ?? realClock;
  const timeoutMs = opts.timeoutMs ?? 600_000;
  const initial = opts.initialIntervalMs ?? 200;
  const max = opts.maxIntervalMs ?? 30_000;
  const failOn = new Set(opts.failOn ?? []);
  const started = clock.now();
  let last: string | null | undefined; // undefined = nothing seen yet
  for (;;) {
    const item = await subject.fetch();
    const state = subject.state(item);
    if (state !== last) {
      if (last !== undefined) {
        t.log.info(
          { resource: subject.resource, from: last, to: state, ms: Math.round(clock.now() - started) },
          "Ironic state changed",
        );
        opts.onTransition?.(last, state);
      }
      last = state;
    }
    if (opts.until(item)) return item;
    if ((state !== null && failOn.has(state)) || opts.failIf?.(item))
      throw new IronicStateError(subject.resource, state ?? "unknown", subject.lastError(item));
    const elapsed = clock.now() - started;
    if (elapsed >= timeoutMs) throw new IronicTimeoutError(subject.resource, state, timeoutMs);
    const interval = Math.min(max, Math.max(initial, elapsed / 5));
    await clock.sleep(Math.min(interval, timeoutMs - elapsed));
  }
}

export interface WaitForNodeOptions extends WaitOptions<Node> {
  /** Poll with `fields=` (uuid, provision_state, last_error are always included). Default: the full node. */
  fields?: readonly NodeField[];
}

/** Waits on GET /v1/nodes/{node}; transitions are provision_state changes; failOn defaults to FAILURE_STATES. */
export function waitForNode(t: Transport, id: string, opts: WaitForNodeOptions): Promise<Node> {
  const fields = opts.fields && [...new Set<NodeField>(["provision_state", "last_error", ...opts.fields])];
  return pollUntil(
    t,
    {
      resource: `node ${id}`,
      fetch: () => getNode(t, id, fields ? { fields } : {}),
      state: (n) => n.provision_state ?? null,
      lastError: (n) => n.last_error ?? null,
    },
    { ...opts, failOn: opts.failOn ?? FAILURE_STATES },
  );
}
