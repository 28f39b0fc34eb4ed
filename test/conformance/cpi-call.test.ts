// The whole create-env style lifecycle through bosh-cli's own CPI client (`cpi-call`, the code
// `bosh create-env` runs): it sends `info` before every method, the api_version info answered (capped at
// 2), the stemcell's api_version in the context, and runs the CPI as <installation>/jobs/ironic_cpi/bin/cpi
// with a stripped environment. So the CPI is laid out as the release installs it: the job's templates
// rendered by Ruby's ERB (bin/cpi and config/cpi.json), the packages holding node and the bundle.
// Against the real Ironic and nginx; then the error cases, each typed as the client parses it.
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Fleet, buildFleet } from "../support/fleet.ts";
import { directorEnv, manualNetwork } from "../support/lifecycle.ts";
import { prepareStore } from "../support/lifecycle-config.ts";
import { ironicAccess, ironicAdminUrl, webdav } from "../support/servers.ts";
import { stemcellCloudProperties, writeStemcellImage } from "../support/stemcell-tarball.ts";
import { renderJob } from "../release/support/render.ts";
import { peer } from "./peers.ts";

const DIST = resolve(dirname(new URL(import.meta.url).pathname), "../../dist");

let fleet: Fleet;
let cpi: string;
let work: string;

interface Answer {
  code: number;
  result?: unknown;
  error?: { type: string; message: string; ok_to_retry: boolean };
  stderr: string;
}

/** One method through cpi-call: exit 0 with the result, exit 1 with the CPI's typed error. */
function call(method: string, args: unknown[], opts: { stemcellApiVersion?: number } = {}): Answer {
  const r = spawnSync(
    peer("cpi-call"),
    ["-cpi", cpi, "-stemcell-api-version", String(opts.stemcellApiVersion ?? 2), method, JSON.stringify(args)],
    {
      encoding: "utf8",
      timeout: 300_000,
    },
  );
  const code = r.status ?? -1;
  if (code === 0) return { code, result: JSON.parse(r.stdout), stderr: r.stderr };
  if (code === 1) return { code, error: JSON.parse(r.stderr) as Answer["error"], stderr: r.stderr };
  throw new Error(
    `cpi-call ${method} exited ${code} (the client could not use the CPI's answer): ${r.stdout}${r.stderr}`,
  );
}

const ok = (a: Answer, what: string) => {
  expect(a.code, `${what}: ${a.stderr}`).toBe(0);
  return a.result;
};

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "conformance-cpi-"));
  fleet = await buildFleet(ironicAdminUrl());
  const dav = webdav();
  const folder = `conformance-${fleet.id}`;
  await prepareStore({ ironicUrl: ironicAdminUrl(), webdav: dav, storeFolder: folder });
  // the installation as create-env lays it out: packages/<name>, jobs/ironic_cpi rendered from the job
  const packages = join(work, "packages");
  mkdirSync(join(packages, "node", "bin"), { recursive: true });
  symlinkSync(process.execPath, join(packages, "node", "bin", "node"));
  symlinkSync(DIST, join(packages, "bosh-ironic-cpi"));
  renderJob(
    "ironic_cpi",
    {
      ironic: {
        // url, and with IRONIC_AUTH / IRONIC_TLS the credentials and the CA bundle (scripts/test.sh runs it so)
        ...ironicAccess(),
        poll: { initial_interval_ms: 50, max_interval_ms: 500 },
        deploy_timeout: 120,
        delete_timeout: 120,
      },
      stemcell_store: { url: `${dav.url}${folder}/`, username: dav.username, password: dav.password },
      agent: { mbus: "https://mbus:mbus-secret@0.0.0.0:6868" },
    },
    join(work, "jobs", "ironic_cpi"),
  );
  cpi = join(work, "jobs", "ironic_cpi", "bin", "cpi");
});

afterAll(async () => {
  await fleet?.destroy();
});

describe("a create-env lifecycle through bosh-cli's CPI client", () => {
  test("info, create_stemcell, create_vm, has_vm, set_vm_metadata, disks, delete_vm, delete_stemcell", () => {
    // the CPI reports 3; this client caps what it uses at 2
    expect(ok(call("info", []), "info")).toMatchObject({
      api_version: 2,
      stemcell_formats: expect.arrayContaining(["openstack-raw"]),
    });
    const image = writeStemcellImage(join(work, "image"), 256 * 1024).path;
    const stemcell = ok(call("create_stemcell", [image, stemcellCloudProperties()]), "create_stemcell") as string;
    expect(stemcell).toMatch(/^stemcell-/);

    // create-env: agent id, stemcell, the resource pool's cloud_properties, networks, disk_cids [], env
    const agentId = randomUUID();
    const vm = ok(
      call("create_vm", [agentId, stemcell, fleet.vmTypes.pool, manualNetwork("10.0.1.201"), [], directorEnv()]),
      "create_vm",
    ) as string;
    expect(vm).toBe(agentId); // the client keeps element 0 of the v2 answer; the cid is the claim
    expect(ok(call("has_vm", [vm]), "has_vm")).toBe(true);
    ok(
      call("set_vm_metadata", [
        vm,
        {
          director: "bosh-init",
          deployment: "bosh",
          job: "bosh",
          instance_group: "bosh",
          index: "0",
          name: "bosh/0",
          created_at: new Date().toISOString(),
        },
      ]),
      "set_vm_metadata",
    );

    const disk = ok(call("create_disk", [10_240, fleet.diskType, vm]), "create_disk") as string;
    expect(ok(call("attach_disk", [vm, disk]), "attach_disk")).toEqual({
      path: expect.stringMatching(/^\/dev\/disk\//),
    }); // the v2 hint, as the client parsed it
    ok(
      call("set_disk_metadata", [
        disk,
        { director: "bosh-init", deployment: "bosh", instance_group: "bosh", attached_at: new Date().toISOString() },
      ]),
      "set_disk_metadata",
    );
    ok(call("detach_disk", [vm, disk]), "detach_disk");
    ok(call("delete_disk", [disk]), "delete_disk");
    ok(call("delete_vm", [vm]), "delete_vm");
    expect(ok(call("has_vm", [vm]), "has_vm after delete_vm")).toBe(false);
    ok(call("delete_stemcell", [stemcell]), "delete_stemcell");
  });
});

describe("error cases, typed as the client parses them", () => {
  test("a VM or disk that is gone: has_vm false, delete_vm succeeds, attach_disk DiskNotFound, delete_disk DiskNotFound", () => {
    const gone = randomUUID();
    expect(ok(call("has_vm", [gone]), "has_vm")).toBe(false);
    ok(call("delete_vm", [gone]), "delete_vm of a gone VM");
    const ghost = `disk-${fleet.pool[0]!.uuid}-0123abcd-zz`;
    expect(call("attach_disk", [gone, ghost]).error).toMatchObject({
      type: "Bosh::Clouds::DiskNotFound",
      ok_to_retry: false,
    });
    expect(call("delete_disk", [ghost]).error).toMatchObject({ type: "Bosh::Clouds::DiskNotFound" });
  });

  test("a typo in the resource pool's cloud_properties: CpiError naming it, nothing claimed", async () => {
    const before = (await fleet.nodes()).filter((n) => n.instance_uuid).length;
    const r = call("create_vm", [
      randomUUID(),
      "stemcell-x",
      { ...fleet.vmTypes.pool, resource_clas: "x" },
      manualNetwork("10.0.1.202"),
      [],
      {},
    ]);
    expect(r.error).toMatchObject({ type: "Bosh::Clouds::CpiError", ok_to_retry: false });
    expect(r.error!.message).toMatch(/unknown key\(s\) resource_clas/);
    expect((await fleet.nodes()).filter((n) => n.instance_uuid).length).toBe(before);
  });

  test("no server fits: VMCreationFailed, not retryable, saying what was asked; an unknown stemcell: CloudError naming it", () => {
    const image = writeStemcellImage(join(work, "image-nofit"), 64 * 1024).path;
    const stemcell = ok(call("create_stemcell", [image, stemcellCloudProperties()]), "create_stemcell") as string;
    const r = call("create_vm", [
      randomUUID(),
      stemcell,
      { resource_class: `none-${fleet.id}` },
      manualNetwork("10.0.1.203"),
      [],
      {},
    ]);
    expect(r.error).toMatchObject({ type: "Bosh::Clouds::VMCreationFailed", ok_to_retry: false });
    expect(r.error!.message).toContain(`resource_class=none-${fleet.id}`);
    ok(call("delete_stemcell", [stemcell]), "delete_stemcell");
    const unknown = call("create_vm", [
      randomUUID(),
      "stemcell-x",
      fleet.vmTypes.pool,
      manualNetwork("10.0.1.204"),
      [],
      {},
    ]);
    expect(unknown.error).toMatchObject({ type: "Bosh::Clouds::CloudError" });
    expect(unknown.error!.message).toMatch(/stemcell-x/);
  });

  test("an image that is not there: a typed error", () => {
    const noImage = call("create_stemcell", [join(work, "missing-image"), stemcellCloudProperties()]);
    expect(noImage.error?.type).toMatch(/^Bosh::Clouds::(CloudError|CpiError)$/);
    expect(noImage.error!.message).toMatch(/missing-image/);
  });
});
