// A plain REST view of a real Ironic for test setup and inspection (fleet building, "what does Ironic
// hold now?" checks). Deliberately independent of src/ironic: a bug in the client under test must not
// also hide in the code that checks it.

export const IRONIC_TEST_VERSION = "1.82";

export interface IronicNodeDoc {
  uuid: string;
  name: string | null;
  provision_state: string | null;
  power_state: string | null;
  maintenance: boolean;
  instance_uuid: string | null;
  extra: Record<string, unknown>;
  last_error: string | null;
  resource_class: string | null;
  [key: string]: unknown;
}

export class IronicRestError extends Error {
  constructor(
    readonly status: number,
    method: string,
    path: string,
    body: string,
  ) {
    super(`Ironic ${method} ${path} → ${status}: ${body.slice(0, 300)}`);
  }
}

export class IronicRest {
  /** `version`: the microversion of every call (newer fields, such as health at 1.109, need a newer one). */
  constructor(
    readonly url: string,
    readonly version: string = IRONIC_TEST_VERSION,
  ) {}

  async call<T = unknown>(method: string, path: string, body?: unknown, ok: readonly number[] = []): Promise<T> {
    const send = () =>
      fetch(`${this.url.replace(/\/+$/, "")}${path}`, {
        method,
        headers: {
          "X-OpenStack-Ironic-API-Version": this.version,
          ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
    // A test that blocked its event loop (spawnSync of a peer) past the server's keep-alive timeout may find
    // the pooled connection closed ("other side closed"): a GET is sent once more on a fresh one.
    const res = await send().catch((err: unknown) => {
      const code = (err as { cause?: { code?: string } }).cause?.code;
      if (method === "GET" && code === "UND_ERR_SOCKET") return send();
      throw err;
    });
    const text = await res.text();
    if (!res.ok && !ok.includes(res.status)) throw new IronicRestError(res.status, method, path, text);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  node(ident: string): Promise<IronicNodeDoc> {
    return this.call("GET", `/v1/nodes/${encodeURIComponent(ident)}`);
  }

  /** The node a VM runs on: its cid is the claim's instance_uuid (the CPI's VM identity). */
  async vmNode(vmCid: string): Promise<IronicNodeDoc> {
    const { nodes } = await this.call<{ nodes: { uuid: string }[] }>(
      "GET",
      `/v1/nodes?instance_uuid=${encodeURIComponent(vmCid)}&fields=uuid`,
    );
    if (nodes.length !== 1)
      throw new IronicRestError(
        404,
        "GET",
        `/v1/nodes?instance_uuid=${vmCid}`,
        `${nodes.length} nodes hold VM ${vmCid}`,
      );
    return this.node(nodes[0]!.uuid);
  }

  async findNode(ident: string): Promise<IronicNodeDoc | undefined> {
    const res = await fetch(`${this.url}/v1/nodes/${encodeURIComponent(ident)}`, {
      headers: { "X-OpenStack-Ironic-API-Version": IRONIC_TEST_VERSION },
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    if (res.status === 404) return undefined;
    if (!res.ok) throw new IronicRestError(res.status, "GET", `/v1/nodes/${ident}`, text);
    return JSON.parse(text) as IronicNodeDoc;
  }

  /** Every node with full detail (a test Ironic holds a few hundred at most). */
  async nodes(): Promise<IronicNodeDoc[]> {
    const out: IronicNodeDoc[] = [];
    let path = "/v1/nodes?detail=true&limit=1000";
    for (;;) {
      const page = await this.call<{ nodes: IronicNodeDoc[]; next?: string }>("GET", path);
      out.push(...page.nodes);
      if (!page.next || page.nodes.length === 0) return out;
      const next = new URL(page.next);
      path = `${next.pathname}${next.search}`;
    }
  }

  async ports(nodeUuid: string): Promise<{ uuid: string; address: string }[]> {
    return (
      await this.call<{ ports: { uuid: string; address: string }[] }>(
        "GET",
        `/v1/ports?node_uuid=${nodeUuid}&limit=1000`,
      )
    ).ports;
  }

  /** Polls until the node reaches `state` (or fails with its last_error). */
  async waitFor(uuid: string, states: readonly string[], timeoutMs = 60_000): Promise<IronicNodeDoc> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const n = await this.node(uuid);
      if (n.provision_state && states.includes(n.provision_state) && !n.target_provision_state) return n;
      if (Date.now() > deadline) {
        throw new Error(
          `node ${n.name ?? uuid} stuck in ${n.provision_state} (wanted ${states.join("|")}; last_error ${n.last_error})`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async provision(
    uuid: string,
    target: string,
    wanted: readonly string[],
    extra: Record<string, unknown> = {},
  ): Promise<IronicNodeDoc> {
    await this.call("PUT", `/v1/nodes/${uuid}/states/provision`, { target, ...extra });
    return this.waitFor(uuid, wanted);
  }

  async power(uuid: string, target: "power on" | "power off"): Promise<void> {
    await this.call("PUT", `/v1/nodes/${uuid}/states/power`, { target });
    const deadline = Date.now() + 30_000;
    while ((await this.node(uuid)).power_state !== target) {
      if (Date.now() > deadline) throw new Error(`node ${uuid} did not reach ${target}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Removes a node whatever its state: maintenance on (Ironic then deletes even an active node). */
  async forceDelete(uuid: string): Promise<void> {
    const n = await this.findNode(uuid);
    if (!n) return;
    // a BOSH VM's server is protected (API 1.48): Ironic deletes it only once that is lifted
    if (n["protected"])
      await this.call("PATCH", `/v1/nodes/${uuid}`, [{ op: "replace", path: "/protected", value: false }], [400, 409]);
    if (n.instance_uuid)
      await this.call("PATCH", `/v1/nodes/${uuid}`, [{ op: "remove", path: "/instance_uuid" }], [400, 409]);
    await this.call("PUT", `/v1/nodes/${uuid}/maintenance`, { reason: "test cleanup" }, [404, 409]);
    for (let i = 0; i < 50; i++) {
      const res = await fetch(`${this.url}/v1/nodes/${uuid}`, {
        method: "DELETE",
        headers: { "X-OpenStack-Ironic-API-Version": IRONIC_TEST_VERSION },
      });
      await res.arrayBuffer();
      if (res.status === 204 || res.status === 404) return;
      await new Promise((r) => setTimeout(r, 200)); // locked by a running deploy: try again
    }
    throw new Error(`could not delete node ${uuid}`);
  }
}
