import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RegistryConfigError, loadRegistryConfig, parseRegistryConfig, readTls } from "../../../src/registry/config.ts";

const dir = mkdtempSync(join(tmpdir(), "registry-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const MINIMAL = { auth: { username: "registry", password: "secret" }, store: { url: "http://dav.example/bosh/" } };

describe("registry configuration", () => {
  it("fills defaults, with the store block of the CPI's stemcell_store", () => {
    expect(parseRegistryConfig(MINIMAL, "t")).toEqual({
      listen: { host: "0.0.0.0", port: 25777 },
      auth: { username: "registry", password: "secret", read_requires_auth: true },
      store: { url: "http://dav.example/bosh/", insecure: false, request_timeout: 300, retries: 4 },
      prefix: "registry",
      log_level: "info",
      shutdown_timeout: 10,
    });
  });

  it.each([
    [{ ...MINIMAL, listen: { port: 70000 } }, /listen.port/],
    [{ ...MINIMAL, auth: { username: "a:b", password: "x" } }, /auth.username: must not contain ':'/],
    [{ ...MINIMAL, auth: undefined }, /auth: is required/],
    [{ ...MINIMAL, store: { url: "ftp://x/" } }, /store.url: must be an http\(s\) URL/],
    [{ ...MINIMAL, store: { url: "http://x/", bogus: 1 } }, /store.bogus: unknown key/],
    [{ ...MINIMAL, prefix: "../up" }, /prefix/],
    [{ ...MINIMAL, tls: { cert_file: "/c" } }, /tls.key_file: is required/],
    [{ ...MINIMAL, typo: true }, /typo: unknown key/],
  ])("refuses %j", (doc, message) => {
    expect(() => parseRegistryConfig(doc, "t")).toThrow(RegistryConfigError);
    expect(() => parseRegistryConfig(doc, "t")).toThrow(message);
  });

  it("reads a JSON file, and says which file is unreadable or not JSON", () => {
    const good = join(dir, "good.json");
    writeFileSync(good, JSON.stringify(MINIMAL));
    expect(loadRegistryConfig(good).prefix).toBe("registry");
    const bad = join(dir, "bad.json");
    writeFileSync(bad, "{");
    expect(() => loadRegistryConfig(bad)).toThrow(/bad.json/);
    expect(() => loadRegistryConfig(join(dir, "missing.json"))).toThrow(/ENOENT/);
  });

  it("reads TLS files at start, failing clearly when one is missing", () => {
    writeFileSync(join(dir, "c.pem"), "CERT");
    writeFileSync(join(dir, "k.pem"), "KEY");
    expect(readTls({ cert_file: join(dir, "c.pem"), key_file: join(dir, "k.pem") })).toEqual({
      cert: "CERT",
      key: "KEY",
    });
    expect(readTls(undefined)).toBeUndefined();
    expect(() => readTls({ cert_file: join(dir, "c.pem"), key_file: join(dir, "none.pem") })).toThrow(/ENOENT/);
  });
});
