// create_stemcell / delete_stemcell through the bundled dist/cpi.js (run `npm run build` first):
// one JSON answer on stdout, exit 0, typed errors, and no secret in what the process printed.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { testConfig } from "../support/config.ts";
import { runCpi } from "../support/cpi-process.ts";
import { buildTar, rawImage } from "../unit/stemcell/tar-builder.ts";

const dir = mkdtempSync(join(tmpdir(), "exec-stemcells-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const configPath = join(dir, "cpi.json");
// port 1: nothing listens, so the store is "down"; testConfig's store password must never be printed
writeFileSync(
  configPath,
  JSON.stringify(
    testConfig({
      stemcell_store: { url: "http://127.0.0.1:1/stemcells/", username: "cpi", password: "store-pass-123", retries: 0 },
    }),
  ),
);
const image = join(dir, "image");
writeFileSync(image, gzipSync(buildTar([{ name: "root.img", data: rawImage(10_000) }])));

const call = (method: string, args: unknown[]) =>
  runCpi({ method, arguments: args, context: { director_uuid: "d-1" }, api_version: 2 }, { configPath });

describe("stemcell methods of the bundled CPI", () => {
  it("WebDAV down: create_stemcell answers a CloudError naming the connection failure, exit 0", async () => {
    const r = await call("create_stemcell", [image, { name: "s", version: "1" }]);
    expect(r.code).toBe(0);
    expect(r.response.error).toMatchObject({ type: "Bosh::Clouds::CloudError", ok_to_retry: false });
    expect(r.response.error?.message).toMatch(
      /^create_stemcell stemcell-[0-9a-f-]+: WebDAV PROPFIND \/stemcell-[0-9a-f-]+: no answer from http:\/\/127.0.0.1:1 \(ECONNREFUSED\)$/,
    );
    expect(r.stdout + r.stderr).not.toContain("store-pass-123");
  });

  it("a v3 director's third argument (tags) is ignored", async () => {
    const r = await call("create_stemcell", [image, { name: "s" }, { tags: { team: "x" } }]);
    expect(r.response.error?.type).toBe("Bosh::Clouds::CloudError"); // reached the store, so the arguments passed
  });

  it.each([
    ["delete_stemcell", ["../x"]],
    ["delete_stemcell", ["a/b"]],
    ["delete_stemcell", ["%2f"]],
    ["delete_stemcell", ["a\u0000b"]],
    ["create_stemcell", [image, { image_url: "http://images.example/x.qcow2" }]],
    ["create_stemcell", [image, { version: { not: "a version" } }]],
    ["create_stemcell", ["", {}]],
  ])("%s %j: CpiError before any connection", async (method, args) => {
    const r = await call(method, args);
    expect(r.code).toBe(0);
    expect(r.response.error?.type).toBe("Bosh::Clouds::CpiError");
    expect(r.response.error?.message).not.toMatch(/ECONNREFUSED/);
  });
});
