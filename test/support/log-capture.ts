// Every log line the test suite makes the CPI produce is appended to one run directory (.tmp/logs/run-…):
// stderr of spawned CPI processes and their responses' `log` field (runCpi), and the log writes and
// `log` field of in-process dispatches (dispatchInProcess). log-scan.ts searches it for SECRETS.
// The run directory comes from CPI_TEST_LOG_DIR, which the global setup sets before workers start.
import { appendFileSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { handleRequest, type DispatchOptions } from "../../src/protocol/dispatch.ts";
import type { Response } from "../../src/protocol/envelope.ts";

export const LOG_DIR_ENV = "CPI_TEST_LOG_DIR";
const REPO = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const LOGS_ROOT = join(REPO, ".tmp", "logs");

/** This run's capture directory (a file run outside vitest's global setup writes to .tmp/logs/adhoc). */
export function logRunDir(): string {
  return process.env[LOG_DIR_ENV] ?? join(LOGS_ROOT, "adhoc");
}

/** What this process captured since the module was loaded (one test file: vitest isolates modules). */
const captured: { source: string; text: string }[] = [];
let capturedLines = 0;

export function capturedInThisFile(): readonly { source: string; text: string }[] {
  return captured;
}

export function capturedLineCount(): number {
  return capturedLines;
}

function file(): string {
  const dir = logRunDir();
  mkdirSync(dir, { recursive: true });
  return join(dir, `worker-${process.pid}.log`);
}

/** Appends one source's log text (stderr, a `log` field, JSON lines) to the run's capture. */
export function captureLog(source: string, text: string): void {
  if (!text) return;
  const body = text.endsWith("\n") ? text : `${text}\n`;
  captured.push({ source, text: body });
  capturedLines += body.split("\n").length - 1;
  appendFileSync(file(), `### ${source}\n${body}`);
}

/**
 * handleRequest with its log writes and the response's `log` field captured, for every in-process test
 * that hands the dispatcher secrets. A caller's own `log.write` still receives each line.
 */
export async function dispatchInProcess(raw: string, opts: DispatchOptions, source = "in-process"): Promise<Response> {
  const lines: string[] = [];
  const own = opts.log?.write;
  const response = await handleRequest(raw, {
    ...opts,
    log: {
      ...opts.log,
      write: (line) => {
        lines.push(line);
        own?.(line);
      },
    },
  });
  captureLog(`${source} log.write`, lines.join(""));
  captureLog(`${source} response.log`, response.log);
  if (response.error) captureLog(`${source} error.message`, response.error.message);
  return response;
}
