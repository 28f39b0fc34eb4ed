import { describe, expect, it } from "vitest";
import { progressSteps } from "../../../src/stemcell/progress.ts";

describe("progressSteps", () => {
  it("reports each 10 % once, whatever the chunk sizes", () => {
    const seen: number[] = [];
    const tick = progressSteps(1000, (p) => seen.push(p));
    for (let b = 7; b < 1000; b += 7) tick(b);
    tick(1000);
    expect(seen).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
  });

  it("folds skipped steps into one report when a chunk jumps far", () => {
    const seen: number[] = [];
    const tick = progressSteps(100, (p) => seen.push(p));
    tick(35);
    tick(100);
    tick(100);
    expect(seen).toEqual([30, 100]);
  });

  it("stays quiet for an empty total", () => {
    const seen: number[] = [];
    progressSteps(0, (p) => seen.push(p))(0);
    expect(seen).toEqual([]);
  });
});
