// Ironic from 2025.2 serves its API from threads (eventlet is gone): on sqlite, a write that meets another
// one answers 500 "database is locked" at once (SQLite refuses the read-to-write lock upgrade without
// waiting) wherever Ironic's DB API has no retry of its own. Node and port writes have one
// (ironic/db/sqlalchemy/api.py wrap_sqlite_retry); traits, tags and allocations do not: 35 of 90 traits
// PUTs of 6 parallel fixture builders met it on Ironic 39, none on Debian's 21.4. The CPI writes none of
// those; the fixtures that do retry them as Ironic retries the others.
import { IronicRestError } from "./ironic-rest.ts";

/** Runs `write` again (bounded, 100-500 ms apart) while Ironic answers it with sqlite's "database is locked". */
export async function retryDatabaseLocked<T>(write: () => Promise<T>, attempts = 20): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await write();
    } catch (err) {
      const locked = err instanceof IronicRestError && err.status === 500 && err.message.includes("database is locked");
      if (!locked || i >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 400));
    }
  }
}
