// The executable: one JSON request on stdin, exactly one JSON response on stdout, exit 0 once it
// could answer. `node dist/cpi.js <command> …` runs an operator command from src/commands/.
import { z } from "zod";
import { configPathFrom } from "./config/load.ts";
import { CpiError, toWireError } from "./protocol/errors.ts";
import type { Response } from "./protocol/envelope.ts";

// One parse per schema per process: zod's JIT (new Function per object schema) would only cost time.
z.config({ jitless: true });

export const MAX_REQUEST_BYTES = 1024 * 1024;

type CommandModule = { run(argv: string[], io: CommandIo): Promise<number> };
export interface CommandIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: NodeJS.ProcessEnv;
}

async function readStdin(limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      process.stdin.destroy();
      throw new CpiError(`request is larger than ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

let answered = false;

function answer(response: Response): void {
  if (answered) return;
  answered = true;
  // Exit from the write callback: pipes can be asynchronous and keep-alive sockets would hold us.
  process.stdout.write(`${JSON.stringify(response)}\n`, () => process.exit(0));
}

function answerError(err: unknown): void {
  const wire = toWireError(err);
  process.stderr.write(`${JSON.stringify({ level: 50, msg: "unhandled failure", error: wire.message })}\n`);
  answer({ result: null, error: wire, log: "" });
}

async function runCommand(name: string, argv: string[]): Promise<void> {
  const io: CommandIo = {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    env: process.env,
  };
  let mod: CommandModule;
  try {
    mod = (await import(`./commands/${name}.ts`)) as CommandModule;
  } catch {
    process.stderr.write(`unknown command '${name}'\n`);
    process.exitCode = 2;
    return;
  }
  process.exitCode = await mod.run(argv, io);
}

async function main(argv: string[]): Promise<void> {
  const command = argv[0];
  if (command && /^[a-z][a-z0-9-]*$/.test(command)) return runCommand(command, argv.slice(1));
  process.on("uncaughtException", answerError);
  process.on("unhandledRejection", answerError);
  try {
    const raw = await readStdin(MAX_REQUEST_BYTES);
    const { handleRequest } = await import("./protocol/dispatch.ts");
    answer(await handleRequest(raw, { configPath: configPathFrom(argv, process.env) }));
  } catch (err) {
    answerError(err);
  }
}

void main(process.argv.slice(2));
