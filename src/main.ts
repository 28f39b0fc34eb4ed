// The executable: one JSON request on stdin, exactly one JSON response on stdout, exit 0 once it
// could answer. `node dist/cpi.js <command> …` runs an operator command from src/commands/.
import * as z from "zod";
import { parseCli, usage } from "./cli.ts";
import { configPathFrom } from "./config/load.ts";
import { CpiError, toWireError } from "./protocol/errors.ts";
import type { Response } from "./protocol/envelope.ts";
import { type CommandIo, loadCommand } from "./protocol/loaders.ts";
import { InputTooLarge, readAll, stdinIsTerminal, writeAll } from "./stdio.ts";

// One parse per schema per process: zod's JIT (new Function per object schema) would only cost time.
z.config({ jitless: true });

const MAX_REQUEST_BYTES = 1024 * 1024;

let answered = false;

function answer(response: Response): void {
  if (answered) return;
  answered = true;
  try {
    writeAll(1, `${JSON.stringify(response)}\n`);
  } catch {
    process.exit(1); // stdout is gone: nothing better is possible (bosh-cpi-contract.md §1.5)
  }
  // Exit now: keep-alive sockets or timers of a finished call must not hold the process.
  process.exit(0);
}

function answerError(err: unknown): void {
  const wire = toWireError(err);
  writeAll(2, `${JSON.stringify({ level: 50, msg: "unhandled failure", error: wire.message })}\n`);
  answer({ result: null, error: wire, log: "" });
}

async function runCommand(name: string, argv: string[]): Promise<void> {
  const io: CommandIo = {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    env: process.env,
  };
  const mod = await loadCommand(name);
  if (!mod) throw new Error(`command ${name} is listed in src/cli.ts but has no src/commands/${name}.ts`);
  process.exitCode = await mod.run(argv, io);
}

async function main(argv: string[]): Promise<void> {
  const cli = parseCli(argv);
  if (cli.kind === "help") return void process.stdout.write(usage());
  if (cli.kind === "usage-error") {
    process.stderr.write(`${cli.message}\n\n${usage()}`);
    process.exitCode = 2;
    return;
  }
  if (cli.kind === "command") return runCommand(cli.name, cli.argv);
  // Nobody types a JSON request at a terminal: say how this is used instead of waiting.
  if (stdinIsTerminal()) {
    process.stderr.write(`no request on stdin (a terminal)\n\n${usage()}`);
    process.exitCode = 2;
    return;
  }
  process.on("uncaughtException", answerError);
  process.on("unhandledRejection", answerError);
  try {
    let raw: string;
    try {
      raw = readAll(0, MAX_REQUEST_BYTES);
    } catch (e) {
      throw e instanceof InputTooLarge ? new CpiError(e.message) : e;
    }
    const { handleRequest } = await import("./protocol/dispatch.ts");
    answer(await handleRequest(raw, { configPath: configPathFrom(argv, process.env) }));
  } catch (err) {
    answerError(err);
  }
}

void main(process.argv.slice(2));
