// The README's example configuration: check-config accepts it as printed, and with its addresses pointed
// at the test servers (and nothing else changed) a lifecycle runs with it.
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { runCpi } from "../support/cpi-process.ts";
import { Director } from "../support/director.ts";
import { type Fleet, buildFleet } from "../support/fleet.ts";
import { directorEnv, manualNetwork } from "../support/lifecycle.ts";
import { prepareStore, writeConfig } from "../support/lifecycle-config.ts";
import { ironicUrl, webdav } from "../support/servers.ts";
import { stemcellCloudProperties, writeStemcellImage } from "../support/stemcell-tarball.ts";

const README = new URL("../../README.md", import.meta.url);

/** The first ```json block of the README's Configuration section. */
function readmeExample(): Record<string, Record<string, unknown>> {
  const text = readFileSync(README, "utf8");
  const section = text.slice(text.indexOf("## Configuration"));
  const m = /```json\n([\s\S]*?)```/.exec(section);
  if (!m) throw new Error("no ```json block in the README's Configuration section");
  return JSON.parse(m[1]!) as Record<string, Record<string, unknown>>;
}

let work: string;
let fleet: Fleet;
beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "cpi-readme-"));
  fleet = await buildFleet(ironicUrl());
});
afterAll(async () => {
  await fleet?.destroy();
});

test("check-config accepts the README's example as printed", async () => {
  const path = writeConfig(work, readmeExample() as never, "readme.json");
  const run = await runCpi("", { args: ["check-config", "--config", path], env: { PATH: process.env.PATH } });
  expect(run.code, run.stdout + run.stderr).toBe(0);
  expect(JSON.parse(run.stdout)).toMatchObject({ ok: true });
});

test("with its addresses pointed at the test servers, the README's example deploys and deletes a VM", async () => {
  const example = readmeExample();
  const folder = `readme-${fleet.id}`;
  const dav = webdav();
  await prepareStore({ ironicUrl: ironicUrl(), webdav: dav, storeFolder: folder });
  // the test Ironic is noauth: it ignores the example's basic-auth header, which the CPI still sends
  const config = {
    ...example,
    ironic: { ...example["ironic"], url: ironicUrl() },
    stemcell_store: {
      ...example["stemcell_store"],
      url: `${dav.url}${folder}/`,
      read_url: `${dav.url}${folder}/`,
      username: dav.username,
      password: dav.password,
    },
  };
  const d = new Director({
    configPath: writeConfig(work, config as never, "readme-live.json"),
    callTimeoutMs: 120_000,
  });
  const image = writeStemcellImage(join(work, "image"), 64 * 1024).path;
  const stemcell = await d.call("create_stemcell", [image, stemcellCloudProperties()]);
  expect(stemcell.response?.error).toBeNull();
  const vm = await d.call("create_vm", [
    randomUUID(),
    stemcell.response!.result,
    fleet.vmTypes.pool,
    manualNetwork("10.0.1.95"),
    [],
    directorEnv(),
  ]);
  expect(vm.response?.error).toBeNull();
  const [cid] = vm.response!.result as [string];
  expect((await d.call("set_vm_metadata", [cid, { deployment: "readme", name: "web/0" }])).response?.error).toBeNull();
  expect((await d.call("delete_vm", [cid])).response?.error).toBeNull();
  expect((await d.call("delete_stemcell", [stemcell.response!.result])).response?.error).toBeNull();
}, 300_000);
