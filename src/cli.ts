// How `node dist/cpi.js …` reads its command line (pure): the BOSH protocol when no command is named,
// an operator command otherwise; options in any order, before or after the command.
import { CONFIG_ENV } from "./config/load.ts";

/** Each operator command and the options it takes (a value unless marked as a flag). */
const COMMANDS: Record<string, { summary: string; options: Record<string, string> }> = {
  "check-config": { summary: "validate a configuration exactly as every call will", options: { config: "<cpi.json>" } },
  reconcile: {
    summary: "release what crashed calls left behind; list servers with failed deploys (JSON)",
    options: { config: "<cpi.json>", "dry-run": "" },
  },
  "render-config-drive": {
    summary: "write the config drive a server would get (ISO, packed string, network_data, user-data)",
    options: { config: "<cpi.json>", input: "<in.json>", out: "<dir>" },
  },
};
const VALUE_OPTIONS = new Set(["config", "input", "out"]);
const FLAGS = new Set(["dry-run", "help"]);

export type Cli =
  | { kind: "protocol"; argv: string[] }
  | { kind: "help" }
  | { kind: "command"; name: string; argv: string[] }
  | { kind: "usage-error"; message: string };

export function parseCli(argv: readonly string[]): Cli {
  const rest: string[] = [];
  const words: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "-h" || a === "--help") {
      help = true;
      continue;
    }
    if (!a.startsWith("--")) {
      words.push(a);
      continue;
    }
    const name = a.slice(2).split("=")[0]!;
    if (VALUE_OPTIONS.has(name)) {
      if (a.includes("=")) rest.push(a);
      else if (i + 1 < argv.length) rest.push(a, argv[++i]!);
      else return { kind: "usage-error", message: `${a} needs a value` };
    } else if (FLAGS.has(name)) rest.push(a);
    else return { kind: "usage-error", message: `unknown option ${a}` };
  }
  if (help || words[0] === "help") return { kind: "help" };
  if (words.length === 0) return { kind: "protocol", argv: rest };
  const [name, ...extra] = words;
  if (!COMMANDS[name!])
    return {
      kind: "usage-error",
      message: `unknown command '${name}' (known: ${Object.keys(COMMANDS).join(", ")}, help)`,
    };
  if (extra.length > 0) return { kind: "usage-error", message: `unexpected argument '${extra[0]}'` };
  const allowed = COMMANDS[name!]!.options;
  const wrong = rest.filter((a) => a.startsWith("--") && !(a.slice(2).split("=")[0]! in allowed));
  if (wrong.length > 0) return { kind: "usage-error", message: `${name} takes no ${wrong[0]}` };
  return { kind: "command", name: name!, argv: rest };
}

export function usage(): string {
  const commands = Object.entries(COMMANDS).map(([name, c]) => {
    const opts = Object.entries(c.options)
      .map(([o, v]) => (v ? `--${o} ${v}` : `[--${o}]`))
      .join(" ");
    return `  ${name} ${opts}\n      ${c.summary}`;
  });
  return [
    "bosh-ironic-cpi: the BOSH CPI for OpenStack Ironic (standalone)",
    "",
    "usage:",
    "  node cpi.js --config <cpi.json> < request.json",
    "      the BOSH CPI protocol: one JSON request on stdin, one JSON response on stdout, logs on stderr",
    "  node cpi.js <command> [options]   (options in any order)",
    ...commands,
    "  help, --help, -h",
    "      this text",
    "",
    `environment: ${CONFIG_ENV}=<cpi.json> stands in for --config`,
    "exit codes: 0 answered (a CPI error is an answer too) or command succeeded; 1 command failed;",
    "            2 usage error",
    "",
  ].join("\n");
}
