// Fixtures for the agent tests: the app with fast-polling workers, raw
// messages, sent mail to learn a voice from, the shared inbound-email files,
// and waiting until a tenant's agent runs have settled.
import { readFile } from "node:fs/promises";
import { startTestApp, type TestApp } from "./app.js";
import { sql, waitFor } from "./operator.js";
import { fixturePath, sharedDataPath } from "./shared-data.js";

/** The service with the agent and send workers polling every half second: a reply is analysed, and a draft sent, within about a second. */
export function startAgentTestApp(): Promise<TestApp> {
  return startTestApp({ env: { AGENT_POLL_SECONDS: "0.5", SEND_POLL_SECONDS: "0.5" } });
}

/** A message of the shared inbound-email corpus; only in tests skipped when it is absent (helpers/shared-data.ts). */
export function inboundEmail(file: string): Promise<string> {
  return readFile(sharedDataPath("inbound-email", file), "utf8");
}

/** A raw message the project wrote itself (test/fixtures/inbound-email/), present in every clone. */
export function fixtureEmail(file: string): Promise<string> {
  return readFile(fixturePath("inbound-email", file), "utf8");
}

/** An RFC 5322 message with CRLF line ends. */
export function rawEmail(headers: Record<string, string>, body: string[]): string {
  return [...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), "", ...body].join("\r\n");
}

/** Oscar's sent mail: "Hey <name>!" … "Cheers," / "Oscar", short, casual, contractions. */
export const OSCAR_SENT_MAIL = [
  { subject: "Pilot kick-off", body: "Hey Sam!\n\nGreat chatting today. I'll send the deck tonight so you can share it with the team.\n\nCheers,\nOscar" },
  { subject: "Intro", body: "Hey Maria!\n\nLoved your post on onboarding. Want to compare notes next week? I'm free Tuesday or Thursday.\n\nCheers,\nOscar" },
  { subject: "Checking in", body: "Hey Tom!\n\nJust checking in on the trial. Anything blocking you? Happy to jump on a quick call.\n\nCheers,\nOscar" },
  { subject: "Numbers", body: "Hey Priya!\n\nHere's the rough math we talked about. It's not final, but it should help with the budget talk.\n\nCheers,\nOscar" },
];

export interface RunRow {
  id: string;
  agent: string;
  status: string;
  attempts: number;
  error: string | null;
  output: Record<string, unknown> | null;
  fallbackReason: string | null;
  priority: number;
  startedAt: Date | null;
}

export async function agentRuns(t: TestApp, tenantId: string): Promise<RunRow[]> {
  return sql<RunRow>(
    t.db,
    `SELECT "id", "agent", "status"::text, "attempts", "error", "output", "fallbackReason", "priority", "startedAt" FROM "AgentRun" WHERE "tenantId" = $1 ORDER BY "queuedAt", "id"`,
    [tenantId],
  );
}

/** Waits until the tenant has agent runs and none is queued or running; returns them. */
export async function agentsSettled(t: TestApp, tenantId: string, options: { timeoutMs?: number; atLeast?: number } = {}): Promise<RunRow[]> {
  return waitFor(
    async () => {
      const runs = await agentRuns(t, tenantId);
      return runs.length >= (options.atLeast ?? 1) && runs.every((r) => r.status !== "QUEUED" && r.status !== "RUNNING") ? runs : null;
    },
    options.timeoutMs ?? 30_000,
    "the agent runs to settle",
  );
}
