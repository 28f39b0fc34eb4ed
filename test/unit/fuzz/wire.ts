// What every answer must look like, whatever the input (bosh-cpi-contract.md §1.4, §1.6): exactly
// {result, error, log}; error null or exactly {type, message, ok_to_retry} with a type the director
// knows, a boolean ok_to_retry and a message without a stack trace.

export const KNOWN_ERROR_TYPES = new Set([
  "Bosh::Clouds::CloudError",
  "Bosh::Clouds::CpiError",
  "Bosh::Clouds::NotImplemented",
  "Bosh::Clouds::NotSupported",
  "Bosh::Clouds::VMNotFound",
  "Bosh::Clouds::NetworkNotFound",
  "Bosh::Clouds::DiskNotFound",
  "Bosh::Clouds::DiskNotAttached",
  "Bosh::Clouds::NoDiskSpace",
  "Bosh::Clouds::VMCreationFailed",
]);

/** The director stores the message with the task; an echo of a 1 MiB input does not belong there. */
export const MAX_MESSAGE = 8192;
const STACK_LINE = /\n\s+at |\bat [\w.<>]+ \([^)]*:\d+:\d+\)|node:internal/;

/** Problems of one response document; [] when it is what the director accepts. */
export function wireProblems(doc: unknown): string[] {
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) return ["not an object"];
  const d = doc as Record<string, unknown>;
  const problems: string[] = [];
  const keys = Object.keys(d).sort().join(",");
  if (keys !== "error,log,result") problems.push(`keys are ${keys}`);
  if (typeof d["log"] !== "string") problems.push("log is not a string");
  const e = d["error"];
  if (e === null) return problems;
  if (typeof e !== "object" || Array.isArray(e)) return [...problems, "error is neither null nor an object"];
  const err = e as Record<string, unknown>;
  if (Object.keys(err).sort().join(",") !== "message,ok_to_retry,type")
    problems.push(`error keys are ${Object.keys(err).sort().join(",")}`);
  if (!KNOWN_ERROR_TYPES.has(String(err["type"]))) problems.push(`unknown error type ${String(err["type"])}`);
  if (typeof err["ok_to_retry"] !== "boolean") problems.push("ok_to_retry is not a boolean");
  if (typeof err["message"] !== "string" || err["message"] === "") problems.push("message is not a non-empty string");
  else if (STACK_LINE.test(err["message"])) problems.push("message carries a stack trace");
  else if (err["message"].length > MAX_MESSAGE)
    problems.push(`message is ${err["message"].length} characters (the input echoed?)`);
  if (d["result"] !== null) problems.push("an error answer with a non-null result");
  return problems;
}
