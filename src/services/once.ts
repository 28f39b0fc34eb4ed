// Services whose construction needs I/O (the Ironic client negotiates its microversion) are built on the
// first method call, so an action that never uses them never connects.

/** Memoises an async builder: one build per call of the CPI, even when several methods race. */
export function once<T>(build: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= build());
}
