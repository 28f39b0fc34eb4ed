// The fault proxy forwards faithfully (streamed bodies both ways), injects each fault kind as specified,
// is repeatable for a seed and counts what it did.
import { createHash, randomBytes } from "node:crypto";
import { type IncomingMessage, type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type FaultProxy, lockedBody, startFaultProxy } from "../../support/fault-proxy.ts";

let upstream: Server;
let upstreamUrl: string;
const seen: { method: string; url: string; host: string; sha: string; bytes: number }[] = [];

beforeAll(async () => {
  upstream = createServer(async (req: IncomingMessage, res) => {
    const hash = createHash("sha256");
    let bytes = 0;
    for await (const chunk of req) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
    const sha = hash.digest("hex");
    seen.push({ method: req.method ?? "", url: req.url ?? "", host: req.headers.host ?? "", sha, bytes });
    res.writeHead(req.url === "/teapot" ? 418 : 200, { "content-type": "application/json", "x-up": "1" });
    res.end(JSON.stringify({ method: req.method, url: req.url, sha, bytes }));
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => upstream.close(() => r())));

async function withProxy(opts: Parameters<typeof startFaultProxy>[0], fn: (p: FaultProxy) => Promise<void>) {
  const p = await startFaultProxy(opts);
  try {
    await fn(p);
  } finally {
    await p.close();
  }
}

describe("forwarding", () => {
  test("method, path, query, status, headers and a 5 MiB body stream through unchanged", async () => {
    await withProxy({ upstream: upstreamUrl }, async (p) => {
      const body = randomBytes(5 * 1024 * 1024);
      const res = await fetch(`${p.url}/a/b?x=1&y=%2F`, { method: "PUT", body });
      expect(res.status).toBe(200);
      expect(res.headers.get("x-up")).toBe("1");
      const echo = (await res.json()) as { sha: string; bytes: number; url: string };
      expect(echo).toMatchObject({
        url: "/a/b?x=1&y=%2F",
        bytes: body.length,
        sha: createHash("sha256").update(body).digest("hex"),
      });
      expect(seen.at(-1)?.host).toBe(new URL(upstreamUrl).host);
      const teapot = await fetch(`${p.url}/teapot`);
      await teapot.arrayBuffer();
      expect(teapot.status).toBe(418);
      expect(p.requests.map((r) => [r.method, r.path, r.status, r.fault])).toEqual([
        ["PUT", "/a/b?x=1&y=%2F", 200, undefined],
        ["GET", "/teapot", 418, undefined],
      ]);
    });
  });
});

describe("faults", () => {
  test("503: answered by the proxy, never forwarded", async () => {
    await withProxy({ upstream: upstreamUrl, rate: 1, kinds: { "503": 1 } }, async (p) => {
      const before = seen.length;
      const res = await fetch(`${p.url}/v1/nodes`, { method: "POST", body: "{}" });
      await res.arrayBuffer();
      expect(res.status).toBe(503);
      expect(seen.length).toBe(before);
      expect(p.faults["503"]).toBe(1);
    });
  });

  test("locked: Ironic's double-encoded 409 naming the node, never forwarded", async () => {
    await withProxy({ upstream: upstreamUrl, rate: 1, kinds: { locked: 1 } }, async (p) => {
      const before = seen.length;
      const res = await fetch(`${p.url}/v1/nodes/n-1/states/provision`, { method: "PUT", body: "{}" });
      expect(res.status).toBe(409);
      const outer = (await res.json()) as { error_message: string };
      const inner = JSON.parse(outer.error_message) as { faultstring: string; faultcode: string };
      expect(inner.faultcode).toBe("Client");
      expect(inner.faultstring).toBe(
        "Node n-1 is locked by host 127.0.0.1, please retry after the current operation is completed.",
      );
      expect(seen.length).toBe(before);
    });
    expect(JSON.parse(lockedBody("/v1/ports")).error_message).toContain("Node unknown is locked");
  });

  test("reset: the connection dies without an answer, never forwarded", async () => {
    await withProxy({ upstream: upstreamUrl, rate: 1, kinds: { reset: 1 } }, async (p) => {
      const before = seen.length;
      const err = (await fetch(`${p.url}/x`).catch((e: unknown) => e)) as Error & { cause?: { code?: string } };
      expect(err).toBeInstanceOf(Error);
      expect(err.cause?.code ?? err.message).toMatch(/ECONNRESET|UND_ERR_SOCKET|other side closed|fetch failed/);
      expect(seen.length).toBe(before);
      expect(p.faults.reset).toBe(1);
    });
  });

  test("delay: held, then forwarded with its body", async () => {
    await withProxy({ upstream: upstreamUrl, rate: 1, kinds: { delay: 1 }, delayMs: 300 }, async (p) => {
      const t0 = performance.now();
      const res = await fetch(`${p.url}/slow`, { method: "POST", body: "payload" });
      expect(((await res.json()) as { bytes: number }).bytes).toBe(7);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
      expect(p.requests[0]).toMatchObject({ fault: "delay", status: 200 });
    });
  });

  test("eligible limits which requests may fail", async () => {
    await withProxy(
      { upstream: upstreamUrl, rate: 1, kinds: { "503": 1 }, eligible: (r) => r.method !== "GET" },
      async (p) => {
        expect((await fetch(`${p.url}/ok`)).status).toBe(200);
        expect((await fetch(`${p.url}/no`, { method: "DELETE" })).status).toBe(503);
      },
    );
  });

  test("down: every connection is dropped until it is up again", async () => {
    await withProxy({ upstream: upstreamUrl }, async (p) => {
      p.setDown(true);
      await expect(fetch(`${p.url}/x`)).rejects.toThrow();
      p.setDown(false);
      expect((await fetch(`${p.url}/x`)).status).toBe(200);
    });
  });
});

describe("repeatability and share", () => {
  async function sequence(seed: number, n: number): Promise<(string | undefined)[]> {
    let out: (string | undefined)[] = [];
    await withProxy(
      { upstream: upstreamUrl, rate: 0.3, kinds: { "503": 1, locked: 1, delay: 1 }, delayMs: 1, seed },
      async (p) => {
        for (let i = 0; i < n; i++) await (await fetch(`${p.url}/r${i}`)).arrayBuffer();
        out = p.requests.map((r) => r.fault);
      },
    );
    return out;
  }

  test("the same seed gives the same faults; about 30 % of requests at rate 0.3", async () => {
    const a = await sequence(42, 300);
    const b = await sequence(42, 300);
    const c = await sequence(43, 300);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    const share = a.filter(Boolean).length / a.length;
    expect(share).toBeGreaterThan(0.22);
    expect(share).toBeLessThan(0.38);
    expect(new Set(a.filter(Boolean))).toEqual(new Set(["503", "locked", "delay"]));
  }, 60_000);
});
