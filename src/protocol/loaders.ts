// Where the dispatcher finds actions and services, and main.ts operator commands: the only dynamic
// imports, so the build (scripts/build.mjs) puts each action, command and the services in chunks of
// their own, and a call loads only what its method uses (info: no HTTP client, no service).
import type { Config } from "../config/schema.ts";
import type { Logger } from "../log/index.ts";
import type { Services } from "../services/services.ts";
import type { ActionClass } from "./action.ts";
import { CONTRACT_METHODS } from "./methods.ts";

export type ActionLoader = (method: string) => Promise<ActionClass | undefined>;
export type ServicesFactory = (config: Config, log: Logger) => Promise<Services>;
export type CommandModule = { run(argv: string[], io: CommandIo): Promise<number> };
export interface CommandIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: NodeJS.ProcessEnv;
}

/** Only contract methods are looked up; the registration test keeps actions/ and the list in step. */
export const loadActionModule: ActionLoader = async (method) => {
  if (!(CONTRACT_METHODS as readonly string[]).includes(method)) return undefined;
  const mod = (await import(`../../actions/${method}.ts`)) as { default?: ActionClass };
  return mod.default;
};

export const loadServices: ServicesFactory = async (config, log) =>
  (await import("../wiring.ts")).createServices(config, log);

/** src/commands/<name>.ts, or undefined for an unknown name. */
export async function loadCommand(name: string): Promise<CommandModule | undefined> {
  try {
    return (await import(`../commands/${name}.ts`)) as CommandModule;
  } catch {
    return undefined;
  }
}
