// Microversion negotiation: one `GET /` (API root, "Versions" in the API reference; no version header needed),
// then pin min(server max, MAX_SUPPORTED, configured cap) for the client's lifetime. Never "latest".
import * as z from "zod";
import { IronicVersionError } from "./errors.ts";
import {
  MAX_SUPPORTED,
  MIN_SUPPORTED,
  Microversion,
  compareVersions,
  minVersion,
  parseVersion,
} from "./microversions.ts";
import type { Transport } from "./transport.ts";

const VersionEntry = z.object({ id: z.string().optional(), min_version: z.string(), version: z.string() });
const Root = z.object({ default_version: VersionEntry.optional(), versions: z.array(VersionEntry).optional() });

type Headers = Record<string, string | string[] | undefined>;

/**
 * Server range from the root document (`default_version`, else the "v1" entry of `versions`), else from the
 * X-OpenStack-Ironic-API-{Minimum,Maximum}-Version headers (sent on /v1 answers, not by every root).
 */
export function serverRange(root: z.infer<typeof Root>, headers: Headers = {}): { min: string; max: string } {
  const v = root.default_version ?? root.versions?.find((e) => e.id === "v1") ?? root.versions?.[0];
  if (v) return { min: v.min_version, max: v.version };
  const min = headers["x-openstack-ironic-api-minimum-version"];
  const max = headers["x-openstack-ironic-api-maximum-version"];
  if (typeof min === "string" && typeof max === "string") return { min, max };
  throw new IronicVersionError("Ironic API root advertises no version range; is the URL an Ironic endpoint?");
}

/**
 * Chooses the version to pin: the lowest of the server's max, MAX_SUPPORTED and `cap`.
 * Throws IronicVersionError when that is below MIN_SUPPORTED or below the server's minimum.
 */
export function chooseVersion(server: { min: string; max: string }, cap?: string): string {
  if (cap !== undefined) parseVersion(cap);
  const chosen = minVersion(server.max, MAX_SUPPORTED, ...(cap ? [cap] : []));
  if (compareVersions(chosen, MIN_SUPPORTED) < 0) {
    throw new IronicVersionError(
      `Ironic API ${chosen} is too old: this CPI needs at least ${MIN_SUPPORTED} ` +
        `(server supports ${server.min}–${server.max}${cap ? `, configured cap ${cap}` : ""})`,
    );
  }
  if (compareVersions(chosen, server.min) < 0) {
    throw new IronicVersionError(
      `Ironic requires API ${server.min} or newer, but this CPI supports at most ${chosen}` +
        `${cap ? ` (configured cap ${cap})` : ""}`,
    );
  }
  return chosen;
}

/** GET / → pins the chosen version on the transport and returns it. One request. */
export async function negotiate(t: Transport, cap?: string): Promise<Microversion> {
  let headers: Headers = {};
  const root = await t.get(t.rootUrl, { schema: Root, onHeaders: (h) => (headers = h) });
  const server = serverRange(root, headers);
  const mv = new Microversion(chooseVersion(server, cap), server);
  t.pin(mv);
  t.log.debug({ version: mv.version, server }, "negotiated Ironic API microversion");
  return mv;
}
