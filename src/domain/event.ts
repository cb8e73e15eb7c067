// Domain events, named `sales.<entity>.<verb>`. They are written to the
// transactional outbox with the change they announce and published on the
// tenant's topic; subscribers only ever see their own tenant's events.

export const EVENT_NAME = /^sales\.[a-z][a-z_]*\.[a-z][a-z_]*$/;

export interface DomainEvent<P extends Record<string, unknown> = Record<string, unknown>> {
  id: string;
  tenantId: string;
  type: string;
  occurredAt: string;
  /** Who caused it ("user:…", "apikey:…", "agent:…"). */
  actor: string;
  payload: P;
}

export function assertEventName(type: string): void {
  if (!EVENT_NAME.test(type)) throw new Error(`event name "${type}" does not follow sales.<entity>.<verb>`);
}
