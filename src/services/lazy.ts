// Services whose construction needs I/O (the Ironic client negotiates its microversion) are built on the
// first method call, so an action that never uses them never connects.

/** Promise-returning methods of T. */
export type Lazy<T> = {
  [K in keyof T]: T[K] extends (...a: infer A) => Promise<infer R> ? (...a: A) => Promise<R> : never;
};

/** Memoises an async builder: one build per call of the CPI, even when several methods race. */
export function once<T>(build: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= build());
}

/** A stand-in for T whose methods build T on first use, then delegate. */
export function lazy<T extends object>(build: () => Promise<T>): Lazy<T> {
  const get = once(build);
  return new Proxy({} as Lazy<T>, {
    // Not a thenable: `await` on the stand-in must not call a `then` method that T does not have.
    get: (_target, key) =>
      key === "then"
        ? undefined
        : async (...args: unknown[]) => {
            const target = (await get()) as Record<PropertyKey, unknown>;
            const method = target[key];
            if (typeof method !== "function") throw new TypeError(`${String(key)} is not a method of this service`);
            return (method as (...a: unknown[]) => unknown).apply(target, args);
          },
  });
}
