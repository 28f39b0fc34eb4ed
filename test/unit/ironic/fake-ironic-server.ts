// Test helper: a fake Ironic (test/support/fake-http.ts) that answers the API root like Ironic 21.4,
// and a client with instant, deterministic backoff.
import { createIronicClient, type IronicClient, type IronicClientOptions } from "../../../src/ironic/client.ts";
import { Transport } from "../../../src/ironic/transport.ts";
import { type FakeHttp, type FakeRoute, loadFixture, startFakeHttp } from "../../support/fake-http.ts";

export const fixture = <T = unknown>(name: string) => loadFixture<T>(`ironic/${name}`);

export function startFakeIronic(routes: Record<string, FakeRoute> = {}): Promise<FakeHttp> {
  return startFakeHttp({ "GET /": { body: fixture("root.json") }, ...routes });
}

/** Records the backoff delays instead of sleeping. */
export function clientFor(
  fake: FakeHttp,
  opts: Partial<IronicClientOptions> = {},
  sleeps: number[] = [],
): Promise<IronicClient> {
  return createIronicClient({
    url: fake.url,
    retry: { attempts: 4, baseMs: 100, maxMs: 1000 },
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 0.5,
    ...opts,
  });
}

/** The transport alone (no negotiation), as clientFor configures it: for requests the facade does not group. */
export function transportFor(fake: FakeHttp, sleeps: number[] = []): Transport {
  return new Transport({
    url: fake.url,
    retry: { attempts: 4, baseMs: 100, maxMs: 1000 },
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 0.5,
  });
}

export const NODE_UUID = "d658b325-9f3d-4e8b-b148-25560c0566b5";
