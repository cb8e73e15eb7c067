// Live events: the `events` subscription streams the caller's tenant's domain
// events as the outbox dispatcher publishes them — only those whose subject
// the subscriber could read (src/domain/event.ts), with e-mail addresses masked.
import { canReceiveEvent, eventForSubscriber, eventTypeMatches, type DomainEvent } from "../../domain/event.js";
import { builder } from "../builder.js";
import { decodeId } from "./global-id.js";

/** Whether the event is about the sequence (null: no filter). */
function aboutSequence(e: DomainEvent, sequenceId: string | null): boolean {
  if (sequenceId === null) return true;
  const p = e.payload as { sequenceId?: unknown; sequenceIds?: unknown };
  return p.sequenceId === sequenceId || (Array.isArray(p.sequenceIds) && p.sequenceIds.includes(sequenceId));
}

// An `events` result is executed once per event for all subscribers with the same operation, tenant
// and permissions (SHARED_RESULT_FIELDS in src/api/websocket.ts): these fields may depend on nothing else
// (no reads, nothing about the subscriber) — a field that does must come out of that list first.
export const EventType = builder.objectRef<DomainEvent>("Event").implement({
  description: "A domain event (`sales.<entity>.<verb>`), delivered at least once; `id` is stable across redeliveries.",
  fields: (t) => ({
    id: t.exposeID("id"),
    type: t.exposeString("type"),
    occurredAt: t.field({ type: "DateTime", resolve: (e) => new Date(e.occurredAt) }),
    actor: t.exposeString("actor"),
    payload: t.field({ type: "JSON", resolve: (e) => e.payload }),
  }),
});

// The type filter lives in the domain: outbound webhooks filter with the same rule.
export { eventTypeMatches };

/**
 * `generator` (which reads `source`), closed eagerly: return() closes the
 * source first. An async generator waiting inside `for await` queues a
 * return() until its next value arrives — for a quiet tenant that could be
 * never, leaving the pub/sub listener of a finished subscription behind.
 * Closing the source ends that wait at once, so the generator finishes.
 */
export function closingWith<T>(source: AsyncIterator<unknown>, generator: AsyncGenerator<T>): AsyncGenerator<T> {
  const wrapped: AsyncGenerator<T> = {
    next: (...args) => generator.next(...args),
    async return(value) {
      await source.return?.();
      return generator.return(value);
    },
    throw: (error) => generator.throw(error),
    [Symbol.asyncIterator]: () => wrapped,
    [Symbol.asyncDispose]: async () => void (await wrapped.return(undefined)),
  } as AsyncGenerator<T>;
  return wrapped;
}

/** Passes through the values `keep` accepts, and closes the source when the subscriber goes away. */
export function filterIterator<T>(source: AsyncIterableIterator<T>, keep: (value: T) => boolean): AsyncGenerator<T> {
  return closingWith(
    source,
    (async function* () {
      try {
        for await (const value of source) if (keep(value)) yield value;
      } finally {
        await source.return?.();
      }
    })(),
  );
}

builder.subscriptionField("events", (t) =>
  t.field({
    type: EventType,
    authScopes: { permission: "event:subscribe" },
    args: {
      types: t.arg.stringList({ required: false, description: "Event types to receive; `sales.draft.*` matches a prefix. Empty: all. Only events whose subject the caller may read are delivered (e.g. `sales.lead.*` needs lead:read)." }),
      sequenceId: t.arg.id({
        required: false,
        description: "Only events about this sequence (its payload's sequenceId, or sequenceIds for a branch): one sequence's enrolment progress, with types: [\"sales.sequence.*\"].",
      }),
    },
    subscribe: (_root, { types, sequenceId }, ctx) => {
      // An id that names no sequence matches nothing (rather than everything).
      const sequence = sequenceId == null ? null : (decodeId(String(sequenceId), "Sequence") ?? "none");
      // Checked per event against the subscriber's permissions at subscribe time (a removed or
      // revoked credential closes the socket at the next re-check).
      return filterIterator(
        ctx.services.bus.subscribe(ctx.principal!.tenantId),
        (e) => !!ctx.principal && canReceiveEvent(ctx.principal.permissions, e.type) && eventTypeMatches(types, e.type) && aboutSequence(e, sequence),
      );
    },
    resolve: (event) => eventForSubscriber(event),
  }),
);
