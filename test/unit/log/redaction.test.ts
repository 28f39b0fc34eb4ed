import { describe, expect, test } from "vitest";
import { createCallLog } from "../../../src/log/index.ts";
import { collectSecrets, SecretScrubber, urlPassword } from "../../../src/log/secrets.ts";

describe("collectSecrets", () => {
  test("finds values under secret-looking keys at any depth, and nothing else", () => {
    const found = collectSecrets({
      ironic: { auth: { username: "admin", password: "ironic-pw" } },
      env: { bosh: { password: "$6$hash", mbus: { cert: { private_key: "KEYDATA", certificate: "CERT" } } } },
      ironic_params: { driver_info: { ipmi_password: "bmc-pw", ipmi_address: "10.1.1.1" } },
      blobstores: [{ options: { secret_access_key: "aws-secret" } }],
      auth_token: "tok-123",
      name: "visible",
    });
    expect([...found].sort()).toEqual(["$6$hash", "KEYDATA", "aws-secret", "bmc-pw", "ironic-pw", "tok-123"]);
  });

  test("takes passwords out of URLs anywhere (a light stemcell's image_url, an endpoint)", () => {
    expect(
      [...collectSecrets([{ image_url: "https://u:img-pass@store/x.img" }, "nats://n:mbus-pw@1.2.3.4:4222"])].sort(),
    ).toEqual(["img-pass", "mbus-pw"]);
  });

  test("reads the password out of URL userinfo", () => {
    expect(urlPassword("http://registry:p%40ss@10.0.0.1:25777")).toBe("p@ss");
    expect(urlPassword("nats://10.0.0.1:4222")).toBeUndefined();
  });
});

describe("SecretScrubber", () => {
  test("removes raw, JSON-escaped and URL-encoded forms, and PEM private keys", () => {
    const s = new SecretScrubber();
    s.add(['pa"ss\\word', "p@ss w"]);
    const pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIabc\n-----END RSA PRIVATE KEY-----";
    const text = `${JSON.stringify({ a: 'pa"ss\\word' })} p%40ss%20w p@ss w ${JSON.stringify(pem)} ${pem}`;
    const out = s.scrub(text);
    expect(out).not.toMatch(/pa.?"ss|p@ss|p%40ss|MIIabc/);
    expect(out.match(/\[REDACTED\]/g)?.length).toBe(5);
  });
});

describe("call log", () => {
  test("writes JSON lines with bindings, redacts by path and by value, summarises info and above", () => {
    const lines: string[] = [];
    const { logger, scrubber, summary } = createCallLog({
      bindings: { request_id: "cpi-1" },
      write: (l) => void lines.push(l),
    });
    scrubber.add(["sekrit-value"]);
    logger.debug("quiet detail");
    logger.info({ driver_info: { ipmi_password: "x" }, env: { bosh: {} } }, "claimed node n1");
    logger.warn("the error said sekrit-value");
    const recs = lines.map((l) => JSON.parse(l));
    expect(recs.every((r) => r.request_id === "cpi-1")).toBe(true);
    expect(recs[1].driver_info).toBe("[REDACTED]");
    expect(recs[1].env).toBe("[REDACTED]");
    expect(lines.join("")).not.toContain("sekrit-value");
    expect(summary()).toMatch(/INFO claimed node n1\n.*WARN the error said \[REDACTED\]$/);
    expect(summary()).not.toContain("quiet detail");
  });
});
