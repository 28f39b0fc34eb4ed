// The file is the registration: every action file is a contract method with an Action default
// export, and every contract method has a file (the 2016 CPI silently dropped unregistered classes).
import { readdirSync } from "node:fs";
import { describe, expect, test } from "vitest";
import * as z from "zod";
import { Action } from "../../../src/protocol/action.ts";
import { loadActionModule } from "../../../src/protocol/loaders.ts";
import { CONTRACT_METHODS } from "../../../src/protocol/methods.ts";

const files = readdirSync(new URL("../../../actions/", import.meta.url), { withFileTypes: true });

describe("actions/", () => {
  test("holds only flat action files (esbuild bundles everything under it)", () => {
    for (const f of files) expect(f.isFile() && f.name.endsWith(".ts") && !f.name.endsWith(".test.ts")).toBe(true);
  });

  test("has exactly one file per contract method", () => {
    expect(files.map((f) => f.name.replace(/\.ts$/, "")).sort()).toEqual([...CONTRACT_METHODS].sort());
  });

  test.each([...CONTRACT_METHODS])("%s loads as an Action with an arguments tuple", async (method) => {
    const cls = await loadActionModule(method);
    expect(cls).toBeDefined();
    expect(cls!.prototype).toBeInstanceOf(Action);
    const def = cls!.args._zod.def;
    expect(def.type).toBe("tuple");
    for (const item of def.items)
      expect(z.globalRegistry.get(item)?.description, `${method} argument names`).toBeTruthy();
  });

  test("an unknown name loads nothing", async () => {
    expect(await loadActionModule("no_such_method")).toBeUndefined();
  });
});
