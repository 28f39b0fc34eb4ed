// What `npm run build` makes (scripts/build.mjs): an ordinary esbuild build, split so a call loads only
// what its method uses, that runs from any directory without node_modules.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildInto } from "../../scripts/build.mjs";

const work = mkdtempSync(join(tmpdir(), "build-test-"));
const dist = join(work, "dist");
afterAll(() => rmSync(work, { recursive: true, force: true }));
beforeAll(() => buildInto(dist), 60_000);

const read = (f: string) => readFileSync(f, "utf8");
const chunk = (prefix: string) => {
  const found = readdirSync(join(dist, "chunks")).filter((f) => f.startsWith(`${prefix}-`));
  expect(found, prefix).toHaveLength(1);
  return join(dist, "chunks", found[0]!);
};

/** Every file a module loads through static imports (what Node evaluates with it), itself included. */
function staticGraph(...entries: string[]): Set<string> {
  const seen = new Set<string>();
  const walk = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const m of read(file).matchAll(
      /^\s*(?:import|export)\b[^"'`]*?\bfrom\s*"(\.[^"]+)"|^\s*import\s*"(\.[^"]+)"/gm,
    ))
      walk(resolve(dirname(file), (m[1] ?? m[2])!));
  };
  entries.forEach(walk);
  return seen;
}
const text = (files: Set<string>) => [...files].map(read).join("\n");

// our HTTP exchange (src/http/request.ts), the webdav client, the VM service, the ISO9660 writer, a zod locale other than English
const HTTP_CLIENT = "HttpConnectionError";
const WEBDAV = "multistatus";
const VM_SERVICE = "node already deployed for this agent_id";
const ISO_WRITER = "CD001";
const ZOD_GERMAN = "erwartet";

describe("npm run build", () => {
  it("writes the two entries, their chunks and a package.json that makes them ES modules", () => {
    expect(readdirSync(dist).sort()).toEqual(["chunks", "cpi.js", "package.json", "registry.js"]);
    expect(JSON.parse(read(join(dist, "package.json")))).toEqual({ type: "module" });
    for (const action of ["info", "create_vm", "has_vm", "attach_disk"]) chunk(action);
  });

  it("info loads the protocol, configuration and logging, and no HTTP client, service or other zod locale", () => {
    const info = text(staticGraph(join(dist, "cpi.js"), chunk("dispatch"), chunk("info")));
    expect(info).toContain("stemcell_formats"); // the config schema
    for (const marker of [HTTP_CLIENT, WEBDAV, VM_SERVICE, ISO_WRITER, ZOD_GERMAN])
      expect(info.includes(marker), marker).toBe(false);
    // and the whole build does hold them: the markers are real
    const all = readdirSync(join(dist, "chunks"))
      .map((f) => read(join(dist, "chunks", f)))
      .join("\n");
    for (const marker of [HTTP_CLIENT, WEBDAV, VM_SERVICE, ISO_WRITER]) expect(all.includes(marker), marker).toBe(true);
  });

  it("has_vm loads the Ironic client and the services, and not the WebDAV client", () => {
    const hasVm = text(staticGraph(join(dist, "cpi.js"), chunk("dispatch"), chunk("has_vm"), chunk("wiring")));
    expect(hasVm).toContain(HTTP_CLIENT);
    expect(hasVm).toContain(VM_SERVICE);
    expect(hasVm.includes(WEBDAV)).toBe(false);
  });

  it("imports no Node module as an ES module (Node would read all its exports: node:fs loads its streams)", () => {
    const files = [
      join(dist, "cpi.js"),
      join(dist, "registry.js"),
      ...readdirSync(join(dist, "chunks")).map((f) => join(dist, "chunks", f)),
    ];
    const builtin =
      /^(?:import|export)\b[^;]*?(?:\bfrom\s*)?"(?:node:[a-z_/]+|fs|path|os|http|https|crypto|stream|util|events|net|tls|zlib)";?$/m;
    for (const f of files) expect(read(f), f).not.toMatch(builtin);
  });

  it("runs from another directory, with no node_modules anywhere above it (dist/cpi.js: test/exec/protocol.test.ts)", () => {
    const elsewhere = mkdtempSync(join(tmpdir(), "build-copy-"));
    try {
      cpSync(dist, elsewhere, { recursive: true });
      // without a configuration the registry server says so, in its log format: it loaded and ran
      const registry = spawnSync(process.execPath, [join(elsewhere, "registry.js")], {
        cwd: elsewhere,
        encoding: "utf8",
        env: { PATH: process.env.PATH },
      });
      expect(registry.status).toBe(1);
      expect(JSON.parse(registry.stderr)).toMatchObject({
        msg: "registry failed to start",
        error: expect.stringMatching(/^no configuration/),
      });
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});
