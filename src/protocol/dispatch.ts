// request text → envelope → method → arguments → configuration → action → response.
// Everything thrown on the way becomes one typed wire error; nothing here writes stdout.
import type { Config } from "../config/schema.ts";
import { CONFIG_ENV, deepMerge, loadConfigFile, parseConfig } from "../config/load.ts";
import { createCallLog, type CallLogOptions } from "../log/index.ts";
import { collectSecrets } from "../log/secrets.ts";
import type { Services } from "../services/services.ts";
import type { CallContext } from "./action.ts";
import { parseArguments } from "./arguments.ts";
import { contextOverlay, Request, type Response } from "./envelope.ts";
import { CpiError, NotImplemented, toWireError } from "./errors.ts";
import { describeIssues } from "../issues.ts";
import { type ActionLoader, type ServicesFactory, loadActionModule, loadServices } from "./loaders.ts";
import { METHOD_NAME } from "./methods.ts";
import { requestShapeProblem } from "./request-limits.ts";

export type { ActionLoader, ServicesFactory } from "./loaders.ts";

export interface DispatchOptions {
  configPath?: string;
  /** Already-parsed configuration (tests); overrides configPath. */
  config?: unknown;
  log?: CallLogOptions;
  now?: () => Date;
  loadAction?: ActionLoader;
  services?: ServicesFactory;
}

function parseRequest(raw: string): Request {
  let doc: unknown;
  try {
    doc = JSON.parse(raw);
  } catch (e) {
    throw new CpiError(`request is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc))
    throw new CpiError("request must be a JSON object");
  const shape = requestShapeProblem(doc);
  if (shape) throw new CpiError(`request ${shape}`);
  const r = Request.safeParse(doc, { reportInput: true });
  if (!r.success) throw new CpiError(`invalid request: ${describeIssues(r.error.issues)}`);
  return r.data;
}

function registerSecrets(log: ReturnType<typeof createCallLog>, value: unknown): void {
  log.scrubber.add(collectSecrets(value));
}

export async function handleRequest(raw: string, opts: DispatchOptions = {}): Promise<Response> {
  const callLog = createCallLog(opts.log);
  let log = callLog.logger;
  let closeServices: (() => Promise<void>) | undefined;
  try {
    const req = parseRequest(raw);
    const method = req.method;
    log = log.child({ method, request_id: req.context.request_id });
    if (!METHOD_NAME.test(method)) throw new NotImplemented(`unknown method '${method.slice(0, 64)}'`);
    const ActionCtor = await (opts.loadAction ?? loadActionModule)(method);
    if (!ActionCtor) throw new NotImplemented(`unknown method '${method}'`);
    registerSecrets(callLog, req.arguments);
    const args = parseArguments(method, ActionCtor.args, req.arguments);

    const overlay = contextOverlay(req.context);
    registerSecrets(callLog, overlay);
    const config = loadConfiguration(opts, overlay);
    registerSecrets(callLog, config);

    let built: Promise<Services> | undefined;
    const ctx: CallContext = {
      method,
      apiVersion: req.api_version ?? 1,
      stemcellApiVersion: req.context.vm?.stemcell?.api_version,
      directorUuid: req.context.director_uuid,
      requestId: req.context.request_id,
      config,
      log,
      now: opts.now ?? (() => new Date()),
      services: () => {
        built ??= (opts.services ?? loadServices)(config, log);
        closeServices = async () => (await built)?.close();
        return built;
      },
    };
    const started = Date.now();
    const result = await new ActionCtor(ctx).run(args);
    log.info({ duration_ms: Date.now() - started }, `${method} succeeded`);
    return { result: result ?? null, error: null, log: callLog.summary() };
  } catch (err) {
    const wire = toWireError(err);
    log.error({ err, error_type: wire.type, ok_to_retry: wire.ok_to_retry }, `failed: ${wire.message}`);
    return { result: null, error: { ...wire, message: callLog.scrubber.scrub(wire.message) }, log: callLog.summary() };
  } finally {
    await closeServices?.().catch((e: unknown) => log.warn({ err: e }, "closing connections failed"));
  }
}

function loadConfiguration(opts: DispatchOptions, overlay: Record<string, unknown>): Config {
  if (opts.config !== undefined)
    return parseConfig(deepMerge(opts.config as Record<string, unknown>, overlay), "given");
  if (!opts.configPath) throw new CpiError(`no CPI configuration: pass --config <path> or set ${CONFIG_ENV}`);
  return loadConfigFile(opts.configPath, overlay);
}
