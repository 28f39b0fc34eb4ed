// `npm run demo -- --real`: one real deploy to watch. scripts/e2e.sh builds or reuses the images and runs this
// inside a network namespace of its own: the e2e test bed (QEMU servers under software emulation behind
// sushy-tools' Redfish BMC, today's Ironic, IPA), the CPI rendered as create-env renders it, create_stemcell,
// create_vm with each change of the server's state as it happens, the agent's pong over its HTTPS mbus,
// delete_vm. The same code the e2e tests and the real-deploy bench use (test/e2e/real-deploy.ts).
import { newTimeline } from "../test/harness/testbed/node-timeline.ts";
import { cpiOnBed, createVmFollowed, openBed, untilPong } from "../test/e2e/real-deploy.ts";

const say = (s: string) => process.stdout.write(`${s}\n`);
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const t0 = performance.now();

const o = await openBed();
try {
  say(`Test bed ${o.bed.dir}: ${o.bed.servers.length} emulated servers, Ironic at ${o.bed.ironicUrl}`);
  say(
    `  server ${o.server.name}: ${o.server.address}, disks ${o.server.disks.map((d) => `${d.role} ${d.serial}`).join(", ")}`,
  );
  const c = await cpiOnBed(o);
  say(`create_stemcell: ${c.stemcell}`);
  say("create_vm: the server's states as Ironic reports them");
  const timeline = newTimeline();
  let shown = 0;
  const show = setInterval(() => {
    for (; shown < timeline.entries.length; shown++) {
      const e = timeline.entries[shown]!;
      say(`  +${secs(e.at).padStart(8)}  ${e.state}`);
    }
  }, 500);
  const vm = await createVmFollowed(o, c, timeline).finally(() => clearInterval(show));
  for (; shown < timeline.entries.length; shown++)
    say(`  +${secs(timeline.entries[shown]!.at).padStart(8)}  ${timeline.entries[shown]!.state}`);
  say(`create_vm answered ${vm.vm} after ${secs(vm.ms)}`);
  say("the agent: booting the stemcell, reading the config drive, partitioning the ephemeral disk …");
  const pong = await untilPong(o, c);
  say(`agent-call ping → pong after another ${secs(pong)} (create_vm to pong: ${secs(vm.ms + pong)})`);
  const d = await c.cpi.call("delete_vm", [vm.vm]);
  if (d.code !== 0) throw new Error(`delete_vm: ${d.error?.message}`);
  say(`delete_vm: ${secs(d.ms)}; the server is available again`);
  await c.cpi.call("delete_stemcell", [c.stemcell]);
} finally {
  await o.close();
}
say(`Done in ${secs(performance.now() - t0)}; the test bed is stopped and removed.`);
