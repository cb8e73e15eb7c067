// Detailed report for one labelled set of replies: accuracy, per-class recall
// and precision, a confusion summary, action agreement and referral addresses,
// compared with a committed baseline (the figures of the classifier before the
// intent work, recorded once with `npm run eval -- --record-baseline`).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { INBOUND_INTENTS, type InboundAction, type InboundIntent } from "../src/ai/prompts/inbound-analysis.js";

export interface IntentOutcome {
  id: string;
  expected: InboundIntent;
  got: InboundIntent;
  expectedAction?: InboundAction;
  gotAction: InboundAction;
  expectedReferralEmail?: string;
  gotReferralEmail: string | null;
}

export interface IntentBaseline {
  recorded: string;
  classifier: string;
  predictions: Record<string, { intent: InboundIntent; action: InboundAction }>;
}

const pct = (n: number, d: number) => (d ? `${((100 * n) / d).toFixed(1)}%` : "n/a");
const ABBREVIATION: Record<InboundIntent, string> = {
  INTERESTED: "INT", MEETING_REQUEST: "MTG", QUESTION: "QST", OBJECTION: "OBJ", NOT_INTERESTED: "NI",
  UNSUBSCRIBE: "UNS", OUT_OF_OFFICE: "OOO", REFERRAL: "REF", BOUNCE: "BNC", OTHER: "OTH",
};

function accuracy(rows: Array<{ expected: InboundIntent; got: InboundIntent }>): number {
  return rows.filter((r) => r.expected === r.got).length;
}

/** Per-class recall/precision/F1 and the macro-F1 over the classes present in the labels. */
export function perClass(rows: Array<{ expected: InboundIntent; got: InboundIntent }>) {
  const classes = INBOUND_INTENTS.filter((c) => rows.some((r) => r.expected === c));
  const stats = classes.map((c) => {
    const tp = rows.filter((r) => r.expected === c && r.got === c).length;
    const support = rows.filter((r) => r.expected === c).length;
    const predicted = rows.filter((r) => r.got === c).length;
    const recall = support ? tp / support : 0;
    const precision = predicted ? tp / predicted : 0;
    const f1 = recall + precision ? (2 * recall * precision) / (recall + precision) : 0;
    return { intent: c, tp, support, predicted, recall, precision, f1 };
  });
  return { stats, macroF1: stats.reduce((s, x) => s + x.f1, 0) / (stats.length || 1) };
}

export function reportIntentSet(name: string, outcomes: IntentOutcome[], baseline: IntentBaseline | null, line: (s?: string) => void): void {
  const correct = accuracy(outcomes);
  const before = baseline
    ? outcomes.map((o) => ({ expected: o.expected, got: baseline.predictions[o.id]?.intent ?? "OTHER" }))
    : null;
  line(`  ${name}:`);
  line(
    `    intent accuracy ${before ? `before ${accuracy(before)}/${before.length} = ${pct(accuracy(before), before.length)} → ` : ""}now ${correct}/${outcomes.length} = ${pct(correct, outcomes.length)}` +
      `   macro-F1 ${before ? `${perClass(before).macroF1.toFixed(3)} → ` : ""}${perClass(outcomes).macroF1.toFixed(3)}`,
  );
  const beforeStats = before ? perClass(before).stats : null;
  line(`    ${"class".padEnd(16)} ${"recall".padStart(14)} ${"precision".padStart(10)}${beforeStats ? "   (before: recall / precision)" : ""}`);
  for (const s of perClass(outcomes).stats) {
    const b = beforeStats?.find((x) => x.intent === s.intent);
    line(
      `    ${s.intent.padEnd(16)} ${`${s.tp}/${s.support}`.padStart(6)} ${pct(s.tp, s.support).padStart(7)} ${pct(s.tp, s.predicted).padStart(10)}` +
        (b ? `   (${pct(b.tp, b.support)} / ${pct(b.tp, b.predicted)})` : ""),
    );
  }
  // Confusion summary: each expected class with what it was taken for, most frequent first.
  line("    confusion (expected → predicted ×count, misses only):");
  for (const s of perClass(outcomes).stats) {
    const wrong = new Map<InboundIntent, number>();
    for (const o of outcomes) if (o.expected === s.intent && o.got !== s.intent) wrong.set(o.got, (wrong.get(o.got) ?? 0) + 1);
    if (!wrong.size) continue;
    const parts = [...wrong.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([g, n]) => `${ABBREVIATION[g]}×${n}`);
    line(`      ${ABBREVIATION[s.intent].padEnd(4)} → ${parts.join(" ")}`);
  }
  const withAction = outcomes.filter((o) => o.expectedAction);
  const actionHits = withAction.filter((o) => o.expectedAction === o.gotAction).length;
  const beforeActionHits = baseline ? withAction.filter((o) => baseline.predictions[o.id]?.action === o.expectedAction).length : null;
  line(`    action agreement ${beforeActionHits !== null ? `before ${pct(beforeActionHits, withAction.length)} → ` : ""}now ${actionHits}/${withAction.length} = ${pct(actionHits, withAction.length)}`);
  const withEmail = outcomes.filter((o) => o.expectedReferralEmail && o.expected === o.got);
  if (withEmail.length) {
    const emailHits = withEmail.filter((o) => o.gotReferralEmail === o.expectedReferralEmail).length;
    line(`    referral address found (referrals recognised that name one): ${emailHits}/${withEmail.length}`);
  }
  if (baseline) {
    const fixed = outcomes.filter((o) => o.got === o.expected && baseline.predictions[o.id]?.intent !== o.expected).length;
    const broken = outcomes.filter((o) => o.got !== o.expected && baseline.predictions[o.id]?.intent === o.expected);
    line(`    against the baseline: ${fixed} fixed, ${broken.length} newly wrong${broken.length ? ` (${broken.map((o) => `${o.id} ${ABBREVIATION[o.expected]}→${ABBREVIATION[o.got]}`).join(", ")})` : ""}`);
  }
  const misses = outcomes.filter((o) => o.expected !== o.got);
  if (misses.length) line(`    misses: ${misses.map((m) => `${m.id} ${ABBREVIATION[m.expected]}→${ABBREVIATION[m.got]}`).join(", ")}`);
}

export function readBaseline(file: string): IntentBaseline | null {
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as IntentBaseline) : null;
}

export function writeBaseline(file: string, classifier: string, outcomes: IntentOutcome[]): void {
  const predictions: IntentBaseline["predictions"] = {};
  for (const o of outcomes) predictions[o.id] = { intent: o.got, action: o.gotAction };
  const baseline: IntentBaseline = { recorded: new Date().toISOString().slice(0, 10), classifier, predictions };
  writeFileSync(file, JSON.stringify(baseline, null, 1) + "\n");
}
