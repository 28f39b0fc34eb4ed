// Secrets against the real Ironic and WebDAV, through the executable: a whole lifecycle with a secret in
// every place a director or operator puts one (BMC passwords in driver_info, Ironic basic auth, the store
// password, the registry and mbus URLs, a private key pasted into CA fields, env.bosh.password, the mbus
// certificate key, blobstore credentials) logs none of them; failures that echo URLs and requests do not
// either; and the config drive Ironic receives holds what the agent needs and no CPI credential.
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runCpi } from "../support/cpi-process.ts";
import { Director } from "../support/director.ts";
import { type Fleet, buildFleet } from "../support/fleet.ts";
import { packedConfigDrive } from "../support/ironic-fixtures.ts";
import { listTree, osirroxExtract } from "../support/iso-readers.ts";
import { describeSteps, directorEnv, manualNetwork, runLifecycle } from "../support/lifecycle.ts";
import { type LifecycleServers, lifecycleConfig, prepareStore, writeConfig } from "../support/lifecycle-config.ts";
import { capturedInThisFile } from "../support/log-capture.ts";
import { SECRETS, allSecrets, findSecrets } from "../support/secrets.ts";
import { ironicUrl, webdav } from "../support/servers.ts";
import { stemcellCloudProperties, writeStemcellImage } from "../support/stemcell-tarball.ts";
import { TEST_CA } from "../support/test-ca.ts";

let work: string;
let fleet: Fleet;
let servers: LifecycleServers;
/** Secrets everywhere the configuration can hold one. */
let secretConfig: ReturnType<typeof lifecycleConfig>;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "cpi-secrets-"));
  fleet = await buildFleet(ironicUrl());
  servers = { ironicUrl: ironicUrl(), webdav: webdav(), storeFolder: `secrets-${fleet.id}` };
  await prepareStore(servers);
  secretConfig = lifecycleConfig(servers, {
    // the test Ironic is noauth and ignores the header; the CPI still sends and must hide it
    ironic: { auth: { type: "http_basic", username: "bosh", password: SECRETS.ironicBasicPassword }, ca_cert: TEST_CA },
    stemcell_store: { ca_cert: TEST_CA },
  });
});

afterAll(async () => {
  await fleet?.destroy();
});

function hitsSoFar(): { hits: ReturnType<typeof findSecrets>; lines: number } {
  const secrets = allSecrets();
  let lines = 0;
  const hits = capturedInThisFile().flatMap(({ source, text }) => {
    lines += text.split("\n").length - 1;
    return findSecrets(text, secrets, source);
  });
  return { hits, lines };
}

describe("logs", () => {
  test("a whole lifecycle with a secret in every place logs none of them", async () => {
    const configPath = writeConfig(work, secretConfig, "secrets.json");
    const steps = await runLifecycle({ configPath, fleet, workDir: work });
    expect(
      steps.filter((s) => s.outcome === "failed"),
      describeSteps(steps),
    ).toEqual([]);
    const { hits, lines } = hitsSoFar();
    process.stdout.write(
      `\nsecrets: lifecycle of ${steps.length} calls, ${lines} captured log lines, ${hits.length} secret hits\n`,
    );
    expect(hits).toEqual([]);
  }, 600_000);

  test("failures that echo URLs, requests and configuration reveal no credential", async () => {
    const dead = lifecycleConfig(servers, {
      ironic: {
        url: `http://bosh:${encodeURIComponent(SECRETS.ironicBasicPassword)}@127.0.0.1:9`,
        retries: { attempts: 2 },
      },
      stemcell_store: {
        url: `http://cpi:${encodeURIComponent(SECRETS.webdavPassword)}@127.0.0.1:9/store/`,
        retries: 0,
      },
    });
    const d = new Director({ configPath: writeConfig(work, dead, "dead.json"), callTimeoutMs: 60_000 });
    const image = writeStemcellImage(join(work, "dead-image"), 64 * 1024);
    const keystone = {
      ironic: {
        url: "http://127.0.0.1:9",
        auth: {
          type: "keystone",
          auth_url: "http://127.0.0.1:9/v3",
          username: "bosh",
          password: SECRETS.keystonePassword,
          project_name: "bosh",
        },
      },
    };
    const calls: [string, unknown[]][] = [
      ["has_vm", ["7f1d2c3b-0000-4000-8000-0000000000b1"]],
      ["create_stemcell", [image.path, stemcellCloudProperties()]],
      [
        "create_vm",
        [
          "5f1d1f4e-0d0e-4c55-9a55-1d0e0d0e0101",
          "stemcell-x",
          fleet.vmTypes.enrolled,
          manualNetwork("10.0.1.60"),
          [],
          directorEnv(),
        ],
      ],
      ["create_disk", [1024, {}, null]],
    ];
    for (const [method, args] of calls) {
      const r = await d.call(method, args);
      expect(r.response?.error, method).not.toBeNull();
    }
    // cpi-config properties arrive in the context: a Keystone password there must stay hidden too
    const r = await runCpi(
      {
        method: "has_vm",
        arguments: ["7f1d2c3b-0000-4000-8000-0000000000b1"],
        context: { director_uuid: d.directorUuid, request_id: "cpi-424242", ...keystone },
        api_version: 2,
      },
      { configPath: writeConfig(work, lifecycleConfig(servers), "plain.json"), env: { PATH: process.env.PATH } },
    );
    expect(r.response.error).not.toBeNull();
    expect(hitsSoFar().hits).toEqual([]);
  }, 300_000);
});

describe("a private key pasted where a CA belongs", () => {
  test("is refused by every call and by check-config, naming the key, and never echoed", async () => {
    const pasted = lifecycleConfig(servers, {
      ironic: { ca_cert: SECRETS.privateKeyInCaField },
      stemcell_store: { ca_cert: SECRETS.privateKeyInCaField },
    });
    const configPath = writeConfig(work, pasted, "pasted.json");
    const d = new Director({ configPath, callTimeoutMs: 60_000 });
    for (const [method, args] of [
      ["has_vm", ["7f1d2c3b-0000-4000-8000-0000000000b1"]],
      ["create_disk", [1024, {}, null]],
    ] as const) {
      const r = await d.call(method, [...args], { skipInfo: true });
      expect(r.response?.error, method).toMatchObject({ type: "Bosh::Clouds::CpiError" });
      expect(r.response!.error!.message).toMatch(
        /ironic\.ca_cert: must be PEM certificates.*stemcell_store\.ca_cert: must be PEM certificates/,
      );
    }
    const check = await runCpi("", { args: ["check-config", "--config", configPath], env: { PATH: process.env.PATH } });
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/ironic\.ca_cert: must be PEM certificates/);
    expect(findSecrets(check.stdout + check.stderr, allSecrets(), "check-config")).toEqual([]);
    expect(hitsSoFar().hits).toEqual([]);
  }, 120_000);
});

describe("the config drive", () => {
  test("holds the agent's settings (with the env secrets it needs) and no CPI credential", async () => {
    const d = new Director({ configPath: writeConfig(work, secretConfig, "drive.json"), callTimeoutMs: 120_000 });
    const image = writeStemcellImage(join(work, "drive-image"), 64 * 1024);
    const stemcell = (await d.call("create_stemcell", [image.path, stemcellCloudProperties()])).response
      ?.result as string;
    const agentId = "5f1d1f4e-0d0e-4c55-9a55-1d0e0d0e0102";
    const created = await d.call("create_vm", [
      agentId,
      stemcell,
      fleet.vmTypes.enrolled,
      manualNetwork("10.0.1.61"),
      [],
      directorEnv(),
    ]);
    const vm = (created.response?.result as [string] | null)?.[0];
    expect(vm, JSON.stringify(created.response?.error)).toBeTruthy();
    try {
      // Ironic masks the drive in its API; its database holds it verbatim (ironic-standalone.md §7)
      const packed = packedConfigDrive({ instance_uuid: vm! });
      expect(packed.length).toBeGreaterThan(100);
      const iso = join(work, "drive.iso");
      writeFileSync(iso, gunzipSync(Buffer.from(packed, "base64")));
      const files = join(work, "drive");
      osirroxExtract(iso, files, "rr");
      const tree = listTree(files).filter((f) => statSync(join(files, f)).isFile());
      expect(tree).toContain("/ec2/latest/user-data");
      expect(tree).toContain("/ec2/latest/meta-data.json");
      const text = tree.map((f) => readFileSync(join(files, f), "utf8")).join("\n");

      // what the agent needs is there
      const settings = JSON.parse(readFileSync(join(files, "ec2/latest/user-data"), "utf8")) as Record<string, unknown>;
      expect(settings["agent_id"]).toBe(agentId);
      expect(Object.keys(settings).sort()).toEqual(
        expect.arrayContaining(["agent_id", "disks", "env", "mbus", "networks", "vm"]),
      );
      expect(
        Object.keys(settings).filter(
          (k) => !["agent_id", "vm", "mbus", "ntp", "blobstore", "networks", "disks", "env"].includes(k),
        ),
      ).toEqual([]);
      expect(text).toContain(SECRETS.envBoshPassword);
      expect(text).toContain(SECRETS.mbusPassword);

      // and nothing of the CPI's own: BMC, Ironic, WebDAV, registry (a v2 stemcell needs no registry) credentials
      const cpiOnly =
        /^(bmcPassword\w+|ironicBasicPassword|keystone\w+|webdavPassword|registryPassword|privateKeyInCaField|testConfigStorePassword|basicAuth:.*|registered:harness webdav password)$/;
      const forbidden = new Map([...allSecrets()].filter(([label]) => cpiOnly.test(label)));
      expect(forbidden.size).toBeGreaterThanOrEqual(12);
      expect(findSecrets(text, forbidden, "config drive")).toEqual([]);
    } finally {
      await d.call("delete_vm", [vm]);
      await d.call("delete_stemcell", [stemcell]);
    }
  }, 300_000);
});
