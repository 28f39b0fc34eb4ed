// The config drive as other programs read it: rendered by the operator command (which runs the same
// service as create_vm), checked by strict pycdlib, extracted by osirrox through Rock Ridge and
// Joliet, read by cloud-init 22.4's config-drive reader, and unpacked from base64+gzip by the
// coreutils/gzip command-line tools. No servers; a missing tool fails the test.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { run as renderConfigDrive } from "../../src/commands/render-config-drive.ts";
import { prepareVmConfigDrive, type VmConfigDrive } from "../../src/services/vm/config-drive.ts";
import { CASES, type DriveCase } from "../fixtures/golden/cases.ts";
import {
  checkConfigDrive,
  diffTrees,
  makeTempDir,
  osirroxExtract,
  READERS,
  removeTree,
  runOk,
} from "../support/iso-readers.ts";

const CLOUD_INIT = "/usr/bin/cloud-init";
const TOOLS = [READERS.osirrox, READERS.python, CLOUD_INIT, "/usr/bin/base64", "/bin/gunzip"];

// cloud-init's own reader on an extracted drive; bytes become text for JSON.
const READ_DRIVE = `
import json, sys
from cloudinit.sources import DataSourceConfigDrive as ds
r = ds.read_config_drive(sys.argv[1])
b = lambda v: v.decode() if isinstance(v, bytes) else v
print(json.dumps({"version": r.get("version"), "metadata": r.get("metadata"), "ec2": r.get("ec2-metadata"),
  "userdata": b(r.get("userdata")), "networkdata": r.get("networkdata"), "vendordata": r.get("vendordata")}, default=str))
`;

interface CloudInitView {
  version: number;
  metadata: Record<string, unknown>;
  ec2: Record<string, unknown> | null;
  userdata: string | null;
  networkdata: unknown;
  vendordata: unknown;
}

function cloudInitRead(dir: string): CloudInitView {
  return JSON.parse(runOk(READERS.python, ["-c", READ_DRIVE, dir]).stdout.toString("utf8")) as CloudInitView;
}

/** The case as the command's in.json, and the config as a cpi.json. */
function writeCommandInput(c: DriveCase, dir: string): string[] {
  const i = c.input;
  const input = {
    arguments: [i.agentId, "stemcell-cid-1", i.vmCloudProperties, i.networks, [], i.env],
    node: i.node,
    ports: i.ports,
    ...(i.stemcellApiVersion !== undefined ? { stemcell_api_version: i.stemcellApiVersion } : {}),
    vm_cid: i.vmCid,
    date: i.date.toISOString(),
  };
  writeFileSync(join(dir, "cpi.json"), JSON.stringify(i.config));
  writeFileSync(join(dir, "in.json"), JSON.stringify(input));
  return ["--config", join(dir, "cpi.json"), "--input", join(dir, "in.json"), "--out", join(dir, "out")];
}

function writeTree(drive: VmConfigDrive, root: string): void {
  for (const f of drive.files) {
    mkdirSync(dirname(join(root, f.path)), { recursive: true });
    writeFileSync(join(root, f.path), f.data);
  }
}

beforeAll(() => {
  const missing = TOOLS.filter((t) => !existsSync(t));
  if (missing.length)
    throw new Error(
      `missing ${missing.join(", ")}: run test/harness/install-system-deps.sh (xorriso cloud-init python3-pycdlib)`,
    );
});

describe.each(CASES)("config drive '$name' read back by independent readers", (c) => {
  const expected = prepareVmConfigDrive(c.input);
  let tmp = "";
  let out = "";
  beforeAll(async () => {
    tmp = makeTempDir("configdrive-readers-");
    const lines: string[] = [];
    const code = await renderConfigDrive(writeCommandInput(c, tmp), {
      stdout: (s) => lines.push(s),
      stderr: () => {},
      env: {},
    });
    expect(code, lines.join("")).toBe(0);
    out = join(tmp, "out");
    writeTree(expected, join(tmp, "src"));
    osirroxExtract(join(out, "config-drive.iso"), join(tmp, "rr"), "rr");
    osirroxExtract(join(out, "config-drive.iso"), join(tmp, "joliet"), "joliet");
  });
  afterAll(() => removeTree(tmp));

  test("render-config-drive writes exactly what prepareVmConfigDrive builds", () => {
    expect(readFileSync(join(out, "config-drive.iso")).equals(Buffer.from(expected.iso))).toBe(true);
    expect(readFileSync(join(out, "config-drive.b64"), "utf8")).toBe(expected.packed);
    expect(JSON.parse(readFileSync(join(out, "network_data.json"), "utf8"))).toEqual(expected.networkData);
    expect(readFileSync(join(out, "user-data.json"), "utf8")).toBe(expected.userData);
    expect(existsSync(join(out, "node-network_data.json"))).toBe(expected.nodeNetworkData !== undefined);
    for (const secret of ["config-drive.iso", "config-drive.b64", "user-data.json"])
      expect(statSync(join(out, secret)).mode & 0o777).toBe(0o600);
  });

  test("strict pycdlib: label config-2, Rock Ridge + Joliet, every file and byte", () => {
    const r = checkConfigDrive(join(out, "config-drive.iso"), join(tmp, "src"));
    expect(r.code, r.log).toBe(0);
  });

  test("osirrox extracts the same tree through Rock Ridge and through Joliet", () => {
    expect(diffTrees(join(tmp, "src"), join(tmp, "rr"))).toEqual([]);
    expect(diffTrees(join(tmp, "src"), join(tmp, "joliet"))).toEqual([]);
  });

  test("cloud-init 22.4 reads meta_data, user_data, network_data and the ec2 meta-data", () => {
    const r = cloudInitRead(join(tmp, "rr"));
    expect(r.version).toBe(2);
    expect(r.metadata["instance-id"]).toBe(c.input.vmCid);
    expect(r.metadata["local-hostname"]).toBe(c.input.agentId);
    expect(r.metadata.name).toBe(c.input.node.name);
    expect(r.userdata).toBe(expected.userData);
    expect(r.networkdata).toEqual(expected.networkData);
    expect(r.vendordata).toEqual({});
    const keys = c.input.config.config_drive.public_keys;
    expect(r.ec2).toEqual({
      "instance-id": c.input.vmCid,
      hostname: c.input.agentId,
      "public-keys": { "0": { "openssh-key": keys[0] ?? "" } },
    });
  });

  test("base64 -d | gunzip of the packed string gives the identical ISO", () => {
    const r = spawnSync(
      "bash",
      ["-c", 'set -o pipefail; base64 -d < "$1" | gunzip -c', "_", join(out, "config-drive.b64")],
      { maxBuffer: 64 << 20 },
    );
    expect(r.status, r.stderr.toString()).toBe(0);
    expect(r.stdout.equals(Buffer.from(expected.iso))).toBe(true);
  });
});

test("cloud-init ignores network_data.json missing from the newest dated folder (why every folder gets every file)", () => {
  const drive = prepareVmConfigDrive(CASES[0]!.input);
  const dir = makeTempDir("configdrive-dated-");
  try {
    writeTree(drive, join(dir, "all"));
    expect(cloudInitRead(join(dir, "all")).networkdata).toEqual(drive.networkData);
    cpSync(join(dir, "all"), join(dir, "gap"), { recursive: true });
    rmSync(join(dir, "gap", "openstack", "2016-06-30", "network_data.json"));
    // still present in latest/ and the older dated folders, yet cloud-init sees none
    expect(cloudInitRead(join(dir, "gap")).networkdata).toBeNull();
  } finally {
    removeTree(dir);
  }
});

describe("render-config-drive errors: one JSON line on stdout, exit 1", () => {
  const runIt = async (argv: string[]) => {
    const lines: string[] = [];
    const code = await renderConfigDrive(argv, { stdout: (s) => lines.push(s), stderr: () => {}, env: {} });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith("\n")).toBe(true);
    return { code, body: JSON.parse(lines[0]!) as { error: { type: string; message: string; ok_to_retry: boolean } } };
  };
  let dir = "";
  beforeAll(() => {
    dir = makeTempDir("render-errors-");
  });
  afterAll(() => removeTree(dir));

  test("invalid in.json names every offending path", async () => {
    const argv = writeCommandInput(CASES[0]!, dir);
    const bad = JSON.parse(readFileSync(argv[3]!, "utf8"));
    bad.arguments[3].default.netmask = "255.255.255.0x";
    delete bad.node;
    writeFileSync(argv[3]!, JSON.stringify(bad));
    const { code, body } = await runIt(argv);
    expect(code).toBe(1);
    expect(body.error.type).toBe("Bosh::Clouds::CpiError");
    expect(body.error.ok_to_retry).toBe(false);
    expect(body.error.message).toMatch(/arguments\[3\]\.default\.netmask/);
    expect(body.error.message).toMatch(/node: is required/);
  });

  test("the CPI's own errors come out typed: an unknown pinned MAC is a CloudError naming it", async () => {
    const argv = writeCommandInput(CASES[0]!, dir);
    const input = JSON.parse(readFileSync(argv[3]!, "utf8"));
    input.arguments[3].default.cloud_properties = { mac: "de:ad:be:ef:00:01" };
    writeFileSync(argv[3]!, JSON.stringify(input));
    const { code, body } = await runIt(argv);
    expect(code).toBe(1);
    expect(body.error).toEqual({
      type: "Bosh::Clouds::CloudError",
      message: "network 'default': MAC de:ad:be:ef:00:01 is not a port of this server",
      ok_to_retry: false,
    });
  });

  test("missing --out is a usage error", async () => {
    const argv = writeCommandInput(CASES[0]!, dir).slice(0, 4);
    const { code, body } = await runIt(argv);
    expect(code).toBe(1);
    expect(body.error.message).toMatch(/^usage: render-config-drive .*missing --out/);
  });
});
