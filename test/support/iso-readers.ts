// Independent ISO9660 readers (isoinfo, xorriso/osirrox, 7-Zip, pycdlib) run as child
// processes, for tests that must prove an image reads back right outside our own code.
// A missing reader is an error, never a skip: install with test/harness/install-system-deps.sh.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** Absolute paths: a pyenv python3 first on PATH would not see Debian's python3-pycdlib. */
export const READERS = {
  isoinfo: "/usr/bin/isoinfo", // genisoimage
  xorriso: "/usr/bin/xorriso",
  osirrox: "/usr/bin/osirrox", // xorriso
  sevenZip: "/usr/bin/7z", // p7zip-full
  python: "/usr/bin/python3", // + python3-pycdlib
} as const;

export const CHECK_CONFIGDRIVE = fileURLToPath(new URL("./check_configdrive.py", import.meta.url));

export interface RunResult {
  code: number;
  stdout: Buffer;
  stderr: string;
  /** Everything, for assertion messages. */
  log: string;
}

/** Runs a reader without a shell; throws only if it cannot be started at all. */
export function run(cmd: string, args: readonly string[], cwd?: string): RunResult {
  if (!existsSync(cmd)) {
    throw new Error(
      `ISO reader ${cmd} is missing: run test/harness/install-system-deps.sh (genisoimage xorriso p7zip-full python3-pycdlib)`,
    );
  }
  // A fixed locale keeps messages stable; readers that convert names get an explicit charset.
  const r = spawnSync(cmd, args, { cwd, maxBuffer: 64 << 20, env: { ...process.env, LC_ALL: "C" } });
  if (r.error) throw new Error(`cannot run ${cmd}: ${r.error.message}`);
  const stderr = r.stderr.toString("utf8");
  const code = r.status ?? 128;
  const log = `$ ${cmd} ${args.join(" ")}\n[exit ${code}${r.signal ? ` ${r.signal}` : ""}]\n${r.stdout.toString("utf8")}${stderr}`;
  return { code, stdout: r.stdout, stderr, log };
}

/** Like run, but a non-zero exit is an error carrying the whole output. */
export function runOk(cmd: string, args: readonly string[], cwd?: string): RunResult {
  const r = run(cmd, args, cwd);
  if (r.code !== 0) throw new Error(`reader failed:\n${r.log}`);
  return r;
}

export interface IsoinfoSummary {
  volumeId: string | undefined;
  volumeSize: number | undefined; // blocks of 2048
  rockRidge: boolean;
  joliet: boolean;
  text: string;
}

/** `isoinfo -d`: the PVD as isoinfo reads it. */
export function isoinfoDescribe(iso: string): IsoinfoSummary {
  const text = runOk(READERS.isoinfo, ["-d", "-i", iso]).stdout.toString("latin1");
  const size = /^Volume size is: (\d+)$/m.exec(text)?.[1];
  return {
    volumeId: /^Volume id: (.*)$/m.exec(text)?.[1],
    volumeSize: size === undefined ? undefined : Number(size),
    rockRidge: /^Rock Ridge signatures version 1 found$/m.test(text),
    joliet: /^Joliet with UCS level 3 found$/m.test(text),
    text,
  };
}

/**
 * `isoinfo -f` flat listing ("/a", "/a/b", ...), sorted, through one namespace. isoinfo
 * prints Joliet names in ISO 8859-1 (it knows no UTF-8), Rock Ridge names as raw UTF-8.
 */
export function isoinfoList(iso: string, namespace: "rr" | "joliet" | "iso"): string[] {
  const flag = { rr: ["-R"], joliet: ["-J", "-j", "iso8859-1"], iso: [] }[namespace];
  const out = runOk(READERS.isoinfo, [...flag, "-f", "-i", iso]).stdout.toString(
    namespace === "rr" ? "utf8" : "latin1",
  );
  return out
    .split("\n")
    .filter((l) => l !== "")
    .sort();
}

/** `xorriso -assert_volid`: exit 0 when the PVD volume id is exactly `volid`, 5 otherwise. */
export function xorrisoAssertVolid(iso: string, volid: string): RunResult {
  return run(READERS.xorriso, ["-report_about", "SORRY", "-assert_volid", volid, "FAILURE", "-indev", iso]);
}

/** osirrox extraction through Rock Ridge, or (`-read_fs norock`) through Joliet. */
export function osirroxExtract(iso: string, dest: string, namespace: "rr" | "joliet"): RunResult {
  const norock = namespace === "joliet" ? ["-read_fs", "norock"] : [];
  // -local_charset: Joliet names are converted from UCS-2 to it (under LC_ALL=C they get mangled).
  return runOk(READERS.osirrox, [
    "-local_charset",
    "UTF-8",
    "-abort_on",
    "FAILURE",
    ...norock,
    "-indev",
    iso,
    "-extract",
    "/",
    dest,
  ]);
}

/** `7z t`: 7-Zip's own consistency test (catches LE/BE mismatches and truncation). */
export function sevenZipTest(iso: string): RunResult {
  return run(READERS.sevenZip, ["t", "-bd", iso]);
}

/** `7z x`: extraction through 7-Zip, which prefers the Joliet tree when there is one. */
export function sevenZipExtract(iso: string, dest: string): RunResult {
  return runOk(READERS.sevenZip, ["x", "-y", "-bd", `-o${dest}`, iso]);
}

/** The strict pycdlib checker (test/support/check_configdrive.py). */
export function checkConfigDrive(iso: string, src: string, opts: { volid?: string; joliet?: boolean } = {}): RunResult {
  const args = [CHECK_CONFIGDRIVE, iso, src];
  if (opts.volid !== undefined) args.push("--volid", opts.volid);
  if (opts.joliet === false) args.push("--no-joliet");
  return run(READERS.python, args);
}

/** Every path below `root` as "/a", "/a/b" (like `find . -mindepth 1`), sorted by code unit. */
export function listTree(root: string): string[] {
  const out: string[] = [];
  const visit = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      out.push(`/${relative(root, full)}`);
      if (lstatSync(full).isDirectory()) visit(full);
    }
  };
  visit(root);
  return out.sort();
}

/** Differences between two trees (names, kinds, bytes); empty when identical. */
export function diffTrees(expected: string, actual: string): string[] {
  const a = listTree(expected);
  const b = listTree(actual);
  const problems = [
    ...a.filter((p) => !b.includes(p)).map((p) => `missing ${p}`),
    ...b.filter((p) => !a.includes(p)).map((p) => `unexpected ${p}`),
  ];
  for (const p of a.filter((x) => b.includes(x))) {
    const [x, y] = [lstatSync(join(expected, p)), lstatSync(join(actual, p))];
    if (x.isDirectory() !== y.isDirectory()) problems.push(`kind differs ${p}`);
    else if (!x.isDirectory() && !readFileSync(join(expected, p)).equals(readFileSync(join(actual, p))))
      problems.push(`content differs ${p}`);
  }
  return problems;
}

export function makeTempDir(prefix = "iso-readers-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** osirrox extracts 0444/0555 trees: make them writable again before removing. */
export function removeTree(dir: string): void {
  if (!existsSync(dir)) return;
  const writable = (p: string) => {
    const st = lstatSync(p);
    if (st.isSymbolicLink()) return;
    chmodSync(p, st.mode | 0o200);
    if (st.isDirectory()) for (const name of readdirSync(p)) writable(join(p, name));
  };
  writable(dir);
  rmSync(dir, { recursive: true, force: true });
}
