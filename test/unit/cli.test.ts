import { describe, expect, test } from "vitest";
import { parseCli } from "../../src/cli.ts";
import { nearestKey } from "../../src/issues.ts";

describe("the command line", () => {
  test("no command word: the protocol, with its options", () => {
    expect(parseCli([])).toEqual({ kind: "protocol", argv: [] });
    expect(parseCli(["--config", "c.json"])).toEqual({ kind: "protocol", argv: ["--config", "c.json"] });
  });

  test("a command anywhere among its options, which reach it in order", () => {
    expect(parseCli(["--config", "c.json", "reconcile", "--dry-run"])).toEqual({
      kind: "command",
      name: "reconcile",
      argv: ["--config", "c.json", "--dry-run"],
    });
    expect(parseCli(["--out=d", "render-config-drive", "--input", "i.json"])).toEqual({
      kind: "command",
      name: "render-config-drive",
      argv: ["--out=d", "--input", "i.json"],
    });
  });

  test("an option's value is never taken for the command", () => {
    expect(parseCli(["--config", "reconcile"])).toEqual({ kind: "protocol", argv: ["--config", "reconcile"] });
  });

  test("help wins over everything else", () => {
    expect(parseCli(["reconcile", "-h"])).toEqual({ kind: "help" });
    expect(parseCli(["help"])).toEqual({ kind: "help" });
  });
});

describe("the nearest known key", () => {
  test("a typo of up to 2 edits, case aside; nothing for a key unlike any", () => {
    expect(nearestKey("retires", ["retries", "request_timeout"])).toBe("retries");
    expect(nearestKey("Registry", ["registry"])).toBe("registry");
    expect(nearestKey("ab", ["url"])).toBeUndefined();
    expect(nearestKey("completely_other", ["url", "auth"])).toBeUndefined();
  });
});
