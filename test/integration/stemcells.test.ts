// create_stemcell / delete_stemcell through the dispatcher, the real wiring and the real nginx WebDAV,
// with stemcell images made by the real tools (GNU tar, gzip, qemu-img); checksums by the coreutils.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { type Server, type Socket, connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConfigInput } from "../../src/config/schema.ts";
import { dispatchInProcess } from "../support/log-capture.ts";
import { webdav, webdavAuthHeader } from "../support/servers.ts";
import { stemcellFolders } from "../support/store-listing.ts";
import { startWebdav } from "../harness/webdav.ts";
import { TRAVERSALS, settledAccessLogLines } from "../unit/webdav/traversals.ts";

const FOLDER = `it-stemcells-${randomBytes(4).toString("hex")}`;
const work = mkdtempSync(join(tmpdir(), "it-stemcells-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const MF = {
  name: "bosh-openstack-kvm-ubuntu-jammy-go_agent",
  version: "1.404",
  infrastructure: "openstack",
  hypervisor: "kvm",
  container_format: "bare",
  os_distro: "ubuntu",
  architecture: "x86_64",
};

function config(overrides: Partial<ConfigInput["stemcell_store"]> = {}): ConfigInput {
  const w = webdav();
  return {
    ironic: { url: "http://127.0.0.1:9" },
    stemcell_store: {
      url: `${w.url}${FOLDER}/`,
      read_url: `http://conductors.example:8080/${FOLDER}/`,
      username: w.username,
      password: w.password,
      retries: 1,
      ...overrides,
    },
    agent: { mbus: "nats://10.0.0.6:4222" },
  };
}

async function cpi(method: string, args: unknown[], cfg: ConfigInput = config()) {
  const lines: string[] = [];
  const r = await dispatchInProcess(
    JSON.stringify({ method, arguments: args, context: { director_uuid: "d-1" }, api_version: 2 }),
    { config: cfg, log: { write: (l) => void lines.push(l) } },
    `stemcells ${method}`,
  );
  return { ...r, lines: lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const sh = (cmd: string, args: string[], cwd = work) =>
  execFileSync(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"] }).toString();
const sum = (tool: string, file: string) => sh(tool, [file]).split(" ")[0];

/** An image file made with GNU tar: `members` are created in a fresh dir, root.img last. */
function tarball(
  name: string,
  root: Buffer | string,
  opts: { format?: "gnu" | "pax" | "ustar"; others?: string[]; gzip?: boolean } = {},
): string {
  const dir = join(work, `${name}.d`);
  mkdirSync(dir, { recursive: true });
  for (const other of opts.others ?? []) {
    mkdirSync(join(dir, other, ".."), { recursive: true });
    writeFileSync(join(dir, other), "not the image\n");
  }
  if (typeof root === "string") execFileSync("cp", [root, join(dir, "root.img")]);
  else writeFileSync(join(dir, "root.img"), root);
  const out = join(work, name);
  sh("tar", [
    `--format=${opts.format ?? "gnu"}`,
    opts.gzip === false ? "-cf" : "-czf",
    out,
    "-C",
    dir,
    ...(opts.others ?? []),
    "root.img",
  ]);
  return out;
}

function rawDisk(size: number): Buffer {
  const b = randomBytes(size);
  b.fill(0, 0, 512);
  b[510] = 0x55;
  b[511] = 0xaa;
  return b;
}

/** A real qcow2 (qemu-img convert of a raw disk). */
function qcow2Disk(name: string): string {
  const raw = join(work, `${name}.raw`);
  writeFileSync(raw, rawDisk(3 * 1024 * 1024));
  const q = join(work, `${name}.qcow2`);
  sh("qemu-img", ["convert", "-f", "raw", "-O", "qcow2", raw, q]);
  return q;
}

const stored = (cid: string, file: string) => join(webdav().dataDir, FOLDER, cid, file);
const record = (cid: string) =>
  JSON.parse(readFileSync(stored(cid, "stemcell.json"), "utf8")) as Record<string, unknown>;
const folders = () => stemcellFolders(webdav().dataDir, FOLDER);

describe("create_stemcell on nginx", () => {
  it("raw: root.img byte for byte, the record, checksums as sha256sum/md5sum compute them", async () => {
    const root = rawDisk(5 * 1024 * 1024 + 123);
    const image = tarball("raw.tgz", root);
    const r = await cpi("create_stemcell", [image, { ...MF, disk_format: "raw" }]);
    expect(r.error).toBeNull();
    const cid = r.result as string;
    expect(cid).toMatch(/^stemcell-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(readFileSync(stored(cid, "root.img")).equals(root)).toBe(true);
    const rootFile = join(work, "raw.tgz.d", "root.img");
    expect(record(cid)).toMatchObject({
      cid,
      name: MF.name,
      version: "1.404",
      os_distro: "ubuntu",
      architecture: "x86_64",
      light: false,
      format: "raw",
      size: root.length,
      checksums: { sha256: sum("sha256sum", rootFile), md5: sum("md5sum", rootFile) },
    });
    expect(r.log).toMatch(/uploading root.img: 100 %/);
  });

  it("qcow2 (made by qemu-img) declared raw: stored as qcow2, the disagreement logged", async () => {
    const q = qcow2Disk("q1");
    const r = await cpi("create_stemcell", [tarball("qcow2.tgz", q), { ...MF, disk_format: "raw" }]);
    const cid = r.result as string;
    expect(readFileSync(stored(cid, "root.img")).equals(readFileSync(q))).toBe(true);
    expect(record(cid)).toMatchObject({
      format: "qcow2",
      declared_disk_format: "raw",
      checksums: { sha256: sum("sha256sum", q) },
    });
    expect(
      r.lines.some((l) => l["level"] === 40 && /disk_format 'raw' but root.img is qcow2/.test(String(l["msg"]))),
    ).toBe(true);
  });

  it.each([
    ["GNU long names", "gnu"],
    ["pax headers", "pax"],
    ["a plain ustar, not gzipped", "ustar"],
  ] as const)("reads archives with %s", async (_what, format) => {
    const root = rawDisk(700_000);
    const longName = `${"a-rather-long-directory-name/".repeat(5)}stemcell-notes-${"x".repeat(40)}.txt`;
    const others = format === "ustar" ? ["stemcell.MF"] : [longName, "stemcell.MF"];
    const image = tarball(`long-${format}.tar`, root, { format, others, gzip: format !== "ustar" });
    const r = await cpi("create_stemcell", [image, MF]);
    expect(r.error).toBeNull();
    expect(readFileSync(stored(r.result as string, "root.img")).equals(root)).toBe(true);
  });

  it("hands create_vm the read_url-based image URL, and delete_stemcell is idempotent", async () => {
    const r = await cpi("create_stemcell", [tarball("del.tgz", rawDisk(100_000)), MF]);
    const cid = r.result as string;
    const { createServices } = await import("../../src/wiring.ts");
    const { parseConfig } = await import("../../src/config/load.ts");
    const { createCallLog } = await import("../../src/log/index.ts");
    const services = await createServices(parseConfig(config(), "test"), createCallLog({ write: () => {} }).logger);
    expect(await services.stemcells.resolve(cid)).toMatchObject({
      imageUrl: `http://conductors.example:8080/${FOLDER}/${cid}/root.img`,
      diskFormat: "raw",
      light: false,
    });
    await services.close();
    expect((await cpi("delete_stemcell", [cid])).error).toBeNull();
    expect((await cpi("delete_stemcell", [cid])).error).toBeNull();
    expect(existsSync(join(webdav().dataDir, FOLDER, cid))).toBe(false);
  });
});

describe("create_stemcell failures leave nothing in the store", () => {
  it.each([
    [
      "a corrupt gzip",
      () => {
        const f = tarball("corrupt.tgz", rawDisk(2_000_000));
        const b = readFileSync(f);
        b[b.length >> 1]! ^= 0xff;
        writeFileSync(f, b);
        return f;
      },
      /not a valid gzip stream/,
    ],
    [
      "a tar without root.img",
      () => {
        mkdirSync(join(work, "noroot"), { recursive: true });
        writeFileSync(join(work, "noroot", "image-disk1.vmdk"), "x");
        sh("tar", ["-czf", join(work, "noroot.tgz"), "-C", join(work, "noroot"), "image-disk1.vmdk"]);
        return join(work, "noroot.tgz");
      },
      /holds no root.img/,
    ],
    [
      "a truncated archive",
      () => {
        const f = tarball("cut.tgz", rawDisk(2_000_000), { gzip: false });
        writeFileSync(f, readFileSync(f).subarray(0, 1_000_000));
        return f;
      },
      /ends inside an entry/,
    ],
    ["a missing file", () => join(work, "does-not-exist.tgz"), /cannot read the stemcell image/],
  ])("%s: CloudError", async (_what, make, message) => {
    const before = folders().length;
    const r = await cpi("create_stemcell", [make(), MF]);
    expect(r.error).toMatchObject({ type: "Bosh::Clouds::CloudError", ok_to_retry: false });
    expect(r.error?.message).toMatch(message);
    expect(folders().length).toBe(before);
  });

  it("a connection cut mid-upload: the image is read again and streamed again; the store holds it whole", async () => {
    const proxy = await cuttingProxy(Number(new URL(webdav().url).port), 3 * 1024 * 1024, 1);
    const root = rawDisk(16 * 1024 * 1024);
    const r = await cpi(
      "create_stemcell",
      [tarball("cut-once.tgz", root), MF],
      config({ url: `http://127.0.0.1:${proxy.port}/${FOLDER}/` }),
    );
    await proxy.close();
    expect(proxy.cuts).toBe(1);
    expect(r.error).toBeNull();
    expect(r.lines.some((l) => l["msg"] === "streaming again to WebDAV")).toBe(true);
    expect(readFileSync(stored(r.result as string, "root.img")).equals(root)).toBe(true);
  });

  it("every attempt cut mid-upload: CloudError once the retries are spent, the partial object never appears", async () => {
    const proxy = await cuttingProxy(Number(new URL(webdav().url).port), 3 * 1024 * 1024, Infinity);
    const before = folders().length;
    const r = await cpi(
      "create_stemcell",
      [tarball("cut-always.tgz", rawDisk(16 * 1024 * 1024)), MF],
      config({ url: `http://127.0.0.1:${proxy.port}/${FOLDER}/`, retries: 2 }),
    );
    await proxy.close();
    expect(proxy.cuts).toBe(3);
    expect(r.error?.type).toBe("Bosh::Clouds::CloudError");
    expect(r.error?.message).toMatch(
      /WebDAV PUT \/stemcell-[0-9a-f-]+\/root.img: no answer from .* \((ECONNRESET|EPIPE)\)/,
    );
    expect(folders().length).toBe(before);
  });

  it("WebDAV stopped, or a closed port: typed CloudError, nothing written", async () => {
    const own = await startWebdav({ username: "cpi", password: "stopped-dav-pw" });
    const url = own.url;
    await own.stop();
    const image = tarball("down.tgz", rawDisk(100_000));
    for (const u of [url, "http://127.0.0.1:1/"]) {
      const r = await cpi(
        "create_stemcell",
        [image, MF],
        config({ url: u, username: "cpi", password: "stopped-dav-pw", retries: 1 }),
      );
      expect(r.error).toMatchObject({ type: "Bosh::Clouds::CloudError", ok_to_retry: false });
      expect(r.error?.message).toMatch(/no answer from http:\/\/127.0.0.1:\d+ \(ECONNREFUSED\)/);
      expect(r.error?.message).not.toContain("stopped-dav-pw");
    }
  });
});

describe("light stemcells", () => {
  let lightSize = 0;
  beforeAll(async () => {
    // put through nginx (it runs as nobody: folders the test made on disk would not be writable for it)
    const image = readFileSync(qcow2Disk("light"));
    lightSize = image.length;
    const res = await fetch(`${webdav().url}${FOLDER}/light-image.qcow2`, {
      method: "PUT",
      headers: { authorization: webdavAuthHeader() },
      body: image,
    });
    expect(res.status).toBe(201);
  });

  it("checked for reachability, recorded, nothing uploaded", async () => {
    const w = webdav();
    const u = new URL(`${w.url}${FOLDER}/light-image.qcow2`);
    u.username = w.username;
    u.password = w.password;
    const r = await cpi("create_stemcell", [
      "/ignored/for/light",
      { ...MF, image_url: u.toString(), image_checksum: `sha256:${"0".repeat(64)}`, disk_format: "qcow2" },
    ]);
    expect(r.error).toBeNull();
    const cid = r.result as string;
    expect(existsSync(stored(cid, "root.img"))).toBe(false);
    expect(record(cid)).toMatchObject({
      light: true,
      image_url: u.toString(),
      checksums: { sha256: "0".repeat(64) },
      format: "qcow2",
      size: lightSize,
    });
    expect(r.log).not.toContain(w.password);
    expect((await cpi("delete_stemcell", [cid])).error).toBeNull();
    expect(existsSync(join(w.dataDir, FOLDER, cid))).toBe(false);
  });

  it("without disk_format: the format is read from the image's first bytes (IPA refuses a deploy without one)", async () => {
    // IPA 13 takes any MBR/GPT image for "gpt" when Ironic names no format (qemu-img: Unknown driver 'gpt'),
    // and Ironic names it only from instance_info.image_disk_format: a light stemcell must carry one
    const w = webdav();
    const u = new URL(`${w.url}${FOLDER}/light-image.qcow2`);
    const r = await cpi("create_stemcell", [
      "/ignored/for/light",
      { ...MF, disk_format: undefined, image_url: u.toString(), image_checksum: `sha256:${"1".repeat(64)}` },
    ]);
    expect(r.error).toBeNull();
    const cid = r.result as string;
    expect(record(cid)).toMatchObject({ light: true, format: "qcow2" });
    expect((await cpi("delete_stemcell", [cid])).error).toBeNull();
  });

  it("an unreachable image_url: CloudError, nothing recorded", async () => {
    const before = folders().length;
    const r = await cpi("create_stemcell", [
      "/x",
      {
        ...MF,
        image_url: `${webdav().url}${FOLDER}/missing.qcow2`,
        image_checksum: "d41d8cd98f00b204e9800998ecf8427e",
      },
    ]);
    expect(r.error?.type).toBe("Bosh::Clouds::CloudError");
    expect(r.error?.message).toMatch(/is not reachable: 40[14]/);
    expect(folders().length).toBe(before);
  });
});

describe("traversal attempts", () => {
  it("are refused before any request reaches nginx: by the argument check and by the store", async () => {
    const w = webdav();
    const before = await settledAccessLogLines(w.dataDir);
    for (const bad of TRAVERSALS) {
      const r = await cpi("delete_stemcell", [bad]);
      expect(r.error?.type).toBe("Bosh::Clouds::CpiError");
    }
    const { createServices } = await import("../../src/wiring.ts");
    const { parseConfig } = await import("../../src/config/load.ts");
    const { createCallLog } = await import("../../src/log/index.ts");
    const services = await createServices(parseConfig(config(), "test"), createCallLog({ write: () => {} }).logger);
    for (const bad of TRAVERSALS) {
      await expect(services.stemcells.delete(bad)).rejects.toMatchObject({ type: "Bosh::Clouds::CpiError" });
      await expect(services.stemcells.resolve(bad)).rejects.toMatchObject({ type: "Bosh::Clouds::CpiError" });
    }
    await services.close();
    expect(await settledAccessLogLines(w.dataDir)).toBe(before);
  });
});

/** A TCP proxy that destroys connections carrying more than `cutAfter` bytes upstream, `maxCuts` times. */
async function cuttingProxy(
  upstreamPort: number,
  cutAfter: number,
  maxCuts: number,
): Promise<{ port: number; cuts: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const state = { cuts: 0 };
  const server: Server = createServer((client) => {
    const upstream = connect(upstreamPort, "127.0.0.1");
    sockets.add(client).add(upstream);
    let sent = 0;
    client.on("data", (d: Buffer) => {
      sent += d.length;
      if (sent > cutAfter && state.cuts < maxCuts) {
        state.cuts++;
        client.destroy();
        upstream.destroy();
        return;
      }
      upstream.write(d);
    });
    upstream.on("data", (d) => client.write(d));
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      a.on("end", () => b.end());
      a.on("error", () => b.destroy());
      a.on("close", () => sockets.delete(a));
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    get cuts() {
      return state.cuts;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
