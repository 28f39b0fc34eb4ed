// md5 is only computed for an Ironic before Ussuri: proven against the REAL Ironic (21.4 or today's) that its direct
// deploy interface accepts an image checked by image_os_hash_algo/value alone (and refuses one with no
// checksum at all), that the CPI asks and learns it needs no md5, and that create_stemcell then records
// sha256 only — while an Ironic that cannot answer still gets md5.
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Config, type ConfigInput } from "../../src/config/schema.ts";
import { createIronicClient, type IronicClient } from "../../src/ironic/client.ts";
import { add } from "../../src/ironic/patch.ts";
import { ironicNeedsMd5 as askIronic } from "../../src/services/stemcell/image-checksums.ts";
import { connectIronic } from "../../src/wiring.ts";
import type { Config as ConfigT } from "../../src/config/schema.ts";
import type { Logger } from "../../src/log/index.ts";

/** As the composition root asks: one quick GET / of the configured Ironic. */
const ironicNeedsMd5 = (config: ConfigT, log: Logger) =>
  askIronic(() => connectIronic(config, log, { quick: true }), log);
import { instanceInfo } from "../../src/services/pool/setup.ts";
import { dispatchInProcess } from "../support/log-capture.ts";
import { someConductorGroup } from "../support/ironic-fixtures.ts";
import { IronicRest } from "../support/ironic-rest.ts";
import { serverMaxVersion } from "../support/ironic-version.ts";
import { ironicUrl, webdav } from "../support/servers.ts";

/** Ironic's own verdict on a node's interfaces (GET /v1/nodes/{node}/validate). */
const validate = (uuid: string) =>
  new IronicRest(ironicUrl()).call<Record<string, { result?: boolean | null; reason?: string | null }>>(
    "GET",
    `/v1/nodes/${uuid}/validate`,
  );
import { rawImage, stemcellImage } from "../unit/stemcell/tar-builder.ts";

const run = randomBytes(3).toString("hex");
const FOLDER = `it-checksums-${run}`;
const work = mkdtempSync(join(tmpdir(), "it-checksums-"));
const silent = pino({ level: "silent" });
let client: IronicClient;
const created: string[] = [];

beforeAll(async () => {
  client = await createIronicClient({ url: ironicUrl(), logger: silent });
});
afterAll(async () => {
  for (const uuid of created)
    await client.nodes.delete(uuid).catch((err: unknown) => console.warn(`cleanup of ${uuid}: ${String(err)}`));
  rmSync(work, { recursive: true, force: true });
  rmSync(join(webdav().dataDir, FOLDER), { recursive: true, force: true });
});

function config(ironic: string): ConfigInput {
  const w = webdav();
  return {
    ironic: { url: ironic },
    stemcell_store: { url: `${w.url}${FOLDER}/`, username: w.username, password: w.password, retries: 1 },
    agent: { mbus: "nats://10.0.0.6:4222" },
  };
}

describe("Ironic and image checksums", () => {
  it("validates a direct deploy checked by image_os_hash_* alone, and refuses one without any checksum", async () => {
    const node = await client.nodes.create({
      name: `ck-${run}`,
      driver: "fake-hardware",
      conductor_group: someConductorGroup(),
      deploy_interface: "direct",
      boot_interface: "fake",
    });
    created.push(node.uuid);
    const sha256Only = instanceInfo(
      { imageUrl: "http://store.example/sc/root.img", checksums: { sha256: "ab".repeat(32) }, diskFormat: "raw" },
      {},
    );
    expect(sha256Only).not.toHaveProperty("image_checksum");
    await client.nodes.patch(node.uuid, [add(["instance_info"], sha256Only)]);
    expect((await validate(node.uuid))["deploy"]).toMatchObject({ result: true });

    await client.nodes.patch(node.uuid, [
      add(["instance_info"], { image_source: "http://store.example/sc/root.img", image_disk_format: "raw" }),
    ]);
    const refused = (await validate(node.uuid))["deploy"];
    expect(refused?.result).toBe(false);
    expect(String(refused?.reason)).toMatch(/image_checksum.*image_os_hash_algo.*image_os_hash_value/);
  });

  it("the CPI learns from the API root that this Ironic needs no md5", async () => {
    expect(client.serverVersions.max).toBe(await serverMaxVersion());
    expect(await ironicNeedsMd5(Config.parse(config(ironicUrl())), silent)).toBe(false);
  });

  it("create_stemcell records sha256 alone against it, and adds md5 when Ironic cannot be asked", async () => {
    const root = rawImage(2 * 1024 * 1024 + 5);
    const image = join(work, "image.tgz");
    writeFileSync(image, stemcellImage(root));
    const record = async (ironic: string) => {
      const r = await dispatchInProcess(
        JSON.stringify({
          method: "create_stemcell",
          arguments: [image, { name: "s", version: "1" }],
          context: { director_uuid: "d" },
          api_version: 2,
        }),
        { config: config(ironic), log: { write: () => {} } },
        "checksums create_stemcell",
      );
      expect(r.error).toBeNull();
      return (
        JSON.parse(readFileSync(join(webdav().dataDir, FOLDER, r.result as string, "stemcell.json"), "utf8")) as {
          checksums: Record<string, string>;
        }
      ).checksums;
    };
    expect(Object.keys(await record(ironicUrl()))).toEqual(["sha256"]);
    expect(Object.keys(await record("http://127.0.0.1:9")).sort()).toEqual(["md5", "sha256"]);
  });
});
