// The instance_uuid a create_vm claims a node with. Ironic's instance_uuid must be a UUID, and claiming
// with a value derived only from agent_id makes a retried create_vm idempotent: Ironic answers the same
// claim again with 200, a different one with 409 "associated".
import { createHash } from "node:crypto";

/** Namespace of this CPI's UUIDv5 claims (fixed forever: changing it orphans existing claims). */
const CLAIM_NAMESPACE = "d31d24e5-ce6c-469b-8bfb-32575180b2a4";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (s: string) => UUID.test(s);

/** RFC 9562 §5.5: SHA-1 of namespace bytes + name, version 5, variant 10. */
export function uuidV5(name: string, namespace = CLAIM_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ""), "hex");
  const b = createHash("sha1").update(ns).update(name, "utf8").digest().subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** agent_id itself when it is a UUID (what the director sends), lower-cased; else its UUIDv5. */
export function claimUuid(agentId: string): string {
  return isUuid(agentId) ? agentId.toLowerCase() : uuidV5(agentId);
}
