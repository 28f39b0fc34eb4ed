// What an anonymous reader of the WebDAV server sees. Ironic's conductors fetch stemcell images from the
// store anonymously (as the seed deployment serves it), so the harness's nginx serves GET/HEAD of the
// image tree to anyone and keeps only /private/ (the registry store) behind credentials. Whole lifecycles
// (v2 and v1 stemcells, registry on and off) run through the executable, and after every call each
// object the CPI has written so far is read without credentials: no secret of secrets.ts may be readable.
// Also: with the registry store down a v2 create_vm still works (it writes no record it does not need).
import { randomUUID } from "node:crypto";
import { mkdtempSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Director } from "../support/director.ts";
import { type Fleet, buildFleet } from "../support/fleet.ts";
import { describeSteps, directorEnv, manualNetwork, runLifecycle } from "../support/lifecycle.ts";
import { type LifecycleServers, lifecycleConfig, prepareStore, writeConfig } from "../support/lifecycle-config.ts";
import { allSecrets, findSecrets } from "../support/secrets.ts";
import { ironicUrl, webdav } from "../support/servers.ts";
import { stemcellCloudProperties, writeStemcellImage } from "../support/stemcell-tarball.ts";

let work: string;
let fleet: Fleet;

/** Every object seen in the store so far: its path below the DAV root, and what an anonymous GET got. */
interface Seen {
  path: string;
  status: number;
  secrets: string[];
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "cpi-anon-"));
  fleet = await buildFleet(ironicUrl());
});

afterAll(async () => {
  await fleet?.destroy();
});

function filesUnder(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** Reads every new object of `folders` anonymously, as a conductor (or anyone on that network) can. */
async function readNewObjects(folders: string[], seen: Map<string, Seen>): Promise<void> {
  const root = webdav().dataDir;
  const secrets = allSecrets();
  for (const file of folders.flatMap((f) => filesUnder(join(root, f)))) {
    const path = relative(root, file);
    if (seen.has(path)) continue;
    const res = await fetch(`${webdav().url}${path.split("/").map(encodeURIComponent).join("/")}`);
    const body = Buffer.from(await res.arrayBuffer()).toString("latin1");
    const hits = res.status === 200 ? findSecrets(body, secrets, path).map((h) => h.label) : [];
    seen.set(path, { path, status: res.status, secrets: hits });
  }
}

const CASES = [
  { name: "v2 stemcell, registry auto", stemcell: 2, registry: { mode: "auto" }, records: false },
  { name: "v1 stemcell, registry auto", stemcell: null, registry: { mode: "auto" }, records: true },
  { name: "v2 stemcell, registry always", stemcell: 2, registry: { mode: "always" }, records: true },
  { name: "v1 stemcell, registry never", stemcell: null, registry: { mode: "never" }, records: false },
] as const;

describe("every object the CPI writes, read without credentials", () => {
  const totals = { written: 0, readable: 0, withSecret: 0, records: 0 };
  afterAll(() => {
    process.stdout.write(
      `\nsecrets: ${totals.written} objects written by 4 lifecycles (${totals.records} registry records), ${totals.readable} anonymously readable, ${totals.withSecret} of them with a secret\n`,
    );
  });

  test.each(CASES)(
    "$name: no secret is anonymously readable",
    async ({ name, stemcell, registry, records }) => {
      const folder = `anon-${fleet.id}-${randomUUID().slice(0, 8)}`;
      const servers: LifecycleServers = { ironicUrl: ironicUrl(), webdav: webdav(), storeFolder: folder };
      await prepareStore(servers);
      const configPath = writeConfig(work, lifecycleConfig(servers, { registry }), `${folder}.json`);
      const seen = new Map<string, Seen>();
      const folders = [folder, `private/${folder}`];
      const steps = await runLifecycle(
        { configPath, fleet, workDir: work },
        { stemcellApiVersion: stemcell, afterCall: () => readNewObjects(folders, seen) },
      );
      expect(
        steps.filter((s) => s.outcome === "failed"),
        describeSteps(steps),
      ).toEqual([]);

      const all = [...seen.values()];
      const settings = all.filter((s) => s.path.endsWith("/settings"));
      // registry records exist only when an agent reads a registry, only in the private location, never readable
      expect(settings.length > 0, `${name}: registry records ${settings.map((s) => s.path).join(", ")}`).toBe(records);
      expect(settings.filter((s) => !s.path.startsWith(`private/${folder}/`))).toEqual([]);
      expect(settings.filter((s) => s.status !== 401)).toEqual([]);
      // the images conductors must read are readable, and nothing readable holds a secret
      expect(all.some((s) => s.path.endsWith("/root.img") && s.status === 200)).toBe(true);
      expect(all.filter((s) => s.secrets.length > 0)).toEqual([]);
      // and delete_vm took the records away
      expect(settings.filter((s) => statSafe(join(webdav().dataDir, s.path)))).toEqual([]);

      totals.written += all.length;
      totals.readable += all.filter((s) => s.status === 200).length;
      totals.withSecret += all.filter((s) => s.secrets.length > 0).length;
      totals.records += settings.length;
    },
    600_000,
  );
});

const statSafe = (p: string) => {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
};

describe("the registry store down", () => {
  test("a v2 create_vm does not need it and succeeds; a v1 create_vm fails, rolled back, naming the store", async () => {
    const folder = `anon-down-${fleet.id}`;
    const servers: LifecycleServers = { ironicUrl: ironicUrl(), webdav: webdav(), storeFolder: folder };
    await prepareStore(servers);
    const config = lifecycleConfig(servers, {
      registry: { store: { url: "http://127.0.0.1:9/registry/", retries: 0, request_timeout: 5 } },
    });
    const configPath = writeConfig(work, config, "registry-down.json");
    const image = writeStemcellImage(join(work, "down-image"), 64 * 1024).path;
    const v2 = new Director({ configPath, callTimeoutMs: 120_000 });
    const stemcell = (await v2.call("create_stemcell", [image, stemcellCloudProperties()])).response?.result as string;
    try {
      const created = await v2.call("create_vm", [
        randomUUID(),
        stemcell,
        fleet.vmTypes.pool,
        manualNetwork("10.0.1.91"),
        [],
        directorEnv(),
      ]);
      expect(created.response?.error).toBeNull();
      const [vm] = created.response!.result as [string];
      expect((await v2.call("delete_vm", [vm])).response?.error).toBeNull();

      const before = (await fleet.nodes()).filter((n) => n.instance_uuid).length;
      const v1 = new Director({ configPath, callTimeoutMs: 120_000, stemcellApiVersion: null });
      const refused = await v1.call("create_vm", [
        randomUUID(),
        stemcell,
        fleet.vmTypes.pool,
        manualNetwork("10.0.1.92"),
        [],
        directorEnv(),
      ]);
      expect(refused.response?.error?.message).toMatch(/storing agent settings of .*127\.0\.0\.1:9/);
      expect((await fleet.nodes()).filter((n) => n.instance_uuid).length).toBe(before);
    } finally {
      await v2.call("delete_stemcell", [stemcell]);
    }
  }, 300_000);
});
