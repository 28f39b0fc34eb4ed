// How many polls a long deploy costs, by simulation: the CPI's own poll loop (src/ironic/wait.ts
// pollUntil) with the configured defaults, on a virtual clock, against a node that goes the way a real
// server's deploy goes in 10 minutes (power on and PXE, the agent ramdisk booting while Ironic waits
// for its call-back, the image written, the reboot). No real time passes.
import { fileURLToPath } from "node:url";
import { Config } from "../src/config/schema.ts";
import type { Transport } from "../src/ironic/transport.ts";
import { pollUntil, type WaitClock } from "../src/ironic/wait.ts";
import type { BenchRow } from "./table.ts";

/** [state, from second]: a 10-minute deploy of a physical server. */
const REAL_DEPLOY: [string, number][] = [
  ["deploying", 0],
  ["wait call-back", 20],
  ["deploying", 480],
  ["active", 600],
];

export async function benchPollSchedule(): Promise<BenchRow[]> {
  const { poll } = Config.parse({
    ironic: { url: "http://ironic:6385" },
    stemcell_store: { url: "http://store/" },
    agent: { mbus: "nats://x" },
  }).ironic;
  let now = 0;
  let polls = 0;
  const clock: WaitClock = {
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
  };
  const state = () => REAL_DEPLOY.filter(([, from]) => now >= from * 1000).at(-1)![0];
  const t = { log: { info() {}, debug() {}, warn() {} } } as unknown as Transport;
  await pollUntil(
    t,
    {
      resource: "node sim",
      fetch: async () => {
        polls++;
        return state();
      },
      state: (s) => s,
      lastError: () => null,
    },
    {
      until: (s) => s === "active",
      timeoutMs: 3_600_000,
      initialIntervalMs: poll.initial_interval_ms,
      maxIntervalMs: poll.max_interval_ms,
      clock,
    },
  );
  const late = now / 1000 - 600;
  return [
    {
      figure: "polls for a 10-minute deploy (simulated, default poll settings)",
      ours: `${polls} polls, active seen ${late.toFixed(1)} s late`,
      baseline: `${600 / 3} polls at a fixed 3 s (settings: ${poll.initial_interval_ms} ms to ${poll.max_interval_ms / 1000} s, a fifth of the time waited)`,
      goal: "≤ 60 polls",
      met: polls <= 60,
    },
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { formatTable } = await import("./table.ts");
  console.log(formatTable(await benchPollSchedule()));
}
