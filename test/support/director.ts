// Calls the bundled CPI the way the BOSH director does (bosh-cpi-contract.md §1.1–1.2, §3.3): one process
// per call, `info` first, then the call with a fresh request_id, the negotiated api_version and the
// stemcell's api_version in the context when the director knows the stemcell.
import { randomInt } from "node:crypto";
import { type CpiRun, runCpi } from "./cpi-process.ts";

export interface WireError {
  type: string;
  message: string;
  ok_to_retry: boolean;
}

export interface CallResult {
  method: string;
  run: CpiRun;
  /** The parsed response; undefined when the process printed no single JSON document (killed, crashed). */
  response?: { result: unknown; error: WireError | null; log: string };
  /** Why `response` is missing or malformed. */
  protocolError?: string;
  duration_ms: number;
}

export interface DirectorOptions {
  configPath: string;
  env?: NodeJS.ProcessEnv;
  directorUuid?: string;
  /** Upper bound of one CPI process (SIGKILL after it): a hung call must not hang the test. */
  callTimeoutMs?: number;
  /** The stemcell's api_version the director puts in the context (default 2); null: left out, as for v1 stemcells. */
  stemcellApiVersion?: number | null;
  /** The CPI API version negotiated (default 2; directors since v282 use 3). */
  apiVersion?: number;
}

/** Methods for which the director puts context.vm.stemcell.api_version (it knows the VM's stemcell). */
const STEMCELL_CONTEXT = new Set([
  "create_vm",
  "delete_vm",
  "has_vm",
  "reboot_vm",
  "attach_disk",
  "detach_disk",
  "get_disks",
]);

/** Checks one response document the way the director's Membrane schema does (§1.4). */
export function checkResponse(run: CpiRun): { response?: CallResult["response"]; protocolError?: string } {
  if (run.signal) return { protocolError: `killed by ${run.signal}` };
  if (run.code !== 0) return { protocolError: `exit code ${run.code}` };
  const lines = run.stdout.split("\n").filter((l) => l.trim() !== "");
  if (lines.length !== 1) return { protocolError: `stdout holds ${lines.length} lines, not one JSON document` };
  let doc: unknown;
  try {
    doc = JSON.parse(lines[0]!);
  } catch {
    return { protocolError: "stdout is not JSON" };
  }
  const d = doc as Record<string, unknown>;
  if (typeof d !== "object" || d === null || !("result" in d) || !("error" in d) || typeof d["log"] !== "string") {
    return { protocolError: "response lacks result/error/log" };
  }
  const e = d["error"] as Record<string, unknown> | null;
  if (
    e !== null &&
    (typeof e !== "object" ||
      typeof e["type"] !== "string" ||
      typeof e["message"] !== "string" ||
      typeof e["ok_to_retry"] !== "boolean")
  ) {
    return { protocolError: "error is not {type, message, ok_to_retry}" };
  }
  return { response: doc as CallResult["response"] };
}

export class Director {
  readonly directorUuid: string;
  constructor(readonly opts: DirectorOptions) {
    this.directorUuid = opts.directorUuid ?? "d31d24e5-0000-4000-8000-00000000d1d5";
  }

  private runOpts(killAfterMs?: number, killWhen?: Promise<unknown>) {
    const kill = killAfterMs ?? this.opts.callTimeoutMs;
    return {
      configPath: this.opts.configPath,
      env: this.opts.env ?? { PATH: process.env.PATH },
      ...(kill !== undefined ? { killAfterMs: kill } : {}),
      ...(killWhen ? { killWhen } : {}),
    };
  }

  /** `info`, as before every call; throws when it does not answer api_version 2 or more. */
  async info(): Promise<void> {
    const run = await runCpi(
      { method: "info", arguments: [], context: { director_uuid: this.directorUuid, request_id: requestId() } },
      this.runOpts(),
    );
    const { response, protocolError } = checkResponse(run);
    const v = (response?.result as { api_version?: unknown } | null)?.api_version;
    if (!response || response.error || typeof v !== "number" || v < 2) {
      throw new Error(`info failed: ${protocolError ?? response?.error?.message ?? `api_version ${String(v)}`}`);
    }
  }

  /** One call: info, then the method. `killAfterMs`/`killWhen` SIGKILL the method's process (crash tests). */
  async call(
    method: string,
    args: unknown[],
    opts: { killAfterMs?: number; killWhen?: Promise<unknown>; skipInfo?: boolean } = {},
  ): Promise<CallResult> {
    if (!opts.skipInfo) await this.info();
    const context: Record<string, unknown> = { director_uuid: this.directorUuid, request_id: requestId() };
    const stemcell = this.opts.stemcellApiVersion === undefined ? 2 : this.opts.stemcellApiVersion;
    if (STEMCELL_CONTEXT.has(method) && stemcell !== null) context["vm"] = { stemcell: { api_version: stemcell } };
    const t0 = performance.now();
    const run = await runCpi(
      { method, arguments: args, context, api_version: this.opts.apiVersion ?? 2 },
      this.runOpts(opts.killAfterMs, opts.killWhen),
    );
    const duration_ms = Math.round(performance.now() - t0);
    return { method, run, duration_ms, ...checkResponse(run) };
  }
}

function requestId(): string {
  return `cpi-${String(randomInt(0, 1_000_000)).padStart(6, "0")}`;
}
