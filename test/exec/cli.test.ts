// The executable as an operator meets it at a shell: usage on request and instead of waiting at a
// terminal, options in any order, unknown commands and options named with what is known.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { testConfig } from "../support/config.ts";
import { CPI_BUNDLE, runCpi } from "../support/cpi-process.ts";

const dir = mkdtempSync(join(tmpdir(), "cpi-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const configPath = join(dir, "cpi.json");
writeFileSync(configPath, JSON.stringify(testConfig()));
const cli = (...args: string[]) => runCpi("", { args, bundle: CPI_BUNDLE });

describe("node dist/cpi.js at a shell", () => {
  test.each([["--help"], ["-h"], ["help"], ["check-config", "--help"]])(
    "%s prints the usage on stdout, exit 0",
    async (...args) => {
      const r = await cli(...args);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^bosh-ironic-cpi: /);
      for (const s of [
        "check-config --config <cpi.json>",
        "reconcile --config <cpi.json> [--dry-run]",
        "render-config-drive --config <cpi.json> --input <in.json> --out <dir>",
        "BOSH_IRONIC_CPI_CONFIG",
        "exit codes",
      ])
        expect(r.stdout).toContain(s);
    },
  );

  test("options in any order: --config before the command works", async () => {
    for (const args of [
      ["--config", configPath, "check-config"],
      [`--config=${configPath}`, "check-config"],
      ["check-config", "--config", configPath],
    ]) {
      const r = await cli(...args);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: true });
    }
  });

  test.each([
    [["bogus"], /unknown command 'bogus' \(known: check-config, reconcile, render-config-drive, help\)/],
    [["check-config", "--bogus"], /unknown option --bogus/],
    [["check-config", "--dry-run", "--config", "x"], /check-config takes no --dry-run/],
    [["check-config", "--config"], /--config needs a value/],
    [["check-config", "extra", "--config", "x"], /unexpected argument 'extra'/],
  ])("%j: a usage error on stderr with the usage, exit 2, nothing on stdout", async (args, message) => {
    const r = await cli(...args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain("usage:");
  });

  test("a terminal on stdin and no request: the usage on stderr instead of waiting", () => {
    // python's pty gives the CPI a real terminal as stdin; a CPI that waited would be killed by the timeout
    const py = "import pty, sys; sys.exit(pty.spawn(sys.argv[1:]) >> 8)";
    const r = spawnSync("python3", ["-c", py, process.execPath, CPI_BUNDLE, "--config", configPath], {
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(2);
    expect(r.stdout).toContain("no request on stdin (a terminal)");
    expect(r.stdout).toContain("usage:");
  });

  test("an unknown configuration key names the key it most likely meant", async () => {
    const typo = join(dir, "typo.json");
    const cfg = testConfig();
    writeFileSync(typo, JSON.stringify({ ...cfg, disks: { ...cfg.disks, ephemeral_devise: "/dev/sdb" }, registy: {} }));
    const r = await cli("check-config", "--config", typo);
    expect(r.code).toBe(1);
    const msg = JSON.parse(r.stdout).error.message as string;
    expect(msg).toContain("disks.ephemeral_devise: unknown key (did you mean ephemeral_device?)");
    expect(msg).toContain("registy: unknown key (did you mean registry?)");
  });
});
