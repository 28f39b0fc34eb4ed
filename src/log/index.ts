// pino JSON lines on stderr, tagged with request_id and method, redacted twice: by path (pino's
// redact) and by value (SecretScrubber). The wire `log` field gets a short human summary.
import { writeSync } from "node:fs";
import pino from "pino";
import { SecretScrubber } from "./secrets.ts";

export type Logger = pino.Logger;

const REDACT_PATHS = [
  "password",
  "*.password",
  "*.*.password",
  "token",
  "*.token",
  "*.*.token",
  "env",
  "*.env",
  "driver_info",
  "*.driver_info",
  "*.*.driver_info",
  "configdrive",
  "*.configdrive",
  "private_key",
  "*.private_key",
  "headers.authorization",
  "*.headers.authorization",
  'headers["x-auth-token"]',
  '*.headers["x-auth-token"]',
];

const LEVELS: Record<number, string> = { 10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL" };

export interface CallLog {
  logger: Logger;
  scrubber: SecretScrubber;
  /** Human-readable account of the call (info and above), for the response's `log` field. */
  summary(): string;
}

export interface CallLogOptions {
  bindings?: Record<string, unknown>;
  level?: string;
  /** Where JSON lines go; stderr by default (stdout belongs to the response). */
  write?: (line: string) => void;
}

interface LogRecord {
  level: number;
  msg?: string;
  time?: number;
}

export function createCallLog(opts: CallLogOptions = {}): CallLog {
  const scrubber = new SecretScrubber();
  const summary: string[] = [];
  const write = opts.write ?? ((line: string) => void writeSync(2, line));
  const destination = {
    write(line: string) {
      const clean = scrubber.scrub(line);
      write(clean);
      let rec: LogRecord;
      try {
        rec = JSON.parse(clean) as LogRecord;
      } catch {
        return; // a line that is not JSON only goes to stderr
      }
      if (rec.level >= 30 && rec.msg) {
        const t = rec.time ? new Date(rec.time).toISOString().slice(11, 23) : "";
        summary.push(`${t} ${LEVELS[rec.level] ?? rec.level} ${rec.msg}`);
      }
    },
  };
  const logger = pino(
    {
      level: opts.level ?? "debug",
      base: { ...opts.bindings },
      redact: { paths: REDACT_PATHS, censor: "[REDACTED]" },
      timestamp: pino.stdTimeFunctions.epochTime,
    },
    destination,
  );
  return { logger, scrubber, summary: () => summary.join("\n") };
}
