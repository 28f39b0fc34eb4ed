// release/manifests: the ops files applied to a bosh-deployment-shaped bosh.yml (rendered for create-env
// and for the director, validated by the CPI's schema), the cloud-config example against the CPI's
// vm_type, disk_type and network schemas, and the cpi-config example as context overlays of a real call.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import YAML from "yaml";
import { deepMerge } from "../../src/config/load.ts";
import { Config } from "../../src/config/schema.ts";
import { parseNetworkCloudProperties } from "../../src/network/cloud-properties.ts";
import { parseDiskCloudProperties } from "../../src/services/disk/cloud-properties.ts";
import { KNOWN_VM_CLOUD_PROPERTIES, parseVmCloudProperties } from "../../src/services/vm/cloud-properties.ts";
import { DIST, ensureBundle } from "./support/bundle.ts";
import { type Op, applyOps, interpolate, variablesIn } from "./support/go-patch.ts";
import { PEM } from "./support/ironic-cpi-properties.ts";
import { VARS } from "./support/manifest-vars.ts";
import { REPO, renderTemplate } from "./support/render.ts";

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const load = (path: string): Doc => YAML.parse(readFileSync(join(REPO, path), "utf8")) as Doc;
const manifest = (name: string) => load(`release/manifests/${name}`);

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), "release-manifests-"));
  ensureBundle(["cpi.js"]);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const renderConfig = (properties: object, ignoreUndeclared = false) =>
  JSON.parse(renderTemplate("ironic_cpi", "cpi.json.erb", properties, { ignoreUndeclared })) as unknown;

/** bosh.yml with the ops files applied and every variable interpolated. */
function boshYml(...opsFiles: string[]): Doc {
  const ops = opsFiles.flatMap((f) => manifest(f) as Op[]);
  return interpolate(applyOps(load("test/release/fixtures/bosh-deployment.yml"), ops), VARS);
}

describe("cpi.yml (ops file for bosh-deployment's bosh.yml)", () => {
  const ops = manifest("cpi.yml") as Op[];

  test("is a list of go-patch ops whose new variables are documented in its header", () => {
    expect(ops.every((op) => op.type === "replace" && op.path.startsWith("/"))).toBe(true);
    const header = readFileSync(join(REPO, "release/manifests/cpi.yml"), "utf8").split("\n- type")[0]!;
    const ownVars = [...variablesIn(ops)].filter(
      (v) => !variablesIn(load("test/release/fixtures/bosh-deployment.yml")).has(v),
    );
    expect(ownVars.length).toBeGreaterThan(5);
    for (const v of ownVars) expect(header, v).toContain(v);
  });

  test("adds the release, the ironic_cpi job on the director, director.cpi_job and the cloud_provider template", () => {
    const m = boshYml("cpi.yml");
    expect(m.releases).toContainEqual({ name: "bosh-ironic-cpi", url: VARS.ironic_cpi_release_url });
    const bosh = m.instance_groups.find((g: Doc) => g.name === "bosh");
    expect(bosh.jobs).toContainEqual({ name: "ironic_cpi", release: "bosh-ironic-cpi" });
    expect(bosh.properties.director.cpi_job).toBe("ironic_cpi");
    expect(m.cloud_provider.template).toEqual({ name: "ironic_cpi", release: "bosh-ironic-cpi" });
    expect(m.cloud_provider.mbus).toBe("https://mbus:mbus-secret@10.0.0.10:6868");
    expect(m.resource_pools[0].stemcell).toEqual({ url: VARS.stemcell_url, sha1: VARS.stemcell_sha1 });
  });

  test("create-env: the job rendered with cloud_provider.properties only is a valid CPI config", () => {
    const config = Config.parse(renderConfig(boshYml("cpi.yml").cloud_provider.properties));
    expect(config.agent).toEqual({
      mbus: "https://mbus:mbus-secret@0.0.0.0:6868",
      ntp: [],
      blobstore: { provider: "local", options: { blobstore_path: "/var/vcap/micro_bosh/data/cache" } },
    });
    expect(config.ironic.url).toBe(VARS.ironic_url);
    expect(config.stemcell_store).toMatchObject({ url: VARS.webdav_url, username: "bosh", password: "webdav-secret" });
  });

  test("director: the job rendered with the instance group's properties is a valid CPI config", () => {
    const bosh = boshYml("cpi.yml").instance_groups[0];
    const config = Config.parse(renderConfig(bosh.properties, true));
    expect(config.agent.mbus).toBe("nats://10.0.0.10:4222");
    expect(config.agent.blobstore).toEqual({
      provider: "dav",
      options: {
        endpoint: "https://10.0.0.10:25250",
        user: "agent",
        password: "agent-secret",
        tls: { cert: { ca: PEM } },
      },
    });
  });

  test.each([
    ["ironic-http-basic.yml", { type: "http_basic", username: "bosh", password: "ironic-secret" }],
    [
      "ironic-keystone.yml",
      {
        type: "keystone",
        auth_url: VARS.keystone_url,
        username: "bosh",
        password: "ironic-secret",
        project_name: "baremetal",
      },
    ],
  ])("with %s: both renders carry the Ironic credentials", (opsFile, auth) => {
    const m = boshYml("cpi.yml", opsFile);
    for (const [props, lenient] of [
      [m.cloud_provider.properties, false],
      [m.instance_groups[0].properties, true],
    ]) {
      const config = Config.parse(renderConfig(props, lenient as boolean));
      expect(config.ironic.auth).toMatchObject(auth);
    }
  });

  test("the director's server, ephemeral disk, persistent disk and NIC pass the CPI's schemas", () => {
    const m = boshYml("cpi.yml");
    const vm = parseVmCloudProperties(m.resource_pools[0].cloud_properties);
    expect(vm.macs).toEqual([VARS.director_mac]);
    expect(vm.ephemeral_disk).toBe(VARS.director_ephemeral_disk);
    expect(parseDiskCloudProperties(m.disk_pools[0].cloud_properties, []).devices).toEqual([
      VARS.director_persistent_disk,
    ]);
    expect(parseNetworkCloudProperties("default", m.networks[0].subnets[0].cloud_properties).mac).toBe(
      VARS.director_mac,
    );
  });
});

describe("cloud-config.yml", () => {
  const cc = interpolate(manifest("cloud-config.yml"), VARS);

  test("every vm_type, in every AZ and with every vm_extension, passes the CPI's vm_type schema", () => {
    for (const az of cc.azs) {
      for (const vmType of cc.vm_types) {
        for (const ext of [{ cloud_properties: {} }, ...cc.vm_extensions]) {
          const merged = { ...az.cloud_properties, ...vmType.cloud_properties, ...ext.cloud_properties };
          expect(() => parseVmCloudProperties(merged), `${az.name}/${vmType.name}`).not.toThrow();
        }
      }
    }
  });

  test("AZs map to conductor groups; the vm_types show each pool style and, together, every documented key", () => {
    for (const az of cc.azs) expect(az.cloud_properties.conductor_group).toMatch(/\S/);
    const props = (name: string) => cc.vm_types.find((t: Doc) => t.name === name).cloud_properties;
    expect(props("known-servers").macs.length).toBeGreaterThan(0);
    expect(props("known-servers").ironic_params).toBeUndefined();
    expect(props("large")).toMatchObject({
      ironic_properties: expect.any(Object),
      resource_class: expect.any(String),
      traits: expect.any(Array),
    });
    expect(props("enroll-r640-07")).toMatchObject({
      macs: expect.any(Array),
      ironic_params: expect.objectContaining({ driver: "ipmi" }),
    });
    const used = new Set(
      [...cc.azs, ...cc.vm_types, ...cc.vm_extensions].flatMap((x: Doc) => Object.keys(x.cloud_properties)),
    );
    expect(KNOWN_VM_CLOUD_PROPERTIES.filter((k) => k !== "availability_zone" && !used.has(k))).toEqual([]);
    expect(cc.networks.map((n: Doc) => n.name)).toContain(props("large").provisioning_network);
  });

  test("disk_types pass the CPI's disk_type schema with device hints", () => {
    for (const dt of cc.disk_types)
      expect(parseDiskCloudProperties(dt.cloud_properties, []).source, dt.name).toBe("disk_type");
    expect(cc.disk_types.map((d: Doc) => Object.keys(d.cloud_properties)[0]).sort()).toEqual(["device", "devices"]);
  });

  test("manual networks: subnets in known AZs pin NICs (macs, mac) and a bond, and pass the CPI's network schema", () => {
    const azs = cc.azs.map((a: Doc) => a.name);
    const pins = new Set<string>();
    for (const net of cc.networks) {
      expect(net.type).toBe("manual");
      for (const subnet of net.subnets) {
        expect(azs).toContain(subnet.az);
        const p = parseNetworkCloudProperties(net.name, subnet.cloud_properties);
        for (const k of ["mac", "macs", "bond"] as const) if (p[k]) pins.add(k);
      }
    }
    expect([...pins].sort()).toEqual(["bond", "mac", "macs"]);
  });

  test("compilation names a vm_type, a network and an AZ that exist", () => {
    expect(cc.vm_types.map((t: Doc) => t.name)).toContain(cc.compilation.vm_type);
    expect(cc.networks.map((n: Doc) => n.name)).toContain(cc.compilation.network);
    expect(cc.azs.map((a: Doc) => a.name)).toContain(cc.compilation.az);
  });
});

describe("cpi-config.yml", () => {
  const cpis = interpolate(manifest("cpi-config.yml"), VARS).cpis as Doc[];

  test("names CPIs of type ironic (so /var/vcap/jobs/ironic_cpi/bin/cpi runs them), one migrated from the default CPI", () => {
    expect(cpis.length).toBe(2);
    for (const cpi of cpis) expect(cpi.type).toBe("ironic");
    expect(cpis[0]!.migrated_from).toEqual([{ name: "" }]);
  });

  test.each([0, 1])(
    "cpi %i: its properties, merged into the context of a real info call, overlay the job's cpi.json",
    (i) => {
      const cpi = cpis[i]!;
      const file = join(tmp, `cpi-${i}.json`);
      writeFileSync(file, JSON.stringify(renderConfig(boshYml("cpi.yml").instance_groups[0].properties, true)));
      const request = {
        method: "info",
        arguments: [],
        context: { director_uuid: "d1d5", request_id: "cpi-123456", ...cpi.properties },
      };
      const r = spawnSync(process.execPath, [join(DIST, "cpi.js"), "--config", file], {
        input: JSON.stringify(request),
        encoding: "utf8",
      });
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ result: { api_version: 3 }, error: null });
      // what that call validated: the job's file with the overlay merged in, as the CPI merges it
      const config = Config.parse(deepMerge(JSON.parse(readFileSync(file, "utf8")), cpi.properties));
      expect(config.ironic.url).toBe(cpi.properties.ironic.url);
      expect(config.ironic.auth.type).toBe(cpi.properties.ironic.auth.type);
    },
  );
});

describe("docs/deploying.md", () => {
  const doc = readFileSync(join(REPO, "docs/deploying.md"), "utf8");

  test("names every manifest of release/manifests, and every manifest it names exists", () => {
    const files = readdirSync(join(REPO, "release/manifests")).sort();
    for (const file of files) expect(doc, file).toContain(`release/manifests/${file}`);
    const named = [...doc.matchAll(/release\/manifests\/([\w.-]+\.yml)/g)].map((m) => m[1]!);
    expect(named.filter((f) => !files.includes(f))).toEqual([]);
  });

  test("shows create-env with the ops file, the director's CPI, multi-CPI and how to build the release", () => {
    expect(doc).toMatch(
      /bosh create-env bosh-deployment\/bosh\.yml[\s\S]*-o bosh-ironic-cpi\/release\/manifests\/cpi\.yml/,
    );
    expect(doc).toContain("director.cpi_job: ironic_cpi");
    expect(doc).toContain("bosh update-cpi-config");
    expect(doc).toContain("npm run release");
  });
});
