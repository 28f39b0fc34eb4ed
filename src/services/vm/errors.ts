// What a failed create_vm tells the director. Only VMCreationFailed with ok_to_retry makes it call
// create_vm again, so ok_to_retry is true exactly when the rollback was clean and another attempt can
// succeed: a deploy that failed on this server, a timeout, Ironic briefly unavailable or without a live
// conductor for the node (NoValidHost). Bad input and
// "no server matches" are false, and so is anything after an incomplete rollback (a node may be leaked).
import {
  IronicBadRequest,
  IronicHttpError,
  IronicNoConductor,
  IronicNodeLocked,
  IronicStateError,
  IronicTimeoutError,
  IronicUnavailable,
  IronicVersionError,
} from "../../ironic/errors.ts";
import type { HistoryEvent } from "../../ironic/history.ts";
import { BoshError, VmCreationFailed } from "../../protocol/errors.ts";

function retryable(err: unknown): boolean {
  if (err instanceof BoshError) return err.okToRetry;
  if (err instanceof IronicStateError || err instanceof IronicTimeoutError) return true;
  if (err instanceof IronicUnavailable || err instanceof IronicNodeLocked || err instanceof IronicNoConductor)
    return true;
  if (err instanceof IronicHttpError) return err.status >= 500;
  return false;
}

function describe(err: unknown): string {
  if (err instanceof IronicStateError)
    return `Ironic ${err.resource} ended in "${err.state}": ${err.lastError ?? "no last_error"}`;
  if (err instanceof IronicNoConductor) {
    const request = `${err.method} ${err.url}`;
    return `no Ironic conductor serves the node now (a conductor down?): ${request}: ${err.ironicMessage}`;
  }
  if (err instanceof IronicBadRequest) return `Ironic refused ${err.method} ${err.url}: ${err.ironicMessage}`;
  return err instanceof Error ? err.message : String(err);
}

/**
 * The error create_vm answers after its rollback ran. `undoFailures` lists rollback steps that failed:
 * then nothing is retryable and the message says what may be left behind.
 */
export function creationError(
  err: unknown,
  undoFailures: readonly string[],
  node?: { uuid: string; name?: string | null | undefined },
  history: readonly HistoryEvent[] = [],
): BoshError {
  const where = node ? ` (${node.name ? `server ${node.name}, ` : ""}node ${node.uuid})` : "";
  const events = history.length > 0 && node ? `; ${describeHistory(node.uuid, history)}` : "";
  if (undoFailures.length > 0) {
    return new VmCreationFailed(
      `create_vm failed${where}: ${describe(err)}${events}; rollback incomplete: ${undoFailures.join("; ")}. ` +
        "Run `cpi reconcile` or release the node by hand",
      false,
      { cause: err },
    );
  }
  if (err instanceof BoshError && !(err instanceof VmCreationFailed && node)) return err;
  if (err instanceof IronicVersionError)
    return new VmCreationFailed(`create_vm failed${where}: ${err.message}`, false, { cause: err });
  const ok = retryable(err);
  const tail = ok ? "; the node was rolled back and released" : "";
  return new VmCreationFailed(`create_vm failed${where}: ${describe(err)}${events}${tail}`, ok, { cause: err });
}

/** Ironic's own last events for the server, as `baremetal node history list` shows them, newest first. */
function describeHistory(uuid: string, history: readonly HistoryEvent[]): string {
  const one = (e: HistoryEvent) =>
    [e.created_at, e.severity, e.event_type && `(${e.event_type})`].filter(Boolean).join(" ") +
    `: ${(e.event ?? "").slice(0, 200)}`;
  return `Ironic's last events for it (baremetal node history list ${uuid}): ${history.map(one).join(" | ")}`;
}
