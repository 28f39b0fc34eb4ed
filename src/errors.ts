// The one way the project's errors are named: an error's name is its class's name, in every log line and
// message (scripts/build.mjs keeps class names through the bundle). Every error family's root extends it;
// the director's errors (protocol/errors.ts) name themselves by their wire type instead. A leaf module.
export class NamedError extends Error {
  override get name(): string {
    return this.constructor.name;
  }
}
