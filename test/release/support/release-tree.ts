// A release directory assembled by release/build.sh in a temp dir, its package files resolved the way
// `bosh create-release` resolves them, and packages compiled the way the agent compiles them.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, realpathSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import YAML from "yaml";
import { ensureBundle } from "./bundle.ts";
import { REPO } from "./render.ts";

export interface PackageSpec {
  name: string;
  dependencies?: string[];
  files: string[];
  excluded_files?: string[];
}

export const packageNames = (): string[] => readdirSync(join(REPO, "packages")).sort();
export const jobNames = (): string[] => readdirSync(join(REPO, "jobs")).sort();

export function packageSpec(name: string): PackageSpec {
  return YAML.parse(readFileSync(join(REPO, "packages", name, "spec"), "utf8")) as PackageSpec;
}

/** The entry files of dist/ (the bosh-ironic-cpi package carries dist/ whole, chunks included). */
export const bundleFiles = (): string[] => ["cpi.js", "registry.js", "package.json"];

/** PATH without any directory that holds a `bosh` executable. */
export function pathWithoutBosh(): string {
  return (process.env.PATH ?? "")
    .split(":")
    .filter((dir) => dir && !existsSync(join(dir, "bosh")))
    .join(":");
}

/** Runs release/build.sh with the given steps into `releaseDir`; returns its stdout. */
export function buildRelease(releaseDir: string, steps: string[], env: NodeJS.ProcessEnv = {}): string {
  ensureBundle(bundleFiles());
  return execFileSync("bash", [join(REPO, "release/build.sh"), ...steps, "--release-dir", releaseDir], {
    cwd: REPO,
    encoding: "utf8",
    env: { ...process.env, PATH: pathWithoutBosh(), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*" && glob[i + 1] === "*") {
      re += glob[i + 2] === "/" ? "(?:.*/)?" : ".*";
      i += glob[i + 2] === "/" ? 2 : 1;
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

function walk(dir: string, base = dir): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? walk(path, base) : [relative(base, path)];
  });
}

/**
 * What bosh create-release packages for each `files:` glob: matches under src/ and blobs/ (src wins),
 * regular files only, and never a file reached through a symlinked folder (bosh-cli
 * release/pkg/dir_reader.go isPackageableFile). Throws "Missing files for pattern" like bosh.
 */
export function resolvePackageFiles(releaseDir: string, pkg: PackageSpec): Map<string, string> {
  const out = new Map<string, string>();
  const srcDir = join(releaseDir, "src");
  for (const glob of pkg.files) {
    const re = globToRegExp(glob);
    let found = false;
    for (const root of [srcDir, join(releaseDir, "blobs")]) {
      for (const rel of walk(root).filter((f) => re.test(f))) {
        const path = join(root, rel);
        if (lstatSync(path).isDirectory()) continue;
        const viaSymlinkedDir = relative(srcDir, path) !== relative(realpathSync(srcDir), realpathSync(path));
        if (!lstatSync(path).isSymbolicLink() && viaSymlinkedDir) continue;
        found = true;
        if (!out.has(rel)) out.set(rel, path);
      }
    }
    if (!found) throw new Error(`package ${pkg.name}: Missing files for pattern '${glob}'`);
  }
  return out;
}

/** Compiles a package as the agent does: its files and packaging in BOSH_COMPILE_TARGET, `bash -x packaging`. */
export function compilePackage(releaseDir: string, name: string, root: string): { install: string; log: string } {
  const compile = join(root, "compile", name);
  const install = join(root, "data/packages", name);
  mkdirSync(compile, { recursive: true });
  mkdirSync(install, { recursive: true });
  for (const [rel, path] of resolvePackageFiles(releaseDir, packageSpec(name))) {
    mkdirSync(dirname(join(compile, rel)), { recursive: true });
    cpSync(path, join(compile, rel));
  }
  cpSync(join(releaseDir, "packages", name, "packaging"), join(compile, "packaging"));
  const log = execFileSync("bash", ["-x", "packaging"], {
    cwd: compile,
    encoding: "utf8",
    // as bosh-agent and create-env's compiler run it (an isolated environment)
    env: {
      PATH: "/usr/local/bin:/usr/bin:/bin",
      BOSH_COMPILE_TARGET: compile,
      BOSH_INSTALL_TARGET: install,
      BOSH_PACKAGE_NAME: name,
      BOSH_PACKAGE_VERSION: "0000000000000000000000000000000000000000",
      BOSH_PACKAGES_DIR: join(root, "packages"),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return { install, log };
}
