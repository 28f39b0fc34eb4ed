// The structural limits the dispatcher applies right after JSON.parse (found by the fuzz tests).
import { expect, test } from "vitest";
import { MAX_REQUEST_DEPTH, requestShapeProblem } from "../../../src/protocol/request-limits.ts";

const nest = (n: number) => JSON.parse(`${"[".repeat(n)}${"]".repeat(n)}`) as unknown;

test("a request as the director sends it passes", () => {
  const env = { bosh: { mbus: { cert: { ca: "x" } }, blobstores: [{ options: { tls: { cert: { ca: "y" } } } }] } };
  expect(
    requestShapeProblem({ method: "create_vm", arguments: ["a", "s", {}, {}, [], env], context: {} }),
  ).toBeUndefined();
});

test(`${MAX_REQUEST_DEPTH} levels pass, one more is refused, 100 000 do not overflow the stack`, () => {
  expect(requestShapeProblem({ a: nest(MAX_REQUEST_DEPTH - 1) })).toBeUndefined();
  expect(requestShapeProblem({ a: nest(MAX_REQUEST_DEPTH) })).toMatch(/^nests deeper than 100 levels \(at a\[0\]/);
  expect(requestShapeProblem({ arguments: nest(100_000) })).toMatch(/nests deeper/);
});

test("a __proto__ key anywhere is refused with its path", () => {
  const doc = JSON.parse('{"arguments":[{"x":{"__proto__":{"polluted":1}}}]}') as unknown;
  expect(requestShapeProblem(doc)).toBe("has a '__proto__' key (at arguments[0].x.__proto__)");
  expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
});
