// The real-deploy rows of `npm run bench -- --real` (real-deploy.bench.ts has scripts/e2e.sh run this inside a
// network namespace of its own): on the e2e test bed (emulated servers, Redfish BMC, today's Ironic, IPA), the
// stemcell built here deployed on one server twice:
//   ours:     create_vm through the rendered job and bosh-cli's CPI client (what create-env runs);
//   baseline: Ironic alone on the same server, `baremetal node deploy` as its REST call, with the same
//             instance_info, network_data and config drive the CPI wrote (read back from Ironic's database).
// Each deploy's node timeline splits it into ramdisk boot, image write and reboot; the agent's pong after
// `active` is the stemcell's boot (the same drive: the same agent settings and mbus both times).
// Writes the rows as JSON to the file named by its one argument.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Timeline, newTimeline, waitForNode } from "../test/harness/testbed/node-timeline.ts";
import { cpiOnBed, createVmFollowed, followDeploy, openBed, untilPong } from "../test/e2e/real-deploy.ts";
import type { BenchRow } from "./table.ts";

const out = process.argv[2];
if (!out) throw new Error("usage: real-deploy.ts <rows.json>");

const PHASES: [string, (t: Timeline) => number | undefined][] = [
  [
    "ramdisk boot (server on → IPA's first heartbeat)",
    (t) => span(t.at(/^wait call-back/), after(t, /^wait call-back/)),
  ],
  [
    "image write (IPA's write_image: download, sha256, dd, config drive)",
    (t) => span(t.at(/step write_image/), after(t, /step write_image/)),
  ],
  ["reboot (IPA's tear_down_agent → active)", (t) => span(t.at(/step tear_down_agent/), t.entries.at(-1)?.at)],
];

const o = await openBed();
const rows: BenchRow[] = [];
try {
  const { bed, server: S, rest } = o;
  const c = await cpiOnBed(o);

  // ours
  const ours = await createVmFollowed(o, c);
  const oursPong = await untilPong(o, c);
  const fromDb = (column: string) =>
    JSON.parse(
      execFileSync(
        "sqlite3",
        [join(bed.dir, "ironic", "ironic.sqlite"), `select ${column} from nodes where uuid='${S.node}'`],
        { encoding: "utf8" },
      ),
    ) as Record<string, unknown>;
  const { configdrive, ...instanceInfo } = fromDb("instance_info");
  const networkData = fromDb("network_data");
  const deleted = await c.cpi.call("delete_vm", [ours.vm]);
  if (deleted.code !== 0) throw new Error(`delete_vm: ${deleted.error?.message}`);

  // baseline: Ironic alone
  await rest.call("PATCH", `/v1/nodes/${S.node}`, [
    { op: "add", path: "/instance_info", value: instanceInfo },
    { op: "add", path: "/network_data", value: networkData },
  ]);
  const t1 = performance.now();
  await rest.call("PUT", `/v1/nodes/${S.node}/states/provision`, { target: "active", configdrive });
  const aloneTimeline = await followDeploy(o, t1, newTimeline());
  const aloneMs = performance.now() - t1;
  const alonePong = await untilPong(o, c);
  await rest.call("PUT", `/v1/nodes/${S.node}/states/provision`, { target: "deleted" });
  await waitForNode(o.node, ["available"], { timeoutMs: 2_400_000 });
  await c.cpi.call("delete_stemcell", [c.stemcell]);

  const s = (x: number) => `${(x / 1000).toFixed(1)} s`;
  const row = (figure: string, a: number, b: number, goal: number): BenchRow => ({
    figure: `real deploy: ${figure}`,
    ours: s(a),
    baseline: `${s(b)} Ironic alone, same server and image`,
    ratio: a / b,
    goal: `≤ ${goal}×`,
    met: a / b <= goal,
  });
  rows.push(row("the whole create_vm (to active)", ours.ms, aloneMs, 1.05));
  // IPA's and the emulator's work, not the CPI's: the same within the run's noise
  for (const [name, f] of PHASES) {
    const a = f(ours.timeline);
    const b = f(aloneTimeline);
    if (a === undefined || b === undefined)
      throw new Error(`no ${name} in the timelines:\n${ours.timeline}\n---\n${aloneTimeline}`);
    rows.push(row(name, a, b, 1.1));
  }
  rows.push(row("the stemcell's boot (active → the agent's pong)", oursPong, alonePong, 1.1));
  rows.push(row("create_vm to the agent's pong", ours.ms + oursPong, aloneMs + alonePong, 1.05));
  process.stderr.write(`[bench] create_vm:\n${ours.timeline}\n[bench] Ironic alone:\n${aloneTimeline}\n`);
} finally {
  await o.close();
}
writeFileSync(out, JSON.stringify(rows));

function after(t: Timeline, re: RegExp): number | undefined {
  const i = t.entries.findIndex((e) => re.test(e.state));
  return i < 0 ? undefined : t.entries.slice(i + 1).find((e) => !re.test(e.state))?.at;
}

function span(from: number | undefined, to: number | undefined): number | undefined {
  return from === undefined || to === undefined ? undefined : to - from;
}
