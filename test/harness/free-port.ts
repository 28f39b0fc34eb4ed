// Free TCP ports on 127.0.0.1 for the servers the harness starts.
// Ports are drawn at random below the kernel's ephemeral range (32768+ on Linux), so outgoing
// connections of other processes cannot take them between the check and the server's bind.
import net from "node:net";

export const LOOPBACK = "127.0.0.1";

const LOW = 20000;
const HIGH = 32000;

/** True when nothing listens on 127.0.0.1:port (checked by binding it for a moment). */
export function isPortFree(port: number, host = LOOPBACK): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once("error", () => resolve(false));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/**
 * A port P such that P .. P+count-1 are all free on 127.0.0.1 (Ironic's config uses P, P+1, P+2).
 * Someone may still take it before the server binds; servers fail fast with a clear error then.
 */
export async function findFreePort(count = 1, attempts = 100): Promise<number> {
  for (let i = 0; i < attempts; i++) {
    const base = LOW + Math.floor(Math.random() * (HIGH - LOW - count));
    let ok = true;
    for (let k = 0; k < count && ok; k++) ok = await isPortFree(base + k);
    if (ok) return base;
  }
  throw new Error(
    `no ${count} consecutive free port(s) found on ${LOOPBACK} in ${LOW}-${HIGH} after ${attempts} attempts`,
  );
}

/** Throws a clear error when 127.0.0.1:port is taken. */
export async function assertPortFree(port: number, what: string): Promise<void> {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${what}: invalid port ${port}`);
  if (!(await isPortFree(port))) throw new Error(`${what}: ${LOOPBACK}:${port} is already in use`);
}
