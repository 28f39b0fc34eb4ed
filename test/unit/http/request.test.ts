// The one HTTP exchange: answers, JSON bodies, the two timeouts, a body it must not read, Node's error codes.
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpConnectionError, send } from "../../../src/http/request.ts";

let server: Server;
let base: string;
const seen: { method: string; url: string; headers: Record<string, unknown>; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      if (req.url === "/slow") return void setTimeout(() => res.end("late"), 2_000);
      if (req.url === "/endless") {
        res.writeHead(200, { "content-length": String(1e12) });
        const chunk = Buffer.alloc(64 * 1024);
        const pump = () => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once("drain", pump);
        };
        return pump();
      }
      res.writeHead(201, "Made", { "x-answer": "42" }).end(JSON.stringify({ got: body }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe("send", () => {
  it("sends JSON with its length and type, and answers status, headers and the body as text", async () => {
    const r = await send({
      method: "POST",
      url: new URL(`${base}/x?a=1`),
      headers: { accept: "application/json" },
      json: { k: "v" },
    });
    expect(r).toMatchObject({ status: 201, statusMessage: "Made", body: JSON.stringify({ got: '{"k":"v"}' }) });
    expect(r.headers["x-answer"]).toBe("42");
    expect(seen.at(-1)).toMatchObject({
      method: "POST",
      url: "/x?a=1",
      headers: { "content-type": "application/json", "content-length": "9", "user-agent": "bosh-ironic-cpi" },
    });
  });

  it("gives up on an answer that takes longer than timeoutMs: ETIMEDOUT", async () => {
    const err = await send({ method: "GET", url: new URL(`${base}/slow`) }, { timeoutMs: 100 }).catch((e) => e);
    expect(err).toBeInstanceOf(HttpConnectionError);
    expect(err).toMatchObject({ code: "ETIMEDOUT" });
  });

  it("with headersOnly, resolves on the status line and never reads an endless body", async () => {
    const r = await send({ method: "GET", url: new URL(`${base}/endless`), headersOnly: true }, { timeoutMs: 5_000 });
    expect(r).toMatchObject({ status: 200, body: "" });
  });

  it("passes Node's code of a failed connection through", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const err = await send({ method: "GET", url: new URL(`http://127.0.0.1:${port}/`) }).catch((e) => e);
    expect(err).toMatchObject({ name: "HttpConnectionError", code: "ECONNREFUSED" });
  });

  it("times out a connection that never opens: ETIMEDOUT after connectTimeoutMs", async () => {
    // A listening socket nobody accepts on, its queue already full: Linux drops the next SYN.
    const py = spawn("python3", [
      "-c",
      "import socket,sys,time\ns=socket.socket();s.bind(('127.0.0.1',0));s.listen(0)\nc=socket.create_connection(s.getsockname())\nprint(s.getsockname()[1],flush=True)\ntime.sleep(30)",
    ]);
    try {
      const port = await new Promise<string>((r) => py.stdout.once("data", (d: Buffer) => r(d.toString().trim())));
      const err = await send(
        { method: "GET", url: new URL(`http://127.0.0.1:${port}/`) },
        { connectTimeoutMs: 200 },
      ).catch((e) => e);
      expect(err).toMatchObject({ name: "HttpConnectionError", code: "ETIMEDOUT" });
      expect(err.message).toMatch(/connect timed out after 200 ms/);
    } finally {
      py.kill();
    }
  });
});
