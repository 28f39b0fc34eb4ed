// What goes wrong on a real server ends as a typed VMCreationFailed that names the cause, the server rolled
// back and released, and never a deploy that waits out deploy_timeout: IPA's own refusal reaches the
// operator through Ironic's last_error. On server-01, one case after the other; each boots the ramdisk.
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { allZero } from "../harness/testbed/disk-inspect.ts";
import { IronicRest } from "../support/ironic-rest.ts";
import { rootImage, stemcellCloudProperties, writeStemcellImage } from "../support/stemcell-tarball.ts";
import { bed, byId, disk, manualNetwork, server } from "./context.ts";
import { type CpiAnswer, type Installation, bedProperties, install, ok } from "./cpi.ts";

const S = server("failures");
const rest = new IronicRest(bed().ironicUrl);
const IP = `${bed().subnet}.60`;
const auth = () => `Basic ${Buffer.from(`${bed().webdav.username}:${bed().webdav.password}`).toString("base64")}`;

let folder: string;
let cpi: Installation;
const vmType = (over: Record<string, unknown> = {}) => ({
  resource_class: "e2e-failures",
  root_device: { serial: disk(S, "root").serial },
  ephemeral_disk: byId(disk(S, "ephemeral").serial),
  provisioning_network: "default",
  ...over,
});
const networks = { default: manualNetwork(IP, {}) };

/** create_vm through bosh-cli's client; the answer must be the CPI's typed error. */
async function failingCreateVm(installation: Installation, stemcell: string, props: Record<string, unknown>) {
  const a: CpiAnswer = await installation.call("create_vm", [randomUUID(), stemcell, props, networks, [], {}]);
  expect(a.code, `create_vm should have failed: ${JSON.stringify(a.result)}`).toBe(1);
  return a.error!;
}

/** The server after a failed create_vm: back in the pool, nothing of the VM left on it. */
async function expectReleased(): Promise<void> {
  const n = await rest.node(S.node);
  expect(n).toMatchObject({ provision_state: "available", instance_uuid: null, maintenance: false });
  expect(n.extra["bosh"]).toBeUndefined();
  expect(n["instance_info"]).toEqual({});
  // the failure is remembered on the server, so a retry ranks it behind healthy ones
  expect(n.extra["bosh_deploy_failures"]).toMatchObject({ count: expect.any(Number) });
}

beforeAll(async () => {
  folder = `e2e-failures-${randomBytes(3).toString("hex")}`;
  const res = await fetch(`${bed().webdav.url}${folder}/`, { method: "MKCOL", headers: { authorization: auth() } });
  expect(res.status).toBe(201);
  // failures must not end in maintenance here: each case starts from the same server
  cpi = install({
    ...bedProperties({ mbusPassword: "unused", storeFolder: folder }),
    placement: { maintenance_after_failures: 0 },
  });
});

describe("deploys that cannot succeed fail fast, typed, and release the server", () => {
  it("a stemcell whose checksum is wrong: IPA refuses the image it downloaded", async () => {
    // a light stemcell whose image_checksum is not the image's: the store serves the image anonymously
    const image = rootImage(16 * 1024 * 1024, "e2e-wrong-checksum");
    const put = await fetch(`${bed().webdav.url}${folder}/wrong-checksum.raw`, {
      method: "PUT",
      headers: { authorization: auth() },
      body: image,
    });
    expect(put.status).toBe(201);
    const stemcell = ok<string>(
      await cpi.call("create_stemcell", [
        "/ignored/for/light",
        {
          ...stemcellCloudProperties(),
          image_url: `${bed().webdav.url}${folder}/wrong-checksum.raw`,
          image_checksum: `sha256:${"0".repeat(64)}`,
        },
      ]),
      "create_stemcell light",
    );
    const error = await failingCreateVm(cpi, stemcell, vmType());
    expect(error).toMatchObject({ type: "Bosh::Clouds::VMCreationFailed", ok_to_retry: true });
    expect(error.message).toMatch(/deploy failed/);
    expect(error.message).toMatch(/checksum|verif/i);
    expect(error.message).not.toMatch(/Timed out/);
    await expectReleased();
  });

  it("an image URL the ramdisk cannot reach (the CPI and the conductor can): IPA's download fails", async () => {
    // the store's read_url on the namespace's loopback: the CPI and Ironic reach it, a server never does
    const port = new URL(bed().webdav.url).port;
    const unreachable = install({
      ...bedProperties({
        mbusPassword: "unused",
        storeFolder: folder,
        readUrl: `http://127.0.0.1:${port}/${folder}/`,
      }),
      placement: { maintenance_after_failures: 0 },
    });
    const work = mkdtempSync(join(tmpdir(), "e2e-unreachable-"));
    const tarball = writeStemcellImage(join(work, "image"), 8 * 1024 * 1024, "e2e-unreachable");
    const stemcell = ok<string>(
      await unreachable.call("create_stemcell", [tarball.path, stemcellCloudProperties()]),
      "create_stemcell",
    );
    const error = await failingCreateVm(unreachable, stemcell, vmType());
    expect(error).toMatchObject({ type: "Bosh::Clouds::VMCreationFailed", ok_to_retry: true });
    expect(error.message).toMatch(/deploy failed/);
    expect(error.message).toContain(`127.0.0.1:${port}`);
    expect(error.message).not.toMatch(/Timed out/);
    await expectReleased();
  });

  it("a root device hint that matches no disk: IPA finds no disk to write to", async () => {
    const work = mkdtempSync(join(tmpdir(), "e2e-nohint-"));
    const tarball = writeStemcellImage(join(work, "image"), 8 * 1024 * 1024, "e2e-no-disk");
    const stemcell = ok<string>(
      await cpi.call("create_stemcell", [tarball.path, stemcellCloudProperties()]),
      "create_stemcell",
    );
    const error = await failingCreateVm(cpi, stemcell, vmType({ root_device: { serial: "NO-SUCH-DISK" } }));
    expect(error).toMatchObject({ type: "Bosh::Clouds::VMCreationFailed", ok_to_retry: true });
    expect(error.message).toMatch(/deploy failed/);
    expect(error.message).toMatch(/NO-SUCH-DISK|root device|No suitable device/i);
    expect(error.message).not.toMatch(/Timed out/);
    await expectReleased();
    // IPA wrote nowhere else either: the server's other disks hold nothing
    expect(allZero(disk(S, "ephemeral").path)).toBe(true);
  });
});
