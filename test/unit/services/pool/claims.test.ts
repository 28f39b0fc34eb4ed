import { describe, expect, it } from "vitest";
import { IronicNodeAssociated } from "../../../../src/ironic/errors.ts";
import { claimUuid, uuidV5 } from "../../../../src/services/pool/claim-id.ts";
import { Claims, isLostClaim, releaseOps } from "../../../../src/services/pool/claims.ts";
import { fakeIronic, silent } from "../fake-ironic.ts";

const NOW = new Date("2026-11-21T12:00:00Z");
const claimsFor = (fake: ReturnType<typeof fakeIronic>) =>
  new Claims({ ironic: fake.client, log: silent, now: () => NOW });

describe("claim ids", () => {
  it("agent_id itself when it is a UUID, else a stable UUIDv5", () => {
    expect(claimUuid("0B7A3A1E-58A4-4CBB-9BB4-3D1C4A6C9E01")).toBe("0b7a3a1e-58a4-4cbb-9bb4-3d1c4a6c9e01");
    expect(claimUuid("agent-1")).toBe(claimUuid("agent-1"));
    expect(claimUuid("agent-1")).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // RFC 9562 test vector: UUIDv5(DNS namespace, "www.example.com")
    expect(uuidV5("www.example.com", "6ba7b810-9dad-11d1-80b4-00c04fd430c8")).toBe(
      "2ed6657d-e927-568b-95e1-2665a8aea6a2",
    );
  });
});

describe("claims", () => {
  it("claim = one PATCH setting instance_uuid and extra.bosh (+ extra ops), stamped", async () => {
    const fake = fakeIronic();
    fake.add({ uuid: "n" });
    await claimsFor(fake).claim("n", "c1", { phase: "creating", agent_id: "a" }, [
      { op: "add", path: "/instance_info/x", value: 1 },
    ]);
    expect(fake.calls).toEqual(["PATCH n add /instance_uuid, add /extra/bosh, add /instance_info/x"]);
    expect(fake.node("n")).toMatchObject({
      instance_uuid: "c1",
      extra: { bosh: { phase: "creating", claimed_at: NOW.toISOString(), updated_at: NOW.toISOString() } },
    });
  });

  it("a second, different claim is a lost race", async () => {
    const fake = fakeIronic();
    fake.add({ uuid: "n", instance_uuid: "c0" });
    const err = await claimsFor(fake)
      .claim("n", "c1", { phase: "creating" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IronicNodeAssociated);
    expect(isLostClaim(err)).toBe(true);
  });

  it("update re-asserts the claim with every change", async () => {
    const fake = fakeIronic();
    fake.add({ uuid: "n", instance_uuid: "c1", extra: { bosh: { phase: "creating" } } });
    await claimsFor(fake).update("n", "c1", { phase: "created" });
    expect(fake.calls).toEqual(["PATCH n add /instance_uuid, add /extra/bosh/phase, add /extra/bosh/updated_at"]);
  });

  it("release removes only our claim and puts back what the record says", async () => {
    const fake = fakeIronic();
    fake.add({
      uuid: "n",
      instance_uuid: "c1",
      automated_clean: false,
      instance_info: { image_source: "x" },
      extra: { bosh: { phase: "creating", restore: { automated_clean: true } }, keep: 1 },
    });
    fake.add({ uuid: "m", instance_uuid: "other", extra: { bosh: { phase: "created" } } });
    expect(await claimsFor(fake).release("m", "c1")).toBe(false);
    expect(await claimsFor(fake).release("n", "c1")).toBe(true);
    expect(fake.node("n")).toMatchObject({
      instance_uuid: null,
      automated_clean: true,
      instance_info: {},
      extra: { keep: 1 },
    });
    expect(fake.node("m").instance_uuid).toBe("other");
  });

  it("releaseOps leaves automated_clean to the disks service while disks live on the node", () => {
    const node = {
      uuid: "n",
      instance_uuid: "c",
      provision_state: "available",
      extra: { bosh: { phase: "created", restore: { automated_clean: true } }, bosh_disks: { d: { state: "live" } } },
    };
    expect(releaseOps(node, true).map((o) => o.path)).toEqual(["/instance_uuid", "/extra/bosh"]);
  });

  it("releaseStale re-checks that the claim is the same stale one before releasing", async () => {
    const fake = fakeIronic();
    const old = "2026-11-21T09:00:00Z";
    fake.add({
      uuid: "n",
      instance_uuid: "dead",
      extra: { bosh: { phase: "creating", claimed_at: old, updated_at: old } },
    });
    const seen = structuredClone(fake.node("n"));
    const policy = { now: NOW, deployTimeoutS: 60, deleteTimeoutS: 60, marginS: 60 };
    fake.nodes.set("n", {
      ...fake.node("n"),
      extra: { bosh: { phase: "creating", claimed_at: NOW.toISOString(), updated_at: NOW.toISOString() } },
    });
    expect(await claimsFor(fake).releaseStale(seen, policy)).toBe(false); // re-claimed meanwhile
    fake.nodes.set("n", { ...fake.node("n"), extra: seen.extra });
    expect(await claimsFor(fake).releaseStale(seen, policy)).toBe(true);
    expect(fake.node("n").instance_uuid).toBeNull();
  });
});
