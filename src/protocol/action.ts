// The base of every CPI method in actions/: a zod tuple of its arguments and run().
// Actions orchestrate services; they never see JSON envelopes, HTTP or Ironic documents.
import type * as z from "zod";
import type { Config } from "../config/schema.ts";
import type { Logger } from "../log/index.ts";
import type { Services } from "../services/services.ts";

export interface CallContext {
  method: string;
  /** The request's api_version (1 when absent); decides v1/v2 result shapes. */
  apiVersion: number;
  /** context.vm.stemcell.api_version, when the director knows the stemcell. */
  stemcellApiVersion: number | undefined;
  directorUuid: string | undefined;
  requestId: string | undefined;
  config: Config;
  log: Logger;
  /** Built on first use, so methods that need no Ironic or WebDAV never load their clients. */
  services: () => Promise<Services>;
  now: () => Date;
}

/** A zod tuple; describe each item with its contract name for error messages. */
export type ArgsSchema = z.core.$ZodTuple<readonly z.core.$ZodType[], z.core.$ZodType | null>;

export abstract class Action<A extends ArgsSchema = ArgsSchema> {
  /** Positional arguments; describe() each item with its contract name for error messages. */
  static readonly args: ArgsSchema;
  constructor(protected readonly ctx: CallContext) {}
  protected get apiVersion(): number {
    return this.ctx.apiVersion;
  }
  protected get log(): Logger {
    return this.ctx.log;
  }
  abstract run(args: z.core.output<A>): Promise<unknown>;
}

export interface ActionClass {
  readonly args: ArgsSchema;
  new (ctx: CallContext): Action;
}
