// Waiting for an Ironic node through a long real provisioning (minutes under software emulation) while
// writing down when each thing changed: provision state, current deploy/clean step, power state. The
// timeline is both the measurement (ramdisk boot to heartbeat, image write, reboot) and the evidence
// when a wait ends in a failure state or runs out.
export interface NodeSnapshot {
  provision_state: string | null;
  target_provision_state: string | null;
  power_state: string | null;
  last_error: string | null;
  deploy_step?: { step?: string } | null;
  clean_step?: { step?: string } | null;
  [key: string]: unknown;
}

export interface TimelineEntry {
  /** ms since the wait began */
  readonly at: number;
  readonly state: string;
}

export interface Timeline {
  readonly entries: TimelineEntry[];
  /** ms from the wait's start to the first entry whose state matches */
  at(pattern: RegExp): number | undefined;
  toString(): string;
}

function describe(n: NodeSnapshot): string {
  const step = n.deploy_step?.step ?? n.clean_step?.step;
  return [
    `${n.provision_state}${n.target_provision_state ? `→${n.target_provision_state}` : ""}`,
    step ? `step ${step}` : "",
    `power ${n.power_state}`,
  ]
    .filter(Boolean)
    .join(", ");
}

export function newTimeline(): Timeline {
  const entries: TimelineEntry[] = [];
  return {
    entries,
    at: (pattern) => entries.find((e) => pattern.test(e.state))?.at,
    toString: () => entries.map((e) => `  +${(e.at / 1000).toFixed(1)} s  ${e.state}`).join("\n"),
  };
}

/**
 * Polls `get` every `everyMs` until the node rests in one of `states` (no target), recording every
 * change in `timeline` (relative to `since`, default now). Ends early in a failure state or in
 * maintenance; throws with the timeline and `context()` (consoles, logs) then and on timeout.
 */
export async function waitForNode(
  get: () => Promise<NodeSnapshot>,
  states: readonly string[],
  o: { timeoutMs: number; everyMs?: number; timeline?: Timeline; since?: number; context?: () => string },
): Promise<NodeSnapshot> {
  const timeline = o.timeline ?? newTimeline();
  const t0 = o.since ?? performance.now();
  const deadline = performance.now() + o.timeoutMs;
  let last = "";
  for (;;) {
    const n = await get();
    const d = describe(n);
    if (d !== last) {
      timeline.entries.push({ at: Math.round(performance.now() - t0), state: d });
      last = d;
    }
    const resting = !n.target_provision_state;
    if (resting && n.provision_state && states.includes(n.provision_state)) return n;
    // "deploy failed", "clean failed", ... keep their target: they end the wait all the same
    const failed = /fail|error/.test(n.provision_state ?? "");
    if (failed || n["maintenance"] === true || performance.now() > deadline) {
      const why = failed
        ? `ended in ${n.provision_state}`
        : n["maintenance"] === true
          ? `went into maintenance (${n["maintenance_reason"]})`
          : `not ${states.join("|")} within ${Math.round(o.timeoutMs / 1000)} s`;
      throw new Error(
        `node ${why}; last_error: ${n.last_error}\ntimeline:\n${timeline}\n${o.context?.() ?? ""}`.trimEnd(),
      );
    }
    await new Promise((r) => setTimeout(r, o.everyMs ?? 1000));
  }
}
