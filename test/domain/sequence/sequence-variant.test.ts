// A/B variants: deterministic assignment per enrolment that follows the
// weights, and the stated winner rule (two-proportion z-test at 95% with a
// minimum number of sends per variant).
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { AB_MIN_SENDS, abWinner, assignVariant } from "../../../src/domain/sequence/sequence-variant.js";

const ab = (wa = 1, wb = 1) => [
  { key: "A", weight: wa },
  { key: "B", weight: wb },
];

describe("assignVariant", () => {
  it("is deterministic per enrolment and step", () => {
    const id = randomUUID();
    const first = assignVariant(ab(), id, 2).key;
    for (let i = 0; i < 20; i++) expect(assignVariant(ab(), id, 2).key).toBe(first);
  });

  it("splits evenly by default and follows the weights", () => {
    const ids = Array.from({ length: 4000 }, () => randomUUID());
    const share = (variants: ReturnType<typeof ab>) => ids.filter((id) => assignVariant(variants, id, 0).key === "A").length / ids.length;
    // 4000 draws: the standard error of a share is under 0.008, so these bounds fail only by a bug.
    expect(share(ab())).toBeGreaterThan(0.46);
    expect(share(ab())).toBeLessThan(0.54);
    expect(share(ab(3, 1))).toBeGreaterThan(0.71);
    expect(share(ab(3, 1))).toBeLessThan(0.79);
  });

  it("steps of one enrolment draw independently (the position is part of the hash)", () => {
    const ids = Array.from({ length: 2000 }, () => randomUUID());
    const same = ids.filter((id) => assignVariant(ab(), id, 0).key === assignVariant(ab(), id, 1).key).length / ids.length;
    expect(same).toBeGreaterThan(0.44);
    expect(same).toBeLessThan(0.56);
  });
});

describe("abWinner: the stated rule", () => {
  it("no winner on too few sends, however large the difference", () => {
    const v = abWinner([
      { key: "A", sent: AB_MIN_SENDS - 1, replied: 50, positive: 50 },
      { key: "B", sent: AB_MIN_SENDS, replied: 0, positive: 0 },
    ]);
    expect(v.winner).toBeNull();
    expect(v.reason).toMatch(/Too few sends/);
  });

  it("a significant difference in positive-reply rate wins (z computed by the pooled two-proportion test)", () => {
    // A 30/200 = 15%, B 12/200 = 6%: pooled p = 0.105, se = sqrt(0.105*0.895*(2/200)) = 0.03066, z = 0.09/0.03066 = 2.94.
    const v = abWinner([
      { key: "A", sent: 200, replied: 40, positive: 30 },
      { key: "B", sent: 200, replied: 30, positive: 12 },
    ]);
    expect(v.winner).toBe("A");
    expect(v.z).toBeCloseTo(2.94, 2);
    const flipped = abWinner([
      { key: "A", sent: 200, replied: 30, positive: 12 },
      { key: "B", sent: 200, replied: 40, positive: 30 },
    ]);
    expect(flipped.winner).toBe("B");
    expect(flipped.z).toBeCloseTo(-2.94, 2);
  });

  it("a difference within noise is no winner; replies that are not positive do not decide", () => {
    // 12% against 9% on 200 each: z = 0.97.
    const v = abWinner([
      { key: "A", sent: 200, replied: 24, positive: 24 },
      { key: "B", sent: 200, replied: 90, positive: 18 },
    ]);
    expect(v.winner).toBeNull();
    expect(v.z).toBeCloseTo(0.97, 1);
    expect(v.reason).toMatch(/Not significant/);
    expect(abWinner([{ key: "A", sent: 500, replied: 0, positive: 0 }, { key: "B", sent: 500, replied: 0, positive: 0 }]).winner).toBeNull();
  });
});
