import { afterEach, describe, expect, test } from "vitest";
import { IronicStateError, IronicTimeoutError } from "../../../src/ironic/errors.ts";
import type { IronicLogger } from "../../../src/ironic/transport.ts";
import type { WaitClock } from "../../../src/ironic/wait.ts";
import type { FakeHttp } from "../../support/fake-http.ts";
import { NODE_UUID, clientFor, fixture, startFakeIronic } from "./fake-ironic-server.ts";

let fake: FakeHttp;
afterEach(() => fake?.close());

const node = fixture<Record<string, unknown>>("node.json");
const at = (provision_state: string, extra: Record<string, unknown> = {}) => ({
  body: { ...node, provision_state, ...extra },
});

/** A clock whose sleep advances time instantly and records each interval. */
function fakeClock(): WaitClock & { sleeps: number[] } {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

function recordingLogger() {
  const lines: { level: string; obj: unknown; msg: unknown }[] = [];
  const rec = (level: string) => (obj: unknown, msg?: unknown) => void lines.push({ level, obj, msg });
  const logger = {
    debug: rec("debug"),
    info: rec("info"),
    warn: rec("warn"),
    error: rec("error"),
  } as unknown as IronicLogger;
  return { logger, lines };
}

describe("waitForNode", () => {
  test("adaptive interval: a fifth of the time waited, 200 ms at least; logs only state changes", async () => {
    const seq = [at("available"), at("deploying"), ...Array(9).fill(at("deploying")), at("active")];
    fake = await startFakeIronic({ [`GET /v1/nodes/${NODE_UUID}`]: seq });
    const { logger, lines } = recordingLogger();
    const client = await clientFor(fake, { logger });
    const clock = fakeClock();
    const transitions: [string | null, string | null][] = [];
    const done = await client.waitForNode(NODE_UUID, {
      until: (n) => n.provision_state === "active",
      clock,
      onTransition: (from, to) => transitions.push([from, to]),
    });
    expect(done.provision_state).toBe("active");
    expect(transitions).toEqual([
      ["available", "deploying"],
      ["deploying", "active"],
    ]);
    expect(clock.sleeps.map((ms) => Math.round(ms * 1000) / 1000)).toEqual([
      200, 200, 200, 200, 200, 200, 240, 288, 345.6, 414.72, 497.664,
    ]);
    const infos = lines.filter((l) => l.level === "info");
    expect(infos.map((l) => l.obj)).toEqual([
      { resource: `node ${NODE_UUID}`, from: "available", to: "deploying", ms: 200 },
      { resource: `node ${NODE_UUID}`, from: "deploying", to: "active", ms: 2986 },
    ]);
  });

  test("a failure state throws IronicStateError with last_error", async () => {
    fake = await startFakeIronic({
      [`GET /v1/nodes/${NODE_UUID}`]: [
        at("deploying"),
        at("deploy failed", { last_error: "Timeout reached while waiting for callback" }),
      ],
    });
    const client = await clientFor(fake);
    const err = await client
      .waitForNode(NODE_UUID, { until: (n) => n.provision_state === "active", clock: fakeClock() })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IronicStateError);
    expect(err).toMatchObject({ state: "deploy failed", lastError: "Timeout reached while waiting for callback" });
    expect((err as Error).message).toBe(
      `Ironic node ${NODE_UUID} entered state "deploy failed": Timeout reached while waiting for callback`,
    );
  });

  test.each(["clean failed", "error", "inspect failed"])("%s is a failure state by default", async (state) => {
    fake = await startFakeIronic({ [`GET /v1/nodes/${NODE_UUID}`]: at(state) });
    const client = await clientFor(fake);
    await expect(client.waitForNode(NODE_UUID, { until: () => false, clock: fakeClock() })).rejects.toBeInstanceOf(
      IronicStateError,
    );
  });

  test("`until` wins over failOn; a custom failOn replaces the default", async () => {
    fake = await startFakeIronic({ [`GET /v1/nodes/${NODE_UUID}`]: at("clean failed") });
    const client = await clientFor(fake);
    const n = await client.waitForNode(NODE_UUID, {
      until: (x) => x.provision_state === "clean failed",
      clock: fakeClock(),
    });
    expect(n.provision_state).toBe("clean failed");
    await expect(
      client.waitForNode(NODE_UUID, { until: () => false, failOn: ["error"], timeoutMs: 1000, clock: fakeClock() }),
    ).rejects.toBeInstanceOf(IronicTimeoutError);
  });

  test("timeout: IronicTimeoutError with the last state; the last sleep is clipped to the deadline", async () => {
    fake = await startFakeIronic({ [`GET /v1/nodes/${NODE_UUID}`]: at("deploying") });
    const client = await clientFor(fake);
    const clock = fakeClock();
    const err = await client
      .waitForNode(NODE_UUID, { until: () => false, timeoutMs: 1100, clock })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IronicTimeoutError);
    expect(err).toMatchObject({ lastState: "deploying", timeoutMs: 1100 });
    expect(clock.sleeps).toEqual([200, 200, 200, 200, 200, 100]);
  });

  test("the interval never grows past maxIntervalMs (and defaults to at most 30 s)", async () => {
    fake = await startFakeIronic({ [`GET /v1/nodes/${NODE_UUID}`]: at("deploying") });
    const client = await clientFor(fake);
    const capped = fakeClock();
    await client
      .waitForNode(NODE_UUID, { until: () => false, timeoutMs: 20_000, maxIntervalMs: 1000, clock: capped })
      .catch(() => undefined);
    expect(Math.max(...capped.sleeps)).toBe(1000);
    expect(capped.sleeps.slice(-4, -1)).toEqual([1000, 1000, 1000]); // the last one is clipped to the deadline
    const defaults = fakeClock();
    await client
      .waitForNode(NODE_UUID, { until: () => false, timeoutMs: 600_000, clock: defaults })
      .catch(() => undefined);
    expect(Math.max(...defaults.sleeps)).toBe(30_000);
    expect(defaults.sleeps.length).toBeLessThanOrEqual(60); // ten minutes of "deploying"
  });

  test("polls with fields= when asked (provision_state and last_error always included)", async () => {
    fake = await startFakeIronic({
      [`GET /v1/nodes/${NODE_UUID}`]: { body: { uuid: NODE_UUID, provision_state: "active", power_state: "power on" } },
    });
    const client = await clientFor(fake);
    await client.waitForNode(NODE_UUID, {
      until: (n) => n.power_state === "power on",
      fields: ["power_state"],
      clock: fakeClock(),
    });
    expect(fake.calls(`GET /v1/nodes/${NODE_UUID}`)[0]?.query.get("fields")).toBe(
      "uuid,provision_state,last_error,power_state",
    );
  });
});

describe("waitForNode failIf", () => {
  test("a transition that falls back (verify failed: enroll again, last_error set) ends the wait with Ironic's reason", async () => {
    const reason = "Failed to get power state for node x. Error: HTTP GET …/redfish/v1/Systems/1 returned code 401.";
    const seq = [at("verifying", { target_provision_state: "manageable" }), at("enroll", { last_error: reason })];
    fake = await startFakeIronic({ [`GET /v1/nodes/${NODE_UUID}`]: seq });
    const client = await clientFor(fake);
    const err = await client
      .waitForNode(NODE_UUID, {
        until: (n) => n.provision_state === "manageable",
        failIf: (n) => n.provision_state === "enroll" && !n.target_provision_state && !!n.last_error,
        clock: fakeClock(),
        timeoutMs: 3_600_000,
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IronicStateError);
    expect(err).toMatchObject({ state: "enroll", lastError: reason });
  });
});
