// The demo: a real Ironic (fake-hardware) and nginx WebDAV on 127.0.0.1, a small fleet of fake servers
// in the shapes an operator would have, and the whole BOSH lifecycle driven through dist/cpi.js exactly
// as the director would (one process per call, `info` before each). Reuses the test harness and the
// lifecycle driver of the test suite, so the demo and the tests can never tell two stories.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { startIronic } from "../test/harness/ironic.ts";
import { startWebdav } from "../test/harness/webdav.ts";
import { buildFleet, type Fleet } from "../test/support/fleet.ts";
import { lifecycleConfig, prepareStore, writeConfig } from "../test/support/lifecycle-config.ts";
import { type LifecycleStep, runLifecycle } from "../test/support/lifecycle.ts";

const keep = process.argv.includes("--keep");
const work = mkdtempSync(join(tmpdir(), "bosh-ironic-cpi-demo-"));
const t0 = Date.now();
const say = (s: string) => process.stdout.write(`${s}\n`);

const release = process.env["IRONIC_RELEASE"] === "debian" ? "Debian's 21.4" : "today's, from PyPI";
say(`Starting a real Ironic (${release}; fake-hardware, sqlite, noauth) and nginx WebDAV on 127.0.0.1 …`);
const ironic = await startIronic({ keep, killOnExit: !keep });
const webdav = await startWebdav({ keep, killOnExit: !keep });
say(`  Ironic ${ironic.version} at ${ironic.url} (ready in ${(ironic.startupMs / 1000).toFixed(1)} s)`);
say(`  WebDAV at ${webdav.url}`);

let fleet: Fleet | undefined;
let failed = true;
try {
  fleet = await buildFleet(ironic.url, { id: "demo" });
  say(`\nFleet (${fleet.known.length + fleet.pool.length + 2} servers):`);
  say(`  known by MAC:   ${fleet.known.map((s) => s.name).join(", ")}`);
  say(
    `  spec pool:      ${fleet.pool.map((s) => s.name).join(", ")} (resource_class ${fleet.resourceClass}, trait ${fleet.trait}) + decoy ${fleet.decoy.name} (too few CPUs)`,
  );
  say(`  enroll on demand from ironic_params: ${fleet.enroll.name}`);

  const servers = { ironicUrl: ironic.url, webdav, storeFolder: "demo" };
  await prepareStore(servers);
  const configPath = writeConfig(work, lifecycleConfig(servers));
  say(`\nCPI configuration: ${configPath}\n`);

  const cols = [24, 22, 18, 9, 9];
  const row = (c: string[]) =>
    say(
      c
        .map((x, i) => x.padEnd(cols[i] ?? 0))
        .join(" ")
        .trimEnd(),
    );
  row(["call", "detail", "server", "duration", "outcome"]);
  row(cols.map((w) => "-".repeat(w)));
  let inspected: string | undefined;
  const steps = await runLifecycle(
    { configPath, fleet, workDir: work },
    {
      onStep: (s: LifecycleStep) => {
        row([s.call, s.detail ?? "", s.server ?? "-", `${(s.duration_ms / 1000).toFixed(2)} s`, s.outcome]);
        if (s.error && s.outcome !== "ok") say(`    ${s.error}`);
        if (keep && !inspected && s.call === "create_vm" && s.outcome === "ok" && s.server)
          inspected = saveConfigDrive(s.server);
      },
    },
  );
  const count = (o: string) => steps.filter((s) => s.outcome === o).length;
  failed = count("failed") > 0;
  say(
    `\n${steps.length} calls: ${count("ok")} ok, ${count("rejected")} rejected as expected, ${count("failed")} failed — ${((Date.now() - t0) / 1000).toFixed(1)} s in all`,
  );
  if (inspected) say(`The config drive Ironic received for one server, decoded: ${inspected}`);
} catch (err) {
  say(`\ndemo failed: ${(err as Error).stack ?? err}`);
} finally {
  if (keep) {
    say(`\n--keep: servers left running. Try the CPI by hand:`);
    say(`  echo '{"method":"info","arguments":[]}' | node dist/cpi.js --config ${join(work, "cpi.json")}`);
    say(
      `  Ironic: ${ironic.url} (pid ${ironic.pid}, state ${ironic.stateDir})   WebDAV: ${webdav.url} (user ${webdav.username}, password ${webdav.password})`,
    );
    say(`  stop them with: kill ${ironic.pid} ${webdav.pid}`);
  } else {
    await fleet?.destroy().catch(() => {});
    await Promise.all([ironic.stop(), webdav.stop()]);
    rmSync(work, { recursive: true, force: true });
    say("Servers stopped, temporary files removed (`npm run demo -- --keep` leaves both for a look around).");
  }
  say(`
Next: point the CPI at your Ironic. A cpi.json needs ironic.url (and ironic.auth unless Ironic is noauth),
stemcell_store.url/username/password (a WebDAV store) with read_url (where the conductors fetch images
without credentials), and agent.mbus; check it with \`node dist/cpi.js check-config --config cpi.json\`.
\`npm run release\` builds the BOSH release; docs/deploying.md deploys a director with it (bosh create-env)
or adds it to one; README.md says how servers, disks and networks are chosen.`);
}
process.exitCode = failed ? 1 : 0;

/** Reads the packed config drive from Ironic's database (it masks it in the API) and unpacks it. */
function saveConfigDrive(server: string): string | undefined {
  try {
    const packed = execFileSync("sqlite3", [
      join(ironic.stateDir, "ironic.sqlite"),
      `select json_extract(instance_info,'$.configdrive') from nodes where name='${server.replace(/'/g, "")}'`,
    ])
      .toString()
      .trim();
    if (!packed) return undefined;
    const dir = join(work, "config-drive", server);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "config-drive.iso"), gunzipSync(Buffer.from(packed, "base64")));
    try {
      execFileSync("osirrox", ["-indev", join(dir, "config-drive.iso"), "-extract", "/", join(dir, "files")], {
        stdio: "ignore",
      });
      return join(dir, "files");
    } catch {
      return join(dir, "config-drive.iso"); // no xorriso (the tests install it, the demo does not)
    }
  } catch {
    return undefined;
  }
}
