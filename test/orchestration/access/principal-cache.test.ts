import { describe, expect, it } from "vitest";
import { ROLE_PERMISSIONS } from "../../../src/domain/access/permission.js";
import type { Principal } from "../../../src/domain/access/principal.js";
import { parseAuthChange, PrincipalCache } from "../../../src/orchestration/access/principal-cache.js";

const T1 = "00000000-0000-0000-0000-0000000000a1";
const T2 = "00000000-0000-0000-0000-0000000000a2";

function user(tenantId: string, userId: string): Principal {
  return { kind: "USER", id: userId, tenantId, role: "OPERATOR", permissions: ROLE_PERMISSIONS.OPERATOR, label: `user:${userId}`, userId };
}
function key(tenantId: string, keyId: string, creator: string): Principal {
  return { kind: "API_KEY", id: keyId, tenantId, role: "ANALYST", permissions: ROLE_PERMISSIONS.ANALYST, label: `apikey:${keyId}`, userId: creator };
}

function cache(ttlMs = 5_000) {
  let now = 1_000_000;
  const c = new PrincipalCache({ ttlMs, maxEntries: 3, now: () => now });
  c.resume();
  return { c, advance: (ms: number) => (now += ms), now: () => now };
}

describe("PrincipalCache", () => {
  it("keeps nothing until changes are heard, and forgets everything when they stop being heard", () => {
    const c = new PrincipalCache({ ttlMs: 5_000 });
    c.set("t", user(T1, "u1"));
    expect(c.get("t")).toBeNull();
    c.resume();
    c.set("t", user(T1, "u1"));
    expect(c.get("t")).toMatchObject({ id: "u1", cached: true });
    c.suspend();
    expect(c.get("t")).toBeNull();
    c.resume();
    expect(c.get("t")).toBeNull();
  });

  it("expires entries after the TTL and never after the token's own expiry", () => {
    const { c, advance, now } = cache();
    c.set("a", user(T1, "u1"));
    c.set("b", user(T1, "u2"), now() + 1_000);
    advance(1_000);
    expect(c.get("b")).toBeNull();
    expect(c.get("a")).not.toBeNull();
    advance(4_000);
    expect(c.get("a")).toBeNull();
    c.set("c", user(T1, "u3"), now() - 1);
    expect(c.get("c")).toBeNull();
  });

  it("a TTL of 0 turns it off", () => {
    const { c } = cache(0);
    c.set("a", user(T1, "u1"));
    expect(c.get("a")).toBeNull();
  });

  it("drops exactly what a change affects", () => {
    const { c } = cache();
    c.set("u1", user(T1, "u1"));
    c.set("k1", key(T1, "k1", "u1"));
    c.set("u1-t2", user(T2, "u1"));
    c.invalidate({ tenantId: T1, userId: "u1" });
    // The user's membership in T1 and the key that acts for them in T1; not their membership in T2.
    expect(c.get("u1")).toBeNull();
    expect(c.get("k1")).toBeNull();
    expect(c.get("u1-t2")).not.toBeNull();

    c.set("k2", key(T2, "k2", "u9"));
    c.set("u2", user(T2, "u2"));
    c.invalidate({ tenantId: T2, apiKeyId: "k2" });
    expect(c.get("k2")).toBeNull();
    expect(c.get("u2")).not.toBeNull();

    c.invalidate({ userId: "u1" }); // the user row itself: every tenant
    expect(c.get("u1-t2")).toBeNull();
    c.invalidate({ tenantId: T2 }); // the tenant row: all of it
    expect(c.get("u2")).toBeNull();
  });

  it("concurrent misses for one token share one verification, but none started before a change", async () => {
    const { c } = cache();
    const pending: ((p: Principal) => void)[] = [];
    let verifications = 0;
    const verify = () => {
      verifications++;
      return new Promise<Principal>((resolve) => pending.push(resolve));
    };
    const first = c.verifyOnce("t", verify);
    const joined = c.verifyOnce("t", verify);
    c.verifyOnce("other", verify);
    expect(verifications).toBe(2);
    pending[0]!(user(T1, "u1"));
    expect(await joined).toBe(await first);

    // A change heard while a verification runs: later callers verify again.
    const before = c.verifyOnce("t", verify);
    c.invalidate({ tenantId: T1, userId: "u1" });
    const after = c.verifyOnce("t", verify);
    expect(verifications).toBe(4);
    pending[2]!({ ...user(T1, "u1"), role: "ADMIN" });
    pending[3]!(user(T1, "u1"));
    expect((await before).role).toBe("ADMIN");
    expect((await after).role).toBe("OPERATOR");

    // Finished verifications are not kept (that is the cache's job), and nothing is shared while changes are not heard.
    c.verifyOnce("t", verify);
    expect(verifications).toBe(5);
    c.suspend();
    c.verifyOnce("u", verify);
    c.verifyOnce("u", verify);
    expect(verifications).toBe(7);
  });

  it("is bounded: the oldest entry makes room", () => {
    const { c } = cache();
    for (const id of ["a", "b", "c", "d"]) c.set(id, user(T1, id));
    expect(c.size).toBe(3);
    expect(c.get("a")).toBeNull();
    expect(c.get("d")).not.toBeNull();
  });

  it("an unreadable announcement clears everything (the safe answer)", () => {
    const { c } = cache();
    c.set("a", user(T1, "a"));
    c.invalidate(parseAuthChange("not json"));
    expect(c.get("a")).toBeNull();
    expect(parseAuthChange(JSON.stringify({ tenantId: T1, userId: "u" }))).toEqual({ tenantId: T1, userId: "u", apiKeyId: undefined });
  });
});
