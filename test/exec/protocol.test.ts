// The executable as the director and the CLI see it: stdin in, exactly one JSON document out,
// exit 0 whenever it could answer, logs only on stderr.
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { CPI_BUNDLE, runCpi } from "../support/cpi-process.ts";
import { testConfig } from "../support/config.ts";

let configPath: string;
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "cpi-exec-"));
  configPath = join(dir, "cpi.json");
  writeFileSync(configPath, JSON.stringify(testConfig()));
});

function expectOneResponse(stdout: string) {
  expect(stdout.endsWith("\n")).toBe(true);
  expect(stdout.trim().split("\n")).toHaveLength(1);
  const doc = JSON.parse(stdout);
  expect(Object.keys(doc).sort()).toEqual(["error", "log", "result"]);
  expect(typeof doc.log).toBe("string");
  if (doc.error !== null) {
    expect(Object.keys(doc.error).sort()).toEqual(["message", "ok_to_retry", "type"]);
    expect(typeof doc.error.ok_to_retry).toBe("boolean");
    expect(doc.error.type).toMatch(
      /^Bosh::Clouds::(CloudError|CpiError|NotImplemented|NotSupported|VMNotFound|DiskNotFound|DiskNotAttached|NoDiskSpace|VMCreationFailed|NetworkNotFound)$/,
    );
  }
  return doc;
}

describe("dist/cpi.js", () => {
  test("info as the director sends it", async () => {
    const r = await runCpi(
      { method: "info", arguments: [], context: { director_uuid: "d1", request_id: "cpi-123456" } },
      { configPath },
    );
    expect(r.code).toBe(0);
    const doc = expectOneResponse(r.stdout);
    expect(doc.result).toEqual({
      api_version: 3,
      stemcell_formats: ["openstack-raw", "openstack-qcow2", "ironic-light"],
    });
    const lines = r.stderr
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.every((l) => l.request_id === "cpi-123456" && l.method === "info")).toBe(true);
  });

  test("info as create-env sends it, config from the environment", async () => {
    const r = await runCpi(
      {
        method: "info",
        arguments: [],
        context: { director_uuid: "d1", vm: { stemcell: { api_version: 3 } } },
        api_version: 1,
      },
      {
        env: { PATH: process.env.PATH, BOSH_IRONIC_CPI_CONFIG: configPath },
      },
    );
    expect(expectOneResponse(r.stdout).result).toMatchObject({ api_version: 3 });
  });

  test("runs from any directory as a copy of dist/, without node_modules", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cpi-alone-"));
    try {
      cpSync(dirname(CPI_BUNDLE), dir, { recursive: true });
      const r = await runCpi(
        { method: "info", arguments: [] },
        { configPath, cwd: dir, bundle: join(dir, "cpi.js"), env: {} },
      );
      expect(r.code).toBe(0);
      expect(expectOneResponse(r.stdout).error).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test.each(["info", "has_vm"])(
    "reads %s from a non-blocking pipe whose writer is slow (EAGAIN waited out)",
    (method) => {
      // The pipe's O_NONBLOCK is shared with the child's stdin; the writer starts 300 ms after the spawn.
      const parent = [
        "import os, subprocess, sys, time",
        "r, w = os.pipe()",
        "os.set_blocking(r, False)",
        "p = subprocess.Popen(sys.argv[1:4], stdin=r, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)",
        "os.close(r)",
        "time.sleep(0.3)",
        "os.write(w, sys.argv[4].encode())",
        "os.close(w)",
        "sys.stdout.write(p.communicate()[0].decode())",
      ].join("\n");
      const request = JSON.stringify({
        method,
        arguments: method === "info" ? [] : ["not-a-node"],
        context: { director_uuid: "d1" },
      });
      const out = execFileSync(
        "python3",
        ["-c", parent, process.execPath, CPI_BUNDLE, `--config=${configPath}`, request],
        { encoding: "utf8" },
      );
      expect(expectOneResponse(out)).toMatchObject({
        error: null,
        result: method === "info" ? { api_version: 3 } : false,
      });
    },
  );

  const bad: Array<[string, string | object, string, RegExp]> = [
    ["empty stdin", "", "Bosh::Clouds::CpiError", /not valid JSON/],
    ["truncated JSON", '{"method":"info","argu', "Bosh::Clouds::CpiError", /not valid JSON/],
    ["a JSON string", '"info"', "Bosh::Clouds::CpiError", /must be a JSON object/],
    ["missing method", { arguments: [] }, "Bosh::Clouds::CpiError", /method: is required/],
    ["missing arguments", { method: "info" }, "Bosh::Clouds::CpiError", /arguments: is required/],
    [
      "unknown method",
      { method: "make_coffee", arguments: [] },
      "Bosh::Clouds::NotImplemented",
      /unknown method 'make_coffee'/,
    ],
    [
      "wrong argument type",
      { method: "has_vm", arguments: [{}] },
      "Bosh::Clouds::CpiError",
      /argument 1 'vm_cid': .*expected string/,
    ],
    [
      "not enough arguments",
      { method: "create_disk", arguments: [1024] },
      "Bosh::Clouds::CpiError",
      /argument 2 'cloud_properties': is required/,
    ],
    [
      "negative disk size",
      { method: "create_disk", arguments: [-5, {}, null] },
      "Bosh::Clouds::CpiError",
      /argument 1 'size'/,
    ],
    [
      "resize is not supported",
      { method: "resize_disk", arguments: ["disk-1", 2048] },
      "Bosh::Clouds::NotSupported",
      /cannot be resized/,
    ],
  ];
  test.each(bad)("%s → typed error, exit 0, no stack on stdout", async (_name, req, type, message) => {
    const r = await runCpi(req, { configPath });
    expect(r.code).toBe(0);
    const doc = expectOneResponse(r.stdout);
    expect(doc.result).toBeNull();
    expect(doc.error.type).toBe(type);
    expect(doc.error.message).toMatch(message);
    expect(r.stdout).not.toMatch(/\n\s+at /);
  });

  test("a request over 1 MiB is refused", async () => {
    const big = JSON.stringify({ method: "info", arguments: ["x".repeat(1024 * 1024)] });
    const r = await runCpi(big, { configPath });
    expect(r.code).toBe(0);
    expect(expectOneResponse(r.stdout).error).toMatchObject({
      type: "Bosh::Clouds::CpiError",
      message: "request is larger than 1048576 bytes",
    });
  });

  test("no configuration is a clear CpiError", async () => {
    const r = await runCpi({ method: "info", arguments: [] }, { env: {} });
    expect(expectOneResponse(r.stdout).error?.message).toMatch(/pass --config <path> or set BOSH_IRONIC_CPI_CONFIG/);
  });

  test("secrets from the configuration and the env argument never reach stdout or stderr", async () => {
    const req = {
      method: "create_vm",
      arguments: ["a", "s", {}, {}, [], { bosh: { password: "$6$vm-password-hash" } }],
    };
    const r = await runCpi(req, { configPath });
    const all = r.stdout + r.stderr;
    for (const secret of ["store-pass-123", "mbus-pass-456", "$6$vm-password-hash"]) expect(all).not.toContain(secret);
  });

  test("check-config validates a configuration file", async () => {
    const ok = await runCpi("", { args: ["check-config", "--config", configPath], bundle: CPI_BUNDLE });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true });
  });

  // Each of these used to pass check-config and then fail every call later or obscurely ("The string to
  // be encoded contains characters outside of the Latin1 range", a TLS error at the first request).
  test.each([
    [
      "a password outside Latin-1",
      { stemcell_store: { url: "http://127.0.0.1:9/", username: "cpi", password: "pässwörd…" } },
      "stemcell_store.password: must hold only Latin-1 characters",
    ],
    [
      "a ca_cert that is no certificate",
      {
        ironic: {
          url: "https://127.0.0.1:9",
          ca_cert: "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUXyZ\n-----END CERTIFICATE-----\n",
        },
      },
      "ironic.ca_cert: must be PEM certificates",
    ],
    ["a URL that is not http(s)", { ironic: { url: "ftp://127.0.0.1:9" } }, "ironic.url: must be an http(s) URL"],
  ])("%s: check-config and every call refuse it, naming the key", async (_what, over, message) => {
    const path = join(dir, `bad-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(path, JSON.stringify({ ...testConfig(), ...over }));
    const check = await runCpi("", { args: ["check-config", "--config", path], bundle: CPI_BUNDLE });
    expect(check.code).toBe(1);
    expect(JSON.parse(check.stdout).error.message).toContain(message);
    for (const method of ["info", "has_vm", "create_stemcell"]) {
      const r = await runCpi(
        {
          method,
          arguments:
            method === "has_vm"
              ? ["7f1d2c3b-0000-4000-8000-0000000000b1"]
              : method === "create_stemcell"
                ? ["/nonexistent", {}]
                : [],
        },
        { configPath: path },
      );
      expect(r.code, method).toBe(0);
      const error = expectOneResponse(r.stdout).error;
      expect(error, method).toMatchObject({ type: "Bosh::Clouds::CpiError" });
      expect(error!.message, method).toContain(message);
    }
  });
});
