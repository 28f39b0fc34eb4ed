// The log scan must find a secret in every form a log line can carry it, and name it without printing it.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { scanRunDir } from "../../support/log-scan.ts";
import { SECRETS, allSecrets, basicAuthForm, findSecrets, registerSecret } from "../../support/secrets.ts";

const secrets = new Map<string, string>([
  ["pw", "p@ss w/rd-123"],
  ["key", SECRETS.mbusPrivateKey],
]);

describe("findSecrets", () => {
  test.each([
    ["raw", 'msg="login with p@ss w/rd-123"'],
    ["JSON-escaped inside a JSON line", JSON.stringify({ msg: JSON.stringify({ password: "p@ss w/rd-123" }) })],
    ["URL-encoded", "GET http://u:p%40ss%20w%2Frd-123@host/"],
  ])("finds a password %s", (_how, line) => {
    expect(findSecrets(line, secrets, "f")).toEqual([{ label: "pw", where: "f:1" }]);
  });

  test("finds one line of a private key, even when the rest was cut off", () => {
    const body = SECRETS.mbusPrivateKey.split("\n")[2]!;
    expect(findSecrets(`x\ntruncated ...${body.slice(0, 64)}`, secrets, "f")).toEqual([{ label: "key", where: "f:2" }]);
    expect(findSecrets(JSON.stringify({ k: SECRETS.mbusPrivateKey }), secrets)).toHaveLength(1);
  });

  test("the PEM armour lines alone are not a hit (they are public boilerplate)", () => {
    expect(findSecrets("-----BEGIN RSA PRIVATE KEY-----\n[REDACTED]\n-----END RSA PRIVATE KEY-----", secrets)).toEqual(
      [],
    );
  });

  test("[REDACTED] and unrelated text are clean", () => {
    expect(findSecrets('{"password":"[REDACTED]","msg":"p@ss"}', secrets)).toEqual([]);
  });

  test("every fixed secret is long enough never to match by coincidence", () => {
    for (const [label, value] of allSecrets()) expect(value.length, label).toBeGreaterThanOrEqual(12);
    expect(basicAuthForm("cpi", SECRETS.webdavPassword)).toBe(
      Buffer.from(`cpi:${SECRETS.webdavPassword}`).toString("base64"),
    );
  });
});

describe("scanRunDir", () => {
  test("counts lines and outputs, reports label and place, and reads registered secrets", () => {
    const dir = mkdtempSync(join(tmpdir(), "scan-"));
    const prev = process.env.CPI_TEST_LOG_DIR;
    process.env.CPI_TEST_LOG_DIR = dir;
    try {
      registerSecret("generated", "generated-value-xyz-0001");
      writeFileSync(
        join(dir, "worker-1.log"),
        `### cpi info stderr\n{"level":30}\n### cpi info stdout\n{"log":"generated-value-xyz-0001"}\n`,
      );
      const s = scanRunDir(dir);
      expect(s).toMatchObject({ files: 1, sources: 2, lines: 2 });
      expect(s.hits).toEqual([{ label: "registered:generated", where: "worker-1.log:4" }]);
    } finally {
      if (prev === undefined) delete process.env.CPI_TEST_LOG_DIR;
      else process.env.CPI_TEST_LOG_DIR = prev;
    }
  });
});
