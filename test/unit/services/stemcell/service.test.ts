// The stemcell service against an in-memory store (the real nginx: test/integration/stemcells.test.ts).
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { CloudError, CpiError } from "../../../../src/protocol/errors.ts";
import { Cid } from "../../../../src/protocol/shapes.ts";
import { StemcellNotFound, StemcellService } from "../../../../src/services/stemcell/service.ts";
import { WebdavHttpError, WebdavUnavailable } from "../../../../src/webdav/errors.ts";
import { qcow2Image, rawImage, stemcellImage } from "../../stemcell/tar-builder.ts";
import { TRAVERSALS } from "../../webdav/traversals.ts";
import { FakeStore } from "./fake-store.ts";

const dir = mkdtempSync(join(tmpdir(), "stemcells-svc-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const imageFile = (bytes: Buffer) => {
  const p = join(dir, `image-${n++}`);
  writeFileSync(p, bytes);
  return p;
};
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const md5 = (b: Buffer) => createHash("md5").update(b).digest("hex");
const MF = {
  name: "bosh-openstack-kvm-ubuntu-jammy-go_agent",
  version: "1.404",
  infrastructure: "openstack",
  os_distro: "ubuntu",
  architecture: "x86_64",
  hypervisor: "kvm",
  container_format: "bare",
  auto_disk_config: true,
  some_future_key: { x: 1 },
};

let store: FakeStore;
let lines: Record<string, unknown>[];
let svc: StemcellService;
beforeEach(() => {
  store = new FakeStore();
  lines = [];
  const log = pino({ level: "debug" }, { write: (l: string) => void lines.push(JSON.parse(l)) });
  svc = new StemcellService({ store: store.asStore(), log, now: () => new Date("2026-11-21T10:00:00Z") });
});

describe("create_stemcell (upload)", () => {
  it("streams root.img to <cid>/root.img and writes the record last", async () => {
    const root = rawImage(3_000_000);
    const cid = await svc.create(imageFile(stemcellImage(root)), { ...MF, disk_format: "raw" });
    expect(cid).toMatch(/^stemcell-[0-9a-f-]{36}$/);
    expect(Cid.safeParse(cid).success).toBe(true);
    expect(store.objects.get(`/${cid}/root.img`)?.equals(root)).toBe(true);
    expect(store.calls).toEqual([
      "PROPFIND /",
      `PROPFIND /${cid}`,
      `PUT /${cid}/root.img`,
      `PROPFIND /${cid}/root.img`,
      `PUT /${cid}/stemcell.json`,
    ]);
    expect(JSON.parse(store.objects.get(`/${cid}/stemcell.json`)!.toString())).toEqual({
      record_version: 1,
      cid,
      name: MF.name,
      version: "1.404",
      os_distro: "ubuntu",
      architecture: "x86_64",
      created_at: "2026-11-21T10:00:00.000Z",
      light: false,
      format: "raw",
      declared_disk_format: "raw",
      size: root.length,
      checksums: { sha256: sha256(root), md5: md5(root) },
      image: "root.img",
    });
    // the chunks are 256 KiB (~9 % each): every step is reported once, from the first chunk on
    expect(lines.filter((l) => /uploading root.img: \d+ %/.test(String(l["msg"]))).map((l) => l["percent"])).toEqual([
      10, 20, 30, 40, 50, 60, 70, 80, 90, 100,
    ]);
  });

  it("trusts the magic bytes over disk_format, and says so", async () => {
    const cid = await svc.create(imageFile(stemcellImage(qcow2Image())), { ...MF, disk_format: "raw" });
    expect(JSON.parse(store.objects.get(`/${cid}/stemcell.json`)!.toString())).toMatchObject({
      format: "qcow2",
      declared_disk_format: "raw",
    });
    expect(lines.find((l) => l["level"] === 40)?.["msg"]).toMatch(/says disk_format 'raw' but root.img is qcow2/);
  });

  it("keeps a numeric version as text", async () => {
    const cid = await svc.create(imageFile(stemcellImage(rawImage(2000))), { name: "x", version: 3262.12 });
    expect(JSON.parse(store.objects.get(`/${cid}/stemcell.json`)!.toString()).version).toBe("3262.12");
  });

  it("a server without create_full_put_path (409): makes <cid>/ and streams again from the file", async () => {
    const root = rawImage(50_000);
    const replies = [new WebdavHttpError("PUT", "/x", 409, "Conflict")];
    const original = store.putStream.bind(store);
    store.putStream = async (key, body, size) => {
      const reply = replies.shift();
      if (!reply) return original(key, body, size);
      body.resume();
      throw reply;
    };
    const cid = await svc.create(imageFile(stemcellImage(root)), MF);
    expect(store.calls).toContain(`MKCOL /${cid}/`);
    expect(store.objects.get(`/${cid}/root.img`)?.equals(root)).toBe(true);
  });

  it("a 503 during the upload: the image is read again from its start and streamed again", async () => {
    const root = rawImage(3_000_000);
    let attempts = 0;
    const original = store.putStream.bind(store);
    store.putStream = async (key, body, size) => {
      if (++attempts === 1) {
        for await (const _ of body) break; // a part of the body went out, then the server failed
        throw new WebdavHttpError("PUT", key.path, 503, "Service Unavailable");
      }
      return original(key, body, size);
    };
    const cid = await svc.create(imageFile(stemcellImage(root)), MF);
    expect(attempts).toBe(2);
    expect(store.objects.get(`/${cid}/root.img`)?.equals(root)).toBe(true);
    expect(JSON.parse(store.objects.get(`/${cid}/stemcell.json`)!.toString()).checksums.sha256).toBe(sha256(root));
  });
});

describe("create_stemcell checksums follow the Ironic", () => {
  it("sha256 only when Ironic does without md5; asked once per upload, never for a light stemcell", async () => {
    let asked = 0;
    const log = pino({ level: "silent" });
    const current = new StemcellService({
      store: store.asStore(),
      log,
      md5Needed: async () => {
        asked++;
        return false;
      },
    });
    const root = rawImage(700_000);
    const cid = await current.create(imageFile(stemcellImage(root)), MF);
    expect(JSON.parse(store.objects.get(`/${cid}/stemcell.json`)!.toString()).checksums).toEqual({
      sha256: sha256(root),
    });
    expect((await current.resolve(cid)).checksums).toEqual({ sha256: sha256(root) });
    await current.create("/unused", {
      ...MF,
      image_url: "http://images.example/x.img",
      image_checksum: "ab".repeat(32),
    });
    expect(asked).toBe(1);
  });

  it("md5 as well when Ironic needs it (the default)", async () => {
    const root = rawImage(700_000);
    const cid = await svc.create(imageFile(stemcellImage(root)), MF);
    expect(JSON.parse(store.objects.get(`/${cid}/stemcell.json`)!.toString()).checksums).toEqual({
      sha256: sha256(root),
      md5: md5(root),
    });
  });
});

describe("create_stemcell failures leave nothing behind", () => {
  it.each([
    [
      "a corrupt gzip",
      () => {
        const g = stemcellImage(rawImage(300_000));
        g[g.length >> 1]! ^= 0xff;
        return g;
      },
      /not a valid gzip stream/,
    ],
    [
      "a tar without root.img",
      () => stemcellImage(Buffer.alloc(0)).subarray(0, 0),
      /cannot read|no root.img|not a tar/,
    ],
  ])("%s: CloudError, partial objects deleted", async (_what, make, message) => {
    const err = await svc.create(imageFile(make()), MF).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudError);
    expect((err as Error).message).toMatch(message);
    expect(store.objects.size).toBe(0);
  });

  it("the store failing mid-upload: CloudError with status and path, the folder removed", async () => {
    store.failStreamAfter = {
      bytes: 100_000,
      error: new WebdavHttpError("PUT", "/x/root.img", 507, "Insufficient Storage"),
    };
    const err = await svc.create(imageFile(stemcellImage(rawImage(1_000_000))), MF).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudError);
    expect((err as Error).message).toMatch(
      /^create_stemcell stemcell-[0-9a-f-]+: WebDAV PUT \/x\/root.img: 507 Insufficient Storage$/,
    );
    expect((err as CloudError).okToRetry).toBe(false);
    expect(store.calls.at(-1)).toMatch(/^DELETE \/stemcell-[0-9a-f-]+\/$/);
    expect(store.objects.size).toBe(0);
  });

  it("the record failing to write: the uploaded image is removed", async () => {
    const cid = "stemcell-00000000-0000-4000-8000-000000000001";
    svc = new StemcellService({ store: store.asStore(), log: pino({ level: "silent" }), newCid: () => cid });
    store.failures.set(`PUT /${cid}/stemcell.json`, new WebdavHttpError("PUT", `/${cid}/stemcell.json`, 500));
    await expect(svc.create(imageFile(stemcellImage(rawImage(10_000))), MF)).rejects.toBeInstanceOf(CloudError);
    expect(store.objects.size).toBe(0);
  });

  it("the store down: CloudError before the image is read, nothing written", async () => {
    const cid = "stemcell-00000000-0000-4000-8000-000000000002";
    svc = new StemcellService({ store: store.asStore(), log: pino({ level: "silent" }), newCid: () => cid });
    store.failures.set(
      `PROPFIND /${cid}`,
      new WebdavUnavailable("PROPFIND", `/${cid}`, "ECONNREFUSED", "http://127.0.0.1:1"),
    );
    const err = await svc.create(join(dir, "never-read"), MF).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudError);
    expect((err as Error).message).toMatch(/ECONNREFUSED/);
    expect(store.calls).toEqual(["PROPFIND /", `PROPFIND /${cid}`]);
  });

  it("invalid cloud_properties: CpiError, no request", async () => {
    await expect(svc.create(imageFile(stemcellImage(rawImage(1000))), { name: 7 })).rejects.toBeInstanceOf(CpiError);
    await expect(svc.create("x", { image_url: "http://h/i" })).rejects.toThrow(
      /image_url: a light stemcell needs both/,
    );
    expect(store.requestCount).toBe(0);
  });
});

describe("light stemcells", () => {
  const LIGHT = {
    ...MF,
    image_url: "https://user:pw@images.example/jammy.qcow2",
    image_checksum: `sha256:${"ab".repeat(32)}`,
    disk_format: "qcow2",
  };

  it("checks reachability, records, uploads nothing; resolve hands out the image_url", async () => {
    const cid = await svc.create("/nonexistent/ignored", LIGHT);
    expect(store.calls).toEqual(["PROPFIND /", `PROBE ${LIGHT.image_url}`, `PUT /${cid}/stemcell.json`]);
    expect(await svc.resolve(cid)).toEqual({
      cid,
      imageUrl: LIGHT.image_url,
      checksums: { sha256: "ab".repeat(32) },
      diskFormat: "qcow2",
      size: 1234,
      light: true,
    });
    expect(JSON.stringify(lines)).not.toContain("user:pw");
  });

  it("an unreachable image: CloudError naming the status (without credentials), nothing recorded", async () => {
    store.probeResult = { reachable: false, status: 404, detail: "404 Not Found" };
    const err = await svc.create("/x", LIGHT).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudError);
    expect((err as Error).message).toMatch(/https:\/\/images.example\/jammy.qcow2 is not reachable: 404 Not Found/);
    expect((err as Error).message).not.toContain("pw");
    expect(store.objects.size).toBe(0);
  });

  it("a bare md5 checksum is recorded as md5", async () => {
    const cid = await svc.create("/x", { ...LIGHT, image_checksum: "D41D8CD98F00B204E9800998ECF8427E" });
    expect((await svc.resolve(cid)).checksums).toEqual({ md5: "d41d8cd98f00b204e9800998ecf8427e" });
  });
});

describe("resolve and delete", () => {
  it("resolves an uploaded stemcell to its read_url, checksums, format and size", async () => {
    const root = qcow2Image(30_000);
    const cid = await svc.create(imageFile(stemcellImage(root)), MF);
    expect(await svc.resolve(cid)).toEqual({
      cid,
      imageUrl: `http://read.example/images/${cid}/root.img`,
      checksums: { sha256: sha256(root), md5: md5(root) },
      diskFormat: "qcow2",
      size: root.length,
      light: false,
    });
  });

  it("unknown: StemcellNotFound (a CloudError); a damaged record: CloudError", async () => {
    const err = await svc.resolve("stemcell-nope").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StemcellNotFound);
    expect((err as CloudError).type).toBe("Bosh::Clouds::CloudError");
    store.objects.set("/stemcell-bad/stemcell.json", Buffer.from("{not json"));
    await expect(svc.resolve("stemcell-bad")).rejects.toThrow(/not JSON/);
    store.objects.set("/stemcell-bad/stemcell.json", Buffer.from('{"light":false}'));
    await expect(svc.resolve("stemcell-bad")).rejects.toThrow(/not valid/);
  });

  it("resolves and deletes stemcells the 2016 CPI uploaded (<cid>.qcow2 + <cid>.meta)", async () => {
    const cid = "stemcell_ubuntu-x86_64-3262.12";
    store.objects.set(`/${cid}.qcow2`, Buffer.from("QFI\xfb"));
    store.objects.set(`/${cid}.meta`, Buffer.from(`${"a".repeat(32)} bosh-openstack-kvm-ubuntu-trusty-go_agent\n`));
    expect(await svc.resolve(cid)).toEqual({
      cid,
      imageUrl: `http://read.example/images/${cid}.qcow2`,
      checksums: { md5: "a".repeat(32) },
      diskFormat: "qcow2",
      size: undefined,
      light: false,
    });
    await svc.delete(cid);
    expect(store.objects.size).toBe(0);
  });

  it("delete removes the folder and is idempotent", async () => {
    const cid = await svc.create(imageFile(stemcellImage(rawImage(5000))), MF);
    await svc.delete(cid);
    await svc.delete(cid);
    expect(store.objects.size).toBe(0);
    await expect(svc.resolve(cid)).rejects.toBeInstanceOf(StemcellNotFound);
  });

  it.each(TRAVERSALS)("refuses %j before any request (CpiError)", async (bad) => {
    await expect(svc.delete(bad)).rejects.toBeInstanceOf(CpiError);
    await expect(svc.resolve(bad)).rejects.toBeInstanceOf(CpiError);
    expect(store.requestCount).toBe(0);
  });
});

describe("unfinished stemcells (a create_stemcell killed before its record)", () => {
  const dead = "stemcell-00000000-0000-4000-8000-0000000000d1";
  const done = "stemcell-00000000-0000-4000-8000-0000000000d2";
  const sweepStore = () => {
    const s = new FakeStore();
    s.objects.set(`/${dead}/root.img`, Buffer.from("half"));
    s.objects.set(`/${done}/root.img`, Buffer.from("whole"));
    s.objects.set(`/${done}/stemcell.json`, Buffer.from("{}"));
    return s;
  };
  const at = (iso: string) => () => new Date(iso);

  it("are removed by the next create_stemcell and delete_stemcell once older than the stale margin", async () => {
    for (const call of ["create", "delete"] as const) {
      const s = sweepStore();
      const svc = new StemcellService({
        store: s.asStore(),
        log: pino({ level: "silent" }),
        now: at("2026-11-21T00:11:00Z"),
        staleMs: 600_000,
      });
      if (call === "create") await svc.create(imageFile(stemcellImage(rawImage(4096))), MF);
      else await svc.delete("stemcell-00000000-0000-4000-8000-0000000000ff");
      expect(
        [...s.objects.keys()].some((p) => p.startsWith(`/${dead}/`)),
        call,
      ).toBe(false);
      expect(s.objects.has(`/${done}/stemcell.json`), call).toBe(true);
    }
  });

  it("are left alone while younger than the margin (an upload may be finishing)", async () => {
    const s = sweepStore();
    const svc = new StemcellService({
      store: s.asStore(),
      log: pino({ level: "silent" }),
      now: at("2026-11-21T00:05:00Z"),
      staleMs: 600_000,
    });
    await svc.delete("stemcell-00000000-0000-4000-8000-0000000000ff");
    expect(s.objects.has(`/${dead}/root.img`)).toBe(true);
  });
});
