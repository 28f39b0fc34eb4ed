// loaders.ts of the `info` bundle (scripts/bundle.mjs): the code-cache bootstrap runs that bundle only
// for `info` requests, so it holds info's action and nothing it would never load.
import Info from "../../actions/info.ts";
import type { ActionLoader, CommandModule, ServicesFactory } from "./loaders.ts";

export type { ActionLoader, CommandIo, CommandModule, ServicesFactory } from "./loaders.ts";

const outsideThisBundle = (what: string) => new Error(`${what} is not part of the info bundle`);

export const loadActionModule: ActionLoader = async (method) => (method === "info" ? Info : undefined);

export const loadServices: ServicesFactory = async () => {
  throw outsideThisBundle("services");
};

export async function loadCommand(name: string): Promise<CommandModule | undefined> {
  throw outsideThisBundle(`command ${name}`);
}
