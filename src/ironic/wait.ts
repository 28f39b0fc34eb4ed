// The one polling helper (house style §3.12). Adaptive: sub-second at first (fake-hardware transitions take
// ~50–150 ms), backing off to a few seconds for real hardware; the interval resets when the state moves.
// A failure state ends the wait with IronicStateError (+ last_error), the deadline with IronicTimeoutError.
// Logs only state changes (like openstacksdk's _check_state_reached / gophercloud's nodes/util.go).
import { type Allocation, getAllocation } from "./allocations.ts";
import { IronicStateError, IronicTimeoutError } from "./errors.ts";
import type { Node, NodeField } from "./node-schema.ts";
import { getNode } from "./nodes.ts";
import type { Transport } from "./transport.ts";

/** Provision states that end any wait unless `until` accepts them. */
export const NODE_FAILURE_STATES = [
  "deploy failed", "clean failed", "inspect failed", "error", "rescue failed", "unrescue failed",
  "adopt failed", "service failed",
] as const;

export interface WaitClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: WaitClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface WaitOptions<T> {
  until: (item: T) => boolean;
  /** States that throw IronicStateError (checked after `until`). */
  failOn?: readonly string[];
  /** Default 600 000 (10 min). */
  timeoutMs?: number;
  /** Default 200 ms. */
  initialIntervalMs?: number;
  /** Default 3 000 ms. */
  maxIntervalMs?: number;
  /** Interval multiplier per unchanged poll, default 1.5. */
  backoff?: number;
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
  const max = opts.maxIntervalMs ?? 3_000;
  const failOn = new Set(opts.failOn ?? []);
  const started = clock.now();
  let interval = initial;
  let last: string | null | undefined; // undefined = nothing seen yet
  for (;;) {
    const item = await subject.fetch();
    const state = subject.state(item);
    if (state !== last) {
      if (last !== undefined) {
        t.log.info({ resource: subject.resource, from: last, to: state, ms: Math.round(clock.now() - started) }, "Ironic state changed");
        opts.onTransition?.(last, state);
        interval = initial;
      }
      last = state;
    }
    if (opts.until(item)) return item;
    if (state !== null && failOn.has(state)) throw new IronicStateError(subject.resource, state, subject.lastError(item));
    const elapsed = clock.now() - started;
    if (elapsed >= timeoutMs) throw new IronicTimeoutError(subject.resource, state, timeoutMs);
    await clock.sleep(Math.min(interval, timeoutMs - elapsed));
    interval = Math.min(max, interval * (opts.backoff ?? 1.5));
  }
}

export interface WaitForNodeOptions extends WaitOptions<Node> {
  /** Poll with `fields=` (uuid, provision_state, last_error are always included). Default: the full node. */
  fields?: readonly NodeField[];
}

/** Waits on GET /v1/nodes/{node}; transitions are provision_state changes; failOn defaults to NODE_FAILURE_STATES. */
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
    { ...opts, failOn: opts.failOn ?? NODE_FAILURE_STATES },
  );
}

/** Waits until the allocation is "active" (default `until`); "error" throws with its last_error. */
export function waitForAllocation(t: Transport, id: string, opts: Partial<WaitOptions<Allocation>> = {}): Promise<Allocation> {
  return pollUntil(
    t,
    {
      resource: `allocation ${id}`,
      fetch: () => getAllocation(t, id),
      state: (a) => a.state,
      lastError: (a) => a.last_error ?? null,
    },
    { ...opts, failOn: opts.failOn ?? ["error"], until: opts.until ?? ((a) => a.state === "active") },
  );
}
