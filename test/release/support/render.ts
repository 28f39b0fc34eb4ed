// Renders the release's job templates with Ruby's ERB through render.rb (BOSH's p/if_p/spec).
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import YAML from "yaml";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const RENDER_RB = join(REPO, "test/release/support/render.rb");

export type Properties = object;

export interface JobSpec {
  name: string;
  templates: Record<string, string>;
  packages: string[];
  properties: Record<string, { description?: string; default?: unknown; example?: unknown }>;
}

export function jobSpec(job: string): JobSpec {
  return YAML.parse(readFileSync(join(REPO, "jobs", job, "spec"), "utf8")) as JobSpec;
}

export class RenderError extends Error {}

export interface RenderOptions {
  /** The instance spec (spec.name, spec.address, ...) over the harness's defaults. */
  spec?: Record<string, unknown>;
  /** Drop undeclared properties as BOSH does (a whole instance group's properties) instead of failing. */
  ignoreUndeclared?: boolean;
}

/** Renders jobs/<job>/templates/<template>; throws RenderError with Ruby's message on failure. */
export function renderTemplate(
  job: string,
  template: string,
  properties: Properties,
  opts: RenderOptions = {},
): string {
  const input = { properties, spec: opts.spec ?? {}, undeclared: opts.ignoreUndeclared ? "ignore" : "error" };
  const r = spawnSync(
    "ruby",
    [RENDER_RB, join(REPO, "jobs", job, "spec"), join(REPO, "jobs", job, "templates", template)],
    {
      input: JSON.stringify(input),
      encoding: "utf8",
    },
  );
  if (r.error) throw r.error;
  if (r.status !== 0) throw new RenderError(r.stderr.trim() || `ruby exited ${r.status}`);
  return r.stdout;
}

/** Renders every template of the job into <dir>/<destination>, as BOSH lays out /var/vcap/jobs/<job>. */
export function renderJob(
  job: string,
  properties: Properties,
  dir: string,
  opts: RenderOptions = {},
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [template, destination] of Object.entries(jobSpec(job).templates)) {
    const text = renderTemplate(job, template, properties, opts);
    const path = join(dir, destination);
    mkdirSync(dirname(path), { recursive: true });
    // BOSH makes bin/* executable.
    writeFileSync(path, text, { mode: destination.startsWith("bin/") ? 0o755 : 0o644 });
    out[destination] = text;
  }
  return out;
}
