// Inbound webhooks (the TriggerAgent: event → job). Three parts:
//
// * Endpoints: inboundWebhookEndpointCreate / RotateSecret / Delete (ADMIN and
//   up, audited, `sales.inbound_webhook.*`). A GENERIC endpoint's secret is made
//   here and shown once; a HUBSPOT endpoint keeps the app's client secret the
//   admin gives. Both are sealed by the credential vault's key ring (AAD =
//   tenant + endpoint); during a rotation the previous one stays valid until
//   `previousSecretValidUntil`.
// * receiveInboundWebhook: the public routes' use case. The endpoint is found
//   by its unguessable public id (the one cross-tenant door,
//   app_inbound_webhook_endpoint; cached per instance, re-checked by the store
//   statement), the signature is checked over the raw body — nothing is parsed,
//   stored or trusted before — and a verified delivery is stored with its job
//   (group commit) and then acknowledged. A replay (same delivery id, or the
//   same signed content) is acknowledged and ignored.
// * processInboundDelivery: the job. A form submission becomes a lead through
//   lead ingest (identity rules, scoring), a FORM_SUBMISSION activity, and the
//   follow-up flow: the draft writer answers it (thread context, the owner's
//   voice) into the review queue. A HubSpot contact/company/deal change is
//   recorded (activity on the linked record, audit, event) and handed to the
//   CRM sync hook when the tenant has a HubSpot connection.
import { createHash, randomUUID } from "node:crypto";
import { z } from "zod";
import { withTenant, type Prisma, type Tx } from "../../data/database.js";
import { QUEUES } from "../../data/job-queue.js";
import { open, seal, type KeyRing } from "../../domain/connection/credential.js";
import {
  contentHash,
  deliveryIdFrom,
  generateInboundSecret,
  generatePublicId,
  GENERIC_HEADERS,
  HUBSPOT_HEADERS,
  hubspotDeliveryId,
  inboundSecretAad,
  leadInputOfForm,
  looksLikePublicId,
  MAX_ENDPOINT_NAME_LENGTH,
  MAX_PREVIOUS_SECRET_SECONDS,
  parseGenericPayload,
  parseHubSpotPayload,
  rotateInboundSecrets,
  validSecrets,
  verifyGeneric,
  type CrmChange,
  type FormSubmission,
  type InboundItem,
  type InboundSecrets,
  type InboundWebhookKind,
  type VerifyFailure,
} from "../../domain/inbound/inbound-webhook.js";
import { leadInputSchema } from "../../domain/lead/lead.js";
import { agentPrincipal } from "../../domain/access/principal.js";
import { readTenantSettings } from "../../domain/tenant/tenant.js";
import { fail, ok, userError, type Outcome } from "../../domain/user-error.js";
import { verifyHubSpotV3 } from "../../integrations/inbound-webhook/hubspot-signature.js";
import { recordActivity } from "../pipeline/activity.js";
import { createTaskInUnitOfWork } from "../pipeline/task.js";
import { unlinkHubspotRef } from "../connection/hubspot-sync.js";
import { enqueueAgent } from "../agent/agent-run.js";
import { ingestContext, retryOnUniqueViolation } from "../lead/lead.js";
import { ingestLead } from "../lead/lead-ingest.js";
import type { Services } from "../services.js";
import { runMutation, runUnitOfWork, type Actor, type UnitOfWork } from "../unit-of-work.js";
import { enrollByTrigger } from "../sequence/sequence.js";

// ---------------------------------------------------------------------------
// Endpoints
// ---------------------------------------------------------------------------

export const inboundWebhookEndpointCreateSchema = z
  .object({
    kind: z.enum(["HUBSPOT", "GENERIC"]),
    name: z.string().trim().min(1, "must not be empty").max(MAX_ENDPOINT_NAME_LENGTH),
    /** HUBSPOT only: the app's client secret (HubSpot signs its webhooks with it). */
    clientSecret: z.string().trim().min(8, "must be the HubSpot app's client secret").max(500).nullish(),
  })
  .superRefine((v, ctx) => {
    if (v.kind === "HUBSPOT" && !v.clientSecret) ctx.addIssue({ code: "custom", message: "is required for a HUBSPOT endpoint (the app's client secret)", path: ["clientSecret"] });
    if (v.kind === "GENERIC" && v.clientSecret) ctx.addIssue({ code: "custom", message: "is only for HUBSPOT endpoints; a GENERIC endpoint's secret is generated", path: ["clientSecret"] });
  });
export type InboundWebhookEndpointCreateInput = z.infer<typeof inboundWebhookEndpointCreateSchema>;

export const inboundWebhookEndpointRotateSchema = z.object({
  endpointId: z.string().uuid(),
  /** HUBSPOT: the app's new client secret; GENERIC: must be left out (a new secret is generated). */
  clientSecret: z.string().trim().min(8, "must be the HubSpot app's client secret").max(500).nullish(),
  /** How long the previous secret stays valid (0: refused at once); default INBOUND_WEBHOOK_SECRET_GRACE_SECONDS. */
  previousSecretValidSeconds: z.number().int().min(0).max(MAX_PREVIOUS_SECRET_SECONDS).nullish(),
});
export type InboundWebhookEndpointRotateInput = z.infer<typeof inboundWebhookEndpointRotateSchema>;

function ringOf(services: Pick<Services, "connectors">): KeyRing {
  if (!services.connectors) throw new Error("connectors (the credential vault) are not configured in these services");
  return services.connectors.vault.ring;
}

export function sealInboundSecrets(ring: KeyRing, tenantId: string, endpointId: string, secrets: InboundSecrets): string {
  return seal(ring, JSON.stringify(secrets), inboundSecretAad(tenantId, endpointId));
}

export function openInboundSecrets(ring: KeyRing, tenantId: string, endpointId: string, envelope: string): InboundSecrets {
  return JSON.parse(open(ring, envelope, inboundSecretAad(tenantId, endpointId))) as InboundSecrets;
}

/** The public path of an endpoint (no host). */
export function inboundWebhookPath(kind: InboundWebhookKind, publicId: string): string {
  return kind === "HUBSPOT" ? `/hooks/hubspot/${publicId}` : `/hooks/in/${publicId}`;
}

/** The public URL: PUBLIC_URL (or the address the service listens on) + the path. */
export function inboundWebhookUrl(services: Pick<Services, "config" | "mail">, kind: InboundWebhookKind, publicId: string): string {
  const base = (services.config.PUBLIC_URL ?? services.mail?.publicUrl ?? `http://localhost:${services.config.PORT}`).replace(/\/$/, "");
  return `${base}${inboundWebhookPath(kind, publicId)}`;
}

export async function createInboundWebhookEndpoint(
  services: Services,
  actor: Actor,
  input: InboundWebhookEndpointCreateInput,
  idempotencyKey?: string | null,
): Promise<Outcome<{ endpointId: string; secret: string | null }>> {
  const ring = ringOf(services);
  // The secret exists only in this closure: a replay of the idempotency key does not show it again.
  let secret: string | null = null;
  const outcome = await runMutation(
    services,
    actor,
    { operation: "inboundWebhookEndpointCreate", input: { kind: input.kind, name: input.name, clientSecret: input.clientSecret ? "(given)" : null }, idempotencyKey },
    async (uow) => {
      const tenantId = actor.principal.tenantId;
      const id = randomUUID();
      const current = input.kind === "GENERIC" ? generateInboundSecret() : input.clientSecret!;
      if (input.kind === "GENERIC") secret = current;
      await uow.tx.inboundWebhookEndpoint.create({
        data: {
          id,
          tenantId,
          publicId: generatePublicId(),
          kind: input.kind,
          name: input.name,
          secretEnvelope: sealInboundSecrets(ring, tenantId, id, { current }),
          keyId: ring.current.id,
          createdById: actor.principal.userId,
        },
      });
      const summary = { kind: input.kind, name: input.name };
      await uow.audit({ action: "inbound_webhook.endpoint_created", targetType: "InboundWebhookEndpoint", targetId: id, summary });
      await uow.emit("sales.inbound_webhook.endpoint_created", { endpointId: id, ...summary });
      return ok({ endpointId: id, secret: null as string | null });
    },
  );
  return outcome.ok ? ok({ endpointId: outcome.value.endpointId, secret }) : outcome;
}

export async function rotateInboundWebhookSecret(
  services: Services,
  actor: Actor,
  input: InboundWebhookEndpointRotateInput,
  idempotencyKey?: string | null,
): Promise<Outcome<{ endpointId: string; secret: string | null; previousValidUntil: Date | null }>> {
  const ring = ringOf(services);
  let secret: string | null = null;
  const outcome = await runMutation(
    services,
    actor,
    { operation: "inboundWebhookEndpointRotateSecret", input: { ...input, clientSecret: input.clientSecret ? "(given)" : null }, idempotencyKey },
    async (uow) => {
      const tenantId = actor.principal.tenantId;
      const rows = await uow.tx.$queryRaw<{ id: string }[]>`SELECT "id" FROM "InboundWebhookEndpoint" WHERE "id" = ${input.endpointId}::uuid FOR UPDATE`;
      const endpoint = rows.length ? await uow.tx.inboundWebhookEndpoint.findUnique({ where: { id: rows[0]!.id } }) : null;
      if (!endpoint) return fail(userError("NOT_FOUND", "No such inbound webhook endpoint.", ["input", "endpointId"]));
      if (endpoint.kind === "HUBSPOT" && !input.clientSecret) {
        return fail(userError("VALIDATION_FAILED", "A HUBSPOT endpoint takes the app's new client secret (HubSpot generates it).", ["input", "clientSecret"]));
      }
      if (endpoint.kind === "GENERIC" && input.clientSecret) {
        return fail(userError("VALIDATION_FAILED", "A GENERIC endpoint's secret is generated; give no clientSecret.", ["input", "clientSecret"]));
      }
      const now = new Date();
      const next = endpoint.kind === "GENERIC" ? generateInboundSecret() : input.clientSecret!;
      if (endpoint.kind === "GENERIC") secret = next;
      const graceSeconds = input.previousSecretValidSeconds ?? services.config.INBOUND_WEBHOOK_SECRET_GRACE_SECONDS;
      const rotated = rotateInboundSecrets(openInboundSecrets(ring, tenantId, endpoint.id, endpoint.secretEnvelope), next, now, graceSeconds);
      const previousValidUntil = rotated.previous ? new Date(rotated.previous.validUntil) : null;
      await uow.tx.inboundWebhookEndpoint.update({
        where: { id: endpoint.id },
        data: { secretEnvelope: sealInboundSecrets(ring, tenantId, endpoint.id, rotated), keyId: ring.current.id, previousSecretValidUntil: previousValidUntil },
      });
      const summary = { kind: endpoint.kind, previousValidUntil: previousValidUntil?.toISOString() ?? null };
      await uow.audit({ action: "inbound_webhook.secret_rotated", targetType: "InboundWebhookEndpoint", targetId: endpoint.id, summary });
      await uow.emit("sales.inbound_webhook.secret_rotated", { endpointId: endpoint.id, ...summary });
      return ok({ endpointId: endpoint.id, secret: null as string | null, previousValidUntil });
    },
  );
  return outcome.ok ? ok({ ...outcome.value, secret }) : outcome;
}

export async function deleteInboundWebhookEndpoint(
  services: Services,
  actor: Actor,
  input: { endpointId: string },
  idempotencyKey?: string | null,
): Promise<Outcome<{ endpointId: string }>> {
  return runMutation(services, actor, { operation: "inboundWebhookEndpointDelete", input, idempotencyKey }, async (uow) => {
    const endpoint = await uow.tx.inboundWebhookEndpoint.findUnique({ where: { id: input.endpointId } });
    if (!endpoint) return fail(userError("NOT_FOUND", "No such inbound webhook endpoint.", ["input", "endpointId"]));
    // Its deliveries go with it (ON DELETE CASCADE); queued jobs find no delivery and stop. Its URL answers 404 from now on.
    await uow.tx.inboundWebhookEndpoint.delete({ where: { id: endpoint.id } });
    const summary = { kind: endpoint.kind, name: endpoint.name };
    await uow.audit({ action: "inbound_webhook.endpoint_deleted", targetType: "InboundWebhookEndpoint", targetId: endpoint.id, summary });
    await uow.emit("sales.inbound_webhook.endpoint_deleted", { endpointId: endpoint.id, ...summary });
    return ok({ endpointId: endpoint.id });
  });
}

// ---------------------------------------------------------------------------
// Receiving (the public routes)
// ---------------------------------------------------------------------------

export interface InboundRequest {
  kind: InboundWebhookKind;
  publicId: string;
  method: string;
  /** The full URIs the sender may have signed (HubSpot v3): PUBLIC_URL + path, and the Host header's. */
  urls: string[];
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export type ReceiveOutcome =
  | { status: "ACCEPTED"; deliveryId: string }
  | { status: "DUPLICATE" }
  | { status: "UNKNOWN_ENDPOINT" }
  | { status: "REFUSED"; reason: VerifyFailure }
  | { status: "NOT_TEXT" };

/** The job's data. */
export interface InboundWebhookJob {
  tenantId: string;
  deliveryId: string;
}

function header(headers: InboundRequest["headers"], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Verifies, stores and enqueues one delivery. Throws only on infrastructure failures (the route answers 500; the sender retries). */
export async function receiveInboundWebhook(services: Services, request: InboundRequest, wake?: () => void): Promise<ReceiveOutcome> {
  if (!looksLikePublicId(request.publicId)) return { status: "UNKNOWN_ENDPOINT" };
  // The endpoint as cached by this instance, else as the database has it. A cached one may be stale (rotated,
  // re-sealed or deleted, maybe by another instance). Two checks keep that harmless: the store statement only
  // stores a delivery while the endpoint's sealed secrets are still those it was verified with (else
  // STALE_ENDPOINT), and a signature the cached secrets refuse is checked once more against the database's
  // (it may be signed with a secret rotated in elsewhere). Refused requests thus cost a look-up, as they did.
  const cached = endpointCache(services).get(request.publicId);
  let endpoint = cached ?? (await lookUpEndpoint(services, request.publicId));
  let fromCache = cached !== undefined;
  for (;;) {
    const outcome = await receiveAt(services, endpoint, request);
    const stale = outcome === STALE_ENDPOINT;
    if (fromCache && (stale || (outcome.status === "REFUSED" && outcome.reason === "BAD_SIGNATURE"))) {
      const fresh = await lookUpEndpoint(services, request.publicId);
      // The same endpoint with the same secrets: the refusal stands.
      if (!stale && fresh === endpoint) return outcome;
      endpoint = fresh;
      fromCache = false;
      continue;
    }
    if (stale) {
      // Changed again between the look-up and the store: the sender retries.
      forgetEndpoint(services, request.publicId);
      throw new Error("the endpoint changed while its delivery was being stored");
    }
    if (outcome.status === "ACCEPTED") wake?.();
    return outcome;
  }
}

/** What storeDelivery answers when the endpoint's secrets are not the ones the delivery was verified with (or it is gone). */
const STALE_ENDPOINT = Symbol("stale endpoint");

async function receiveAt(services: Services, endpoint: KnownEndpoint | null, request: InboundRequest): Promise<ReceiveOutcome | typeof STALE_ENDPOINT> {
  // An id of the other kind (a HubSpot endpoint's id on /hooks/in) is as unknown as a made-up one.
  if (!endpoint || endpoint.kind !== request.kind) return { status: "UNKNOWN_ENDPOINT" };
  const now = new Date();
  const secrets = validSecrets(endpoint.secrets, now);
  const tolerance = services.config.INBOUND_WEBHOOK_TOLERANCE_SECONDS;

  let deliveryId: string | null;
  let hash: string;
  if (request.kind === "GENERIC") {
    const timestamp = header(request.headers, GENERIC_HEADERS.timestamp);
    const verified = verifyGeneric({ secrets, timestamp, signature: header(request.headers, GENERIC_HEADERS.signature), body: request.body, now, toleranceSeconds: tolerance });
    if (!verified.ok) return { status: "REFUSED", reason: verified.reason };
    hash = contentHash(timestamp!, request.body);
    deliveryId = deliveryIdFrom(header(request.headers, GENERIC_HEADERS.id));
  } else {
    const timestamp = header(request.headers, HUBSPOT_HEADERS.timestamp);
    const verified = verifyHubSpotV3({
      secrets,
      method: request.method,
      urls: request.urls,
      body: request.body,
      signature: header(request.headers, HUBSPOT_HEADERS.signature),
      timestamp,
      now,
      toleranceSeconds: tolerance,
    });
    if (!verified.ok) return { status: "REFUSED", reason: verified.reason };
    hash = contentHash(timestamp!, request.body);
    deliveryId = null;
  }
  // Only now, with the signature holding, is the body read as text (and, for HubSpot's id, as JSON).
  const text = request.body.toString("utf8");
  if (text.includes("\u0000") || !Buffer.from(text, "utf8").equals(request.body)) return { status: "NOT_TEXT" };
  if (!deliveryId) {
    if (request.kind === "HUBSPOT") {
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = null;
      }
      deliveryId = hubspotDeliveryId(parsed, contentHash(request.body));
    } else deliveryId = `body:${hash}`;
  }

  const stored = await storeDelivery(services, endpoint.tenantId, {
    endpointId: endpoint.endpointId,
    secretsVersion: endpoint.secretsVersion,
    deliveryId,
    contentHash: hash,
    body: text,
  });
  if (stored === STALE_ENDPOINT) return STALE_ENDPOINT;
  if (!stored) return { status: "DUPLICATE" };
  return { status: "ACCEPTED", deliveryId: stored };
}

/** An endpoint as the public routes need it: whose it is, its kind, and its opened secrets. */
interface KnownEndpoint {
  tenantId: string;
  endpointId: string;
  kind: InboundWebhookKind;
  envelope: string;
  /** SHA-256 (hex) of that sealed envelope: the store statement compares it with the row's. */
  secretsVersion: string;
  secrets: InboundSecrets;
}

/**
 * Endpoints by public id, per database, as this instance last read them — so a delivery costs no look-up.
 * Nothing here is taken on trust at store time (see receiveInboundWebhook): no delivery is stored for an
 * endpoint whose secrets changed or that is gone, whichever instance changed it. Unknown ids are not cached.
 */
const endpointCaches = new WeakMap<object, Map<string, KnownEndpoint>>();
const ENDPOINT_CACHE_MAX = 10_000;

function endpointCache(services: Services): Map<string, KnownEndpoint> {
  let cache = endpointCaches.get(services.db);
  if (!cache) endpointCaches.set(services.db, (cache = new Map()));
  return cache;
}

async function cachedEndpoint(services: Services, publicId: string): Promise<KnownEndpoint | null> {
  return endpointCache(services).get(publicId) ?? lookUpEndpoint(services, publicId);
}

function forgetEndpoint(services: Services, publicId: string): void {
  endpointCache(services).delete(publicId);
}

/** The endpoint a public id names, read from the database (the one cross-tenant door, app_inbound_webhook_endpoint), and cached. */
async function lookUpEndpoint(services: Services, publicId: string): Promise<KnownEndpoint | null> {
  const { rows } = await services.db.pool.query<{ tenant_id: string; endpoint_id: string; kind: InboundWebhookKind; secret_envelope: string }>(
    "SELECT tenant_id, endpoint_id, kind, secret_envelope FROM app_inbound_webhook_endpoint($1)",
    [publicId],
  );
  const cache = endpointCache(services);
  const row = rows[0];
  if (!row) {
    cache.delete(publicId);
    return null;
  }
  const known = cache.get(publicId);
  // Opened again only when the envelope changed (a rotation, or the key ring re-sealed it).
  const endpoint: KnownEndpoint =
    known && known.envelope === row.secret_envelope && known.endpointId === row.endpoint_id
      ? known
      : {
          tenantId: row.tenant_id,
          endpointId: row.endpoint_id,
          kind: row.kind,
          envelope: row.secret_envelope,
          secretsVersion: createHash("sha256").update(row.secret_envelope, "utf8").digest("hex"),
          secrets: openInboundSecrets(ringOf(services), row.tenant_id, row.endpoint_id, row.secret_envelope),
        };
  // Bounded: the oldest entry makes room (Map keeps insertion order).
  if (!known && cache.size >= ENDPOINT_CACHE_MAX) cache.delete(cache.keys().next().value!);
  cache.set(publicId, endpoint);
  return endpoint;
}

type StoreRequest = { tenantId: string; endpointId: string; secretsVersion: string; deliveryId: string; contentHash: string; body: string };
/** Stored: the row's id; a replay: null; the endpoint changed or went since it was read: STALE_ENDPOINT. */
type StoreResult = string | null | typeof STALE_ENDPOINT;
type Pending = StoreRequest & { id: string; resolve: (result: StoreResult) => void; reject: (error: unknown) => void };

/** The row's counterpart of KnownEndpoint.secretsVersion. */
const SECRETS_VERSION_SQL = `encode(sha256(convert_to(e."secretEnvelope", 'UTF8')), 'hex')`;

/** Deliveries waiting for their group commit, per database (see storeDelivery). */
const batchers = new WeakMap<object, { queue: Pending[]; inFlight: number }>();
/**
 * Group commits in flight at once per process (one commits while the next collects); deliveries arriving
 * meanwhile wait and go in the next, larger, batch. A batch is started BATCH_WINDOW_MS after its first
 * delivery: each transaction costs PostgreSQL about 1 ms of CPU whatever its size (bench/RESULTS.md), so
 * collecting for a few milliseconds cut the database's CPU per delivery by about 40 % at 200/s, for those
 * milliseconds more to the 2xx.
 */
const MAX_IN_FLIGHT = 2;
const BATCH_WINDOW_MS = 3;
const MAX_BATCH = 500;

/**
 * Stores a verified delivery and enqueues its job; returns null for a replay (either unique key), STALE_ENDPOINT
 * when the endpoint's secrets changed (or it went) since the delivery was verified. Deliveries
 * that arrive together are stored together (group commit): one transaction per tenant under its context
 * (row-level security applies as everywhere) with one multi-row INSERT … ON CONFLICT DO NOTHING and one pg-boss
 * insert of all their jobs. Plain pg: four round trips per batch instead of per delivery. A failed batch fails
 * each of its deliveries (the route answers 500; the senders retry).
 */
function storeDelivery(services: Services, tenantId: string, d: Omit<StoreRequest, "tenantId">): Promise<StoreResult> {
  let batcher = batchers.get(services.db);
  if (!batcher) batchers.set(services.db, (batcher = { queue: [], inFlight: 0 }));
  const b = batcher;
  return new Promise((resolve, reject) => {
    b.queue.push({ ...d, tenantId, id: randomUUID(), resolve, reject });
    if (b.inFlight < MAX_IN_FLIGHT) {
      b.inFlight++;
      // Once the deliveries of the next few milliseconds have queued theirs.
      setTimeout(() => void drain(services, b), BATCH_WINDOW_MS);
    }
  });
}

async function drain(services: Services, b: { queue: Pending[]; inFlight: number }): Promise<void> {
  try {
    while (b.queue.length) {
      const batch = b.queue.splice(0, MAX_BATCH);
      const byTenant = new Map<string, Pending[]>();
      for (const p of batch) byTenant.set(p.tenantId, [...(byTenant.get(p.tenantId) ?? []), p]);
      await Promise.all(
        [...byTenant].map(async ([tenantId, group]) => {
          try {
            const results = await storeBatch(services, tenantId, group);
            for (const p of group) p.resolve(results.get(p.id) ?? null);
          } catch (error) {
            for (const p of group) p.reject(error);
          }
        }),
      );
    }
  } finally {
    b.inFlight--;
  }
}

async function storeBatch(services: Services, tenantId: string, group: Pending[]): Promise<Map<string, StoreResult>> {
  const client = await services.db.pool.connect();
  let failed = false;
  try {
    // BEGIN and the tenant context in one round trip (simple protocol: the values are inlined — a uuid read
    // from our own table, re-checked here, and an integer from the configuration).
    if (!/^[0-9a-f-]{36}$/i.test(tenantId)) throw new Error("unexpected tenant id");
    const timeout = Math.trunc(services.config.DATABASE_STATEMENT_TIMEOUT_MS);
    await client.query(`BEGIN; SELECT set_config('app.tenant_id', '${tenantId}', true), set_config('app.user_id', '', true), set_config('statement_timeout', '${timeout}', true)`);
    // The body is sealed at rest like message bodies (src/data/field-encryption.ts); reads through Prisma open it.
    // A replay (either unique key, also twice in one batch) is skipped by ON CONFLICT DO NOTHING. So is a delivery
    // whose endpoint's sealed secrets are no longer those it was verified with (or that is gone): the endpoint
    // may come from this instance's cache, and the database has the last word.
    const inserted = await client.query<{ id: string }>(
      `INSERT INTO "InboundWebhookDelivery" ("id", "tenantId", "endpointId", "deliveryId", "contentHash", "body", "eventTypes")
       SELECT d.id, $1::uuid, d."endpointId", d."deliveryId", d."contentHash", d.body, ARRAY[]::text[]
         FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[]) WITH ORDINALITY AS d(id, "endpointId", "secretsVersion", "deliveryId", "contentHash", body, n)
         JOIN "InboundWebhookEndpoint" e ON e."id" = d."endpointId" AND ${SECRETS_VERSION_SQL} = d."secretsVersion"
        ORDER BY d.n
       ON CONFLICT DO NOTHING
       RETURNING "id"`,
      [
        tenantId,
        group.map((p) => p.id),
        group.map((p) => p.endpointId),
        group.map((p) => p.secretsVersion),
        group.map((p) => p.deliveryId),
        group.map((p) => p.contentHash),
        group.map((p) => services.db.fields?.sealText("InboundWebhookDelivery", "body", tenantId, p.body) ?? p.body),
      ],
    );
    const ids = new Set(inserted.rows.map((r) => r.id));
    const results = new Map<string, StoreResult>([...ids].map((id) => [id, id]));
    const skipped = group.filter((p) => !ids.has(p.id));
    if (skipped.length) {
      // A replay, or an endpoint changed since it was read? (Rare: asked only when something was skipped.)
      const { rows } = await client.query<{ id: string; version: string }>(
        `SELECT e."id", ${SECRETS_VERSION_SQL} AS version FROM "InboundWebhookEndpoint" e WHERE e."id" = ANY($1::uuid[])`,
        [[...new Set(skipped.map((p) => p.endpointId))]],
      );
      const current = new Map(rows.map((r) => [r.id, r.version]));
      for (const p of skipped) results.set(p.id, current.get(p.endpointId) === p.secretsVersion ? null : STALE_ENDPOINT);
    }
    if (ids.size) {
      const jobs = [...ids].map((deliveryId) => ({ name: QUEUES.inboundWebhook.name, data: { tenantId, deliveryId } satisfies InboundWebhookJob, singletonKey: deliveryId }));
      // pg-boss 10's insert answers nothing; its statement's row count says how many jobs it made (none when the queue is missing).
      let made = 0;
      await services.jobs.boss.insert(jobs, {
        db: {
          executeSql: async (text: string, values: unknown[]) => {
            const result = await client.query(text, values);
            made = result.rowCount ?? 0;
            return result;
          },
        },
      });
      if (made !== jobs.length) {
        throw new Error(`queue ${QUEUES.inboundWebhook.name} did not accept the jobs: is it installed (npm run db:migrate)?`);
      }
    }
    await client.query("COMMIT");
    return results;
  } catch (error) {
    failed = true;
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release(failed);
  }
}

// ---------------------------------------------------------------------------
// Processing (the job)
// ---------------------------------------------------------------------------

/** The tenant's SERVICE principal for inbound webhooks: leads and drafts go through the use cases as it. */
export function inboundWebhookActor(tenantId: string, requestId: string = randomUUID()): Actor {
  return { principal: agentPrincipal(tenantId, "inbound-webhooks"), meta: { requestId, traceId: null } };
}

/**
 * Where a verified CRM change goes when the tenant has a HubSpot connection:
 * the HubSpot sync (src/integrations/hubspot/, issue 11's "Sync both ways")
 * plugs in here — e.g. enqueue an incremental sync of that object — in the
 * delivery's unit of work. Until it does, the change is recorded only.
 */
export type CrmChangeHandler = (
  services: Services,
  uow: UnitOfWork,
  input: { connectionId: string; change: CrmChange; deliveryId: string },
) => Promise<{ syncQueued: boolean }>;

export const recordOnlyCrmChange: CrmChangeHandler = async () => ({ syncQueued: false });

export interface ProcessOptions {
  onCrmChange?: CrmChangeHandler;
}

interface ItemResult {
  kind: InboundItem["kind"];
  type: string;
  leadId?: string | null;
  result?: string;
  draftRunId?: string | null;
  activityId?: string | null;
  syncQueued?: boolean;
  /** Deletion events: records of ours unlinked, and the erasure tasks a privacy deletion opened. */
  unlinked?: number;
  erasureTaskIds?: string[];
  error?: string;
}

type ProcessValue = { status: "PROCESSED" | "IGNORED" | "FAILED" | "ALREADY_DONE" | "GONE"; items: ItemResult[] };

/** Processes one stored delivery, once: under the row's lock, only a RECEIVED delivery is acted on. */
export async function processInboundDelivery(services: Services, job: InboundWebhookJob, options: ProcessOptions = {}): Promise<ProcessValue> {
  const actor = inboundWebhookActor(job.tenantId);
  const outcome = await retryOnUniqueViolation(() =>
    runUnitOfWork<ProcessValue>(services, actor, async (uow) => {
      const locked = await uow.tx.$queryRaw<{ id: string }[]>`SELECT "id" FROM "InboundWebhookDelivery" WHERE "id" = ${job.deliveryId}::uuid FOR UPDATE`;
      if (!locked.length) return ok({ status: "GONE", items: [] });
      const delivery = await uow.tx.inboundWebhookDelivery.findUniqueOrThrow({ where: { id: job.deliveryId }, include: { endpoint: { select: { id: true, kind: true } } } });
      if (delivery.status !== "RECEIVED") return ok({ status: "ALREADY_DONE", items: [] });
      const kind = delivery.endpoint.kind;

      let parsed: unknown;
      let items: InboundItem[];
      try {
        parsed = JSON.parse(delivery.body);
        items = kind === "HUBSPOT" ? parseHubSpotPayload(parsed) : parseGenericPayload(parsed);
      } catch {
        items = [{ kind: "UNSUPPORTED", type: "not JSON" }];
      }

      const results: ItemResult[] = [];
      for (const item of items) {
        if (item.kind === "FORM") results.push(await handleForm(services, uow, kind, delivery.id, delivery.endpoint.id, item.form));
        else if (item.kind === "CRM_CHANGE") results.push(await handleCrmChange(services, uow, delivery.id, item.change, options.onCrmChange ?? recordOnlyCrmChange));
        else results.push({ kind: "UNSUPPORTED", type: item.type });
      }
      const acted = results.filter((r) => r.kind !== "UNSUPPORTED" && !r.error);
      const errors = results.filter((r) => r.error).map((r) => r.error!);
      const status = acted.length ? "PROCESSED" : errors.length ? "FAILED" : "IGNORED";
      const error = errors.length ? errors.join(" ").slice(0, 1000) : status === "IGNORED" ? `Nothing to act on: ${results.map((r) => r.type).join(", ")}`.slice(0, 1000) : null;
      await uow.tx.inboundWebhookDelivery.update({
        where: { id: delivery.id },
        data: {
          status,
          processedAt: new Date(),
          attempts: { increment: 1 },
          eventTypes: [...new Set(results.map((r) => r.type))].slice(0, 50),
          result: { items: results } as unknown as Prisma.InputJsonValue,
          error,
        },
      });
      const summary = { endpointId: delivery.endpoint.id, kind, deliveryId: delivery.deliveryId, status, items: results.length };
      await uow.audit({ action: "inbound_webhook.delivery_processed", targetType: "InboundWebhookDelivery", targetId: delivery.id, summary });
      await uow.emit("sales.inbound_webhook.delivery_processed", { inboundWebhookDeliveryId: delivery.id, ...summary });
      return ok({ status, items: results });
    }),
  );
  if (!outcome.ok) throw new Error(outcome.errors.map((e) => e.message).join(" "));
  return outcome.value;
}

/** After the job's last attempt failed: the delivery says so (it is never processed twice). */
export async function markDeliveryFailed(services: Services, job: InboundWebhookJob, message: string): Promise<void> {
  await withTenant(services.db.prisma, { tenantId: job.tenantId }, (tx) =>
    tx.inboundWebhookDelivery.updateMany({
      where: { id: job.deliveryId, status: "RECEIVED" },
      data: { status: "FAILED", error: message.slice(0, 1000), processedAt: new Date(), attempts: { increment: 1 } },
    }),
  );
}

function leadInputFor(form: FormSubmission, kind: InboundWebhookKind) {
  const full = leadInputSchema.safeParse(leadInputOfForm(form, kind));
  if (full.success) return full;
  // A field we cannot use (a malformed website, a long phone) must not lose the lead: keep the person.
  return leadInputSchema.safeParse({ email: form.email, firstName: form.firstName ?? undefined, lastName: form.lastName ?? undefined, source: kind === "HUBSPOT" ? "hubspot_form" : "web_form" });
}

async function handleForm(services: Services, uow: UnitOfWork, kind: InboundWebhookKind, deliveryId: string, endpointId: string, form: FormSubmission): Promise<ItemResult> {
  const type = "form.submission";
  const input = leadInputFor(form, kind);
  if (!input.success) return { kind: "FORM", type, error: `The submission's e-mail address is not usable: ${input.error.issues[0]?.message ?? "invalid"}.` };
  const system = kind === "HUBSPOT" ? "hubspot" : "webform";
  const ctx = await ingestContext(uow, { source: input.data.source ?? "web_form", system });
  const ingested = await ingestLead(uow, ctx, input.data, ["body"]);
  if (!ingested.ok) return { kind: "FORM", type, error: ingested.errors.map((e) => e.message).join(" ").slice(0, 500) };
  const { leadId, result } = ingested.value;
  const lead = await uow.tx.lead.findUniqueOrThrow({ where: { id: leadId }, select: { contactId: true } });
  // The submission on the lead's timeline (and its engagement rescored).
  const activity = await recordActivity(services, uow, {
    type: "FORM_SUBMISSION",
    direction: "INBOUND",
    occurredAt: form.submittedAt ? new Date(form.submittedAt) : new Date(),
    subject: form.formName ? `Form: ${form.formName}`.slice(0, 998) : "Form submission",
    body: form.message ?? undefined,
    leadId,
    contactId: lead.contactId ?? undefined,
    metadata: { inboundWebhookDeliveryId: deliveryId, endpointId, pageUrl: form.pageUrl, source: kind === "HUBSPOT" ? "hubspot" : "webhook" },
  });
  // The follow-up: the draft writer answers the submission into the review queue (as it answers an inbound e-mail).
  const tenant = await uow.tx.tenant.findUniqueOrThrow({ where: { id: uow.actor.principal.tenantId }, select: { settings: true } });
  const tenantSettings = readTenantSettings(tenant.settings);
  const agents = tenantSettings.agents;
  // Trigger (issue 12): the tenant's form sequence enrols the person; its first step is then the follow-up, so no
  // second, one-off reply draft is written. A refusal (already enrolled, suppressed…) leaves the usual reply.
  const formSequenceId = tenantSettings.sequences.formSequenceId;
  const enrolled = formSequenceId && lead.contactId ? await enrollByTrigger(services, uow, formSequenceId, lead.contactId, "FORM_SUBMISSION") : null;
  let draftRunId: string | null = null;
  if (agents.draftReplies && lead.contactId && !enrolled?.enrollmentId) {
    const run = await enqueueAgent(services, uow, {
      agent: "draft-writer",
      input: {
        kind: "REPLY",
        contactId: lead.contactId,
        leadId,
        formSubmission: { formName: form.formName, message: form.message, pageUrl: form.pageUrl },
        then: { recommend: agents.recommendAfterInbound },
      },
      leadId,
    });
    draftRunId = run.runId;
  }
  const summary = { deliveryId, endpointId, leadId, result, activityId: activity.ok ? activity.value.activityId : null, draftRunId };
  await uow.audit({ action: "inbound_webhook.form_received", targetType: "Lead", targetId: leadId, summary });
  await uow.emit("sales.inbound_webhook.form_received", { inboundWebhookDeliveryId: deliveryId, endpointId, leadId, contactId: lead.contactId, result, agentRunId: draftRunId });
  return { kind: "FORM", type, leadId, result, activityId: summary.activityId, draftRunId };
}

const ENTITY_OF: Record<CrmChange["objectType"], string | null> = { contact: "Lead", company: "Company", deal: "Deal", other: null };

async function linkedRecord(tx: Tx, change: CrmChange): Promise<{ leadId?: string; dealId?: string; contactId?: string } | null> {
  const entityType = ENTITY_OF[change.objectType];
  if (!entityType || !change.objectId) return null;
  const refs = await tx.externalRef.findMany({ where: { system: "hubspot", externalId: change.objectId, entityType: { in: change.objectType === "contact" ? ["Lead", "Contact"] : [entityType] } }, take: 2 });
  const lead = refs.find((r) => r.entityType === "Lead");
  if (lead) return { leadId: lead.entityId };
  const contact = refs.find((r) => r.entityType === "Contact");
  if (contact) return { contactId: contact.entityId };
  const deal = refs.find((r) => r.entityType === "Deal");
  if (deal) return { dealId: deal.entityId };
  return null;
}

async function handleCrmChange(services: Services, uow: UnitOfWork, deliveryId: string, change: CrmChange, onCrmChange: CrmChangeHandler): Promise<ItemResult> {
  const type = change.subscriptionType;
  // On the linked record's timeline, when we know it (the sync links records through ExternalRef).
  const linked = await linkedRecord(uow.tx, change);
  let activityId: string | null = null;
  if (linked) {
    const what = change.propertyName ? `${change.propertyName} → ${change.propertyValue ?? "(empty)"}` : (change.subscriptionType.split(".")[1] ?? "changed");
    const logged = await recordActivity(services, uow, {
      type: "NOTE",
      direction: "INTERNAL",
      occurredAt: change.occurredAt ? new Date(change.occurredAt) : new Date(),
      subject: `HubSpot ${change.objectType}: ${what}`.slice(0, 998),
      ...linked,
      metadata: { inboundWebhookDeliveryId: deliveryId, hubspot: change },
    });
    if (logged.ok) activityId = logged.value.activityId;
  }
  const deletion = DELETION_EVENTS[change.subscriptionType];
  const removed = deletion && change.objectId ? await unlinkDeletedRecord(uow, deliveryId, change.objectId, change.objectType, deletion, change.occurredAt ? new Date(change.occurredAt) : new Date()) : null;
  const connection = await uow.tx.connection.findFirst({ where: { provider: "HUBSPOT", status: "ACTIVE" }, select: { id: true } });
  const { syncQueued } = connection ? await onCrmChange(services, uow, { connectionId: connection.id, change, deliveryId }) : { syncQueued: false };
  const summary = {
    deliveryId,
    subscriptionType: type,
    objectType: change.objectType,
    objectId: change.objectId,
    propertyName: change.propertyName,
    linked: !!linked,
    activityId,
    hubspotConnected: !!connection,
    syncQueued,
    ...(removed ? { unlinked: removed.unlinked, erasureTaskIds: removed.erasureTaskIds } : {}),
  };
  await uow.audit({ action: "inbound_webhook.crm_change", targetType: "InboundWebhookDelivery", targetId: deliveryId, summary });
  await uow.emit("sales.inbound_webhook.crm_change", { inboundWebhookDeliveryId: deliveryId, ...summary });
  return { kind: "CRM_CHANGE", type, activityId, syncQueued, leadId: linked?.leadId ?? null, ...(removed ? { unlinked: removed.unlinked, erasureTaskIds: removed.erasureTaskIds } : {}) };
}

/** HubSpot's deletion subscriptions: a record deleted (archived) there, or a contact deleted for privacy (GDPR). */
const DELETION_EVENTS: Record<string, "deleted" | "privacy_deleted"> = {
  "contact.deletion": "deleted",
  "company.deletion": "deleted",
  "deal.deletion": "deleted",
  "contact.privacyDeletion": "privacy_deleted",
};

/**
 * A HubSpot record was deleted: ours are unlinked, never deleted (the same rule as the
 * reconcile's archived records). A privacy deletion is the person's erasure request to the
 * tenant: ours are not erased here — contactErase destroys data for good and is a manager's
 * decision (contact:erase), which a signed webhook is not — but the contact is marked
 * do-not-contact at once, and a task asks a person to erase it (contactErase) or record why not.
 */
async function unlinkDeletedRecord(
  uow: UnitOfWork,
  deliveryId: string,
  hubspotId: string,
  objectType: CrmChange["objectType"],
  reason: "deleted" | "privacy_deleted",
  at: Date,
): Promise<{ unlinked: number; erasureTaskIds: string[] }> {
  const entityTypes = objectType === "contact" ? ["Contact", "Lead"] : objectType === "company" ? ["Company"] : objectType === "deal" ? ["Deal"] : [];
  const refs = await uow.tx.externalRef.findMany({ where: { system: "hubspot", entityType: { in: entityTypes }, externalId: hubspotId }, orderBy: { createdAt: "asc" } });
  for (const ref of refs) await unlinkHubspotRef(uow, ref, { reason, at, deliveryId });
  const erasureTaskIds: string[] = [];
  if (reason !== "privacy_deleted") return { unlinked: refs.length, erasureTaskIds };
  const leadIds = refs.filter((r) => r.entityType === "Lead").map((r) => r.entityId);
  const leadContacts = leadIds.length ? await uow.tx.lead.findMany({ where: { id: { in: leadIds } }, select: { contactId: true } }) : [];
  const contactIds = [...new Set([...refs.filter((r) => r.entityType === "Contact").map((r) => r.entityId), ...leadContacts.map((l) => l.contactId).filter((id): id is string => !!id)])];
  for (const contactId of contactIds) {
    const contact = await uow.tx.contact.findUnique({ where: { id: contactId }, select: { attributes: true, ownerId: true } });
    if (!contact) continue;
    const request = { hubspotId, requestedAt: at.toISOString(), deliveryId };
    await uow.tx.contact.update({ where: { id: contactId }, data: { doNotContact: true, attributes: { ...(contact.attributes as object), hubspotPrivacyDeletion: request } } });
    const task = await createTaskInUnitOfWork(uow, {
      title: "Erase this contact? HubSpot deleted them for privacy",
      description: `HubSpot contact ${hubspotId} was deleted for privacy (a GDPR deletion) on ${at.toISOString()}. They are marked do-not-contact here. Erase them with contactErase, or record why their data is kept.`,
      contactId,
      assigneeId: contact.ownerId ?? undefined,
    });
    const taskId = task.ok ? task.value.taskId : null;
    if (taskId) erasureTaskIds.push(taskId);
    await uow.audit({ action: "contact.erasure_requested", targetType: "Contact", targetId: contactId, summary: { source: "hubspot", hubspotId, deliveryId, doNotContact: true, taskId } });
    await uow.emit("sales.connection.crm_erasure_requested", { contactId, hubspotId, taskId });
  }
  return { unlinked: refs.length, erasureTaskIds };
}
