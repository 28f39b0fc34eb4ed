// The API range of the shared Ironic as its root document states it, read here without the client under
// test: 1.82 for Debian's 21.4, higher for today's Ironic from PyPI.
import { ironicUrl } from "./servers.ts";

/** default_version.version of GET / (the server's maximum microversion). */
export async function serverMaxVersion(url = ironicUrl()): Promise<string> {
  const res = await fetch(`${url}/`, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`GET ${url}/: HTTP ${res.status}`);
  const body = (await res.json()) as { default_version: { version: string } };
  return body.default_version.version;
}

/** True when the shared Ironic speaks `version` (e.g. "1.109", node health). */
export async function ironicSpeaks(version: string, url = ironicUrl()): Promise<boolean> {
  const [maxMajor, maxMinor] = (await serverMaxVersion(url)).split(".").map(Number);
  const [major, minor] = version.split(".").map(Number);
  return maxMajor! > major! || (maxMajor === major && maxMinor! >= minor!);
}
