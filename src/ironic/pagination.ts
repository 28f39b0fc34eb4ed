// Collection pagination (API reference "Pagination"): `limit` per page, the server answers with a `next` link
// while a page is full. We re-use only the *query* of `next` on our own base URL: Ironic builds the link from its
// own idea of the host (wrong behind proxies) and credentials must not follow a server-chosen URL.
import * as z from "zod";
import { IronicBadResponse } from "./errors.ts";
import type { Query, Transport } from "./transport.ts";

export interface PageOptions {
  /** `limit` per page; omitted → the server's max_limit (1000 by default). `limit=0` is a 400. */
  pageSize?: number;
}

/** GET every page of `path` and concatenate `key`. A list of n items costs ceil((n+1)/pageSize) requests at most. */
export async function listAll<T>(
  t: Transport,
  path: string,
  key: string,
  item: z.ZodType<T>,
  query: Query,
  opts: PageOptions = {},
): Promise<T[]> {
  const Page: z.ZodType<{ next?: string | undefined } & Record<string, unknown>> = z.object({
    [key]: z.array(item),
    next: z.string().optional(),
  });
  if (opts.pageSize !== undefined && !(opts.pageSize >= 1)) throw new RangeError("pageSize must be >= 1");
  let params: Query | URLSearchParams = { ...query, ...(opts.pageSize ? { limit: opts.pageSize } : {}) };
  const out: T[] = [];
  const seen = new Set<string>();
  for (;;) {
    const page: { next?: string | undefined } & Record<string, unknown> = await t.get(path, {
      schema: Page,
      query: params,
    });
    const items = page[key] as T[];
    out.push(...items);
    if (!page.next || items.length === 0) return out;
    const next: URLSearchParams = new URL(page.next).searchParams;
    const marker = next.get("marker") ?? "";
    if (seen.has(marker)) throw new IronicBadResponse("GET", path, `pagination loops at marker ${marker}`);
    seen.add(marker);
    params = next;
  }
}
