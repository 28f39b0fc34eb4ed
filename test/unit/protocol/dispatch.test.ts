import { describe, expect, test } from "vitest";
import * as z from "zod";
import { Action } from "../../../src/protocol/action.ts";
import { handleRequest, type DispatchOptions } from "../../../src/protocol/dispatch.ts";
import { CloudError, VmCreationFailed } from "../../../src/protocol/errors.ts";
import { testConfig } from "../../support/config.ts";

const NoArgs = z.tuple([]);
const lines: string[] = [];
const base: DispatchOptions = { config: testConfig(), log: { write: (l) => void lines.push(l) } };
const call = (req: unknown, opts: DispatchOptions = {}) =>
  handleRequest(typeof req === "string" ? req : JSON.stringify(req), { ...base, ...opts });

describe("envelope", () => {
  test("info answers api_version 3 (CPI API v3) and the configured formats", async () => {
    const r = await call({ method: "info", arguments: [], context: { director_uuid: "d" } });
    expect(r).toEqual({
      result: { api_version: 3, stemcell_formats: ["openstack-raw", "openstack-qcow2", "ironic-light"] },
      error: null,
      log: expect.stringContaining("info succeeded"),
    });
  });

  test.each([
    ["not json", "{", /request is not valid JSON/],
    ["an array", "[]", /request must be a JSON object/],
    ["no method", { arguments: [] }, /method: is required/],
    ["no arguments", { method: "info" }, /arguments: is required/],
    ["arguments not an array", { method: "info", arguments: {} }, /arguments: .*expected array/],
    ["context not an object", { method: "info", arguments: [], context: 5 }, /context: .*expected object/],
    [
      "api_version not an integer",
      { method: "info", arguments: [], api_version: "2" },
      /api_version: .*expected number/,
    ],
  ])("%s is a CpiError", async (_name, req, message) => {
    const r = await call(req);
    expect(r.result).toBeNull();
    expect(r.error).toEqual({
      type: "Bosh::Clouds::CpiError",
      message: expect.stringMatching(message),
      ok_to_retry: false,
    });
  });

  test.each(["no_such_method", "../etc/passwd", "Info", "constructor"])(
    "unknown method %s is NotImplemented",
    async (m) => {
      const r = await call({ method: m, arguments: [] });
      expect(r.error?.type).toBe("Bosh::Clouds::NotImplemented");
      expect(r.error?.message).toContain("unknown method");
    },
  );

  test("context properties overlay the configuration and are validated by the same schema", async () => {
    const ok = await call({ method: "info", arguments: [], context: { stemcell_formats: ["openstack-raw"] } });
    expect(ok.result).toEqual({ api_version: 3, stemcell_formats: ["openstack-raw"] });
    const bad = await call({ method: "info", arguments: [], context: { ironic: { url: "ftp://x", typo: 1 } } });
    expect(bad.error?.message).toMatch(/ironic\.url: must be an http\(s\) URL; ironic\.typo: unknown key/);
  });

  test("debug.api_version lowers what info reports", async () => {
    const r = await call({ method: "info", arguments: [] }, { config: testConfig({ debug: { api_version: 1 } }) });
    expect(r.result).toMatchObject({ api_version: 1 });
  });
});

describe("arguments", () => {
  test("a wrong type names the argument and what was expected", async () => {
    const r = await call({ method: "delete_vm", arguments: [42] });
    expect(r.error?.message).toBe(
      "invalid arguments for delete_vm (expects 1): argument 1 'vm_cid': Invalid input: expected string, received number",
    );
  });

  test("missing arguments are named", async () => {
    const r = await call({ method: "attach_disk", arguments: ["vm-1"] });
    expect(r.error?.message).toContain("argument 2 'disk_cid': is required");
  });

  test("nested problems carry their path", async () => {
    const r = await call({ method: "create_vm", arguments: ["a", "s", {}, { net: { ip: "10.0.0.300" } }, [], {}] });
    expect(r.error?.message).toContain("argument 4 'networks': net.ip: must be an IPv4 or IPv6 address");
  });

  test.each(["../x", "a/b", "a%2fb", "a\u0000b", " x", ""])("unsafe cid %j is refused", async (cid) => {
    const r = await call({ method: "has_vm", arguments: [cid] });
    expect(r.error?.type).toBe("Bosh::Clouds::CpiError");
    expect(r.error?.message).toMatch(/argument 1 'vm_cid'/);
  });

  test("extra trailing arguments are ignored", async () => {
    const seen: unknown[] = [];
    const EchoArgs = z.tuple([z.string().describe("x")]);
    class Echo extends Action<typeof EchoArgs> {
      static override readonly args = EchoArgs;
      async run(args: [string]) {
        seen.push(args);
        return args[0];
      }
    }
    const r = await call({ method: "echo", arguments: ["a", { tags: {} }] }, { loadAction: async () => Echo });
    expect(r.result).toBe("a");
    expect(seen).toEqual([["a"]]);
  });
});

describe("errors and results", () => {
  const throwing = (err: unknown) =>
    class extends Action<typeof NoArgs> {
      static override readonly args = NoArgs;
      async run(): Promise<never> {
        throw err;
      }
    };

  test("typed errors keep type and ok_to_retry", async () => {
    const r = await call(
      { method: "x", arguments: [] },
      { loadAction: async () => throwing(new VmCreationFailed("raced", true)) },
    );
    expect(r.error).toEqual({ type: "Bosh::Clouds::VMCreationFailed", message: "raced", ok_to_retry: true });
  });

  test("untyped errors become CloudError without a stack in the message", async () => {
    const r = await call({ method: "x", arguments: [] }, { loadAction: async () => throwing(new TypeError("boom")) });
    expect(r.error).toEqual({ type: "Bosh::Clouds::CloudError", message: "boom", ok_to_retry: false });
    expect(JSON.stringify(r)).not.toMatch(/at .*\.ts:\d+/);
  });

  test("non-Error throws are still answered", async () => {
    const r = await call({ method: "x", arguments: [] }, { loadAction: async () => throwing("plain") });
    expect(r.error).toEqual({ type: "Bosh::Clouds::CloudError", message: "plain", ok_to_retry: false });
  });

  test("secrets in arguments never reach the error message or the log", async () => {
    lines.length = 0;
    const secret = "hunter2-bmc-password";
    const r = await call(
      { method: "x", arguments: [{ driver_info: { ipmi_password: secret } }] },
      { loadAction: async () => throwing(new CloudError(`login with ${secret} refused`)) },
    );
    expect(r.error?.message).toBe("login with [REDACTED] refused");
    expect(JSON.stringify(r) + lines.join("")).not.toContain(secret);
  });

  test("undefined results are answered as null", async () => {
    class Nothing extends Action<typeof NoArgs> {
      static override readonly args = NoArgs;
      async run() {
        return undefined;
      }
    }
    const r = await call({ method: "x", arguments: [] }, { loadAction: async () => Nothing });
    expect(r).toMatchObject({ result: null, error: null });
  });

  test("services are built lazily and closed after the call", async () => {
    const events: string[] = [];
    class UsesServices extends Action<typeof NoArgs> {
      static override readonly args = NoArgs;
      async run() {
        await this.ctx.services();
        await this.ctx.services();
        return true;
      }
    }
    const services = async () => {
      events.push("built");
      return { close: async () => void events.push("closed") } as never;
    };
    await call({ method: "x", arguments: [] }, { loadAction: async () => UsesServices, services });
    expect(events).toEqual(["built", "closed"]);
    events.length = 0;
    await call({ method: "info", arguments: [] }, { services });
    expect(events).toEqual([]);
  });
});

describe("api versions", () => {
  class Shape extends Action<typeof NoArgs> {
    static override readonly args = NoArgs;
    async run() {
      return { api: this.apiVersion, stemcell: this.ctx.stemcellApiVersion };
    }
  }
  test.each([
    [undefined, undefined, { api: 1, stemcell: undefined }],
    [2, 3, { api: 2, stemcell: 3 }],
    [3, 1, { api: 3, stemcell: 1 }],
  ])("api_version %s, stemcell %s", async (api, stemcell, want) => {
    const context = stemcell === undefined ? {} : { vm: { stemcell: { api_version: stemcell } } };
    const r = await call({ method: "x", arguments: [], api_version: api, context }, { loadAction: async () => Shape });
    expect(r.result).toEqual(want);
  });
});
