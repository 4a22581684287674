import { EntitySchema } from 'typeorm';

export interface OutboxMessage {
  /** The event's eventId; becomes Nats-Msg-Id when relayed. */
  id: string;
  subject: string;
  payload: unknown;
  headers: Record<string, string>;
  createdAt: Date;
  publishedAt: Date | null;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: Date;
}

/** Table `<service schema>.outbox`; the schema comes from the service's DataSource. */
export const OutboxMessageEntity = new EntitySchema<OutboxMessage>({
  name: 'OutboxMessage',
  tableName: 'outbox',
  columns: {
    id: { type: 'uuid', primary: true },
    subject: { type: 'text' },
    payload: { type: 'jsonb' },
    headers: { type: 'jsonb', default: () => `'{}'::jsonb` },
    createdAt: { name: 'created_at', type: 'timestamptz', createDate: true },
    publishedAt: { name: 'published_at', type: 'timestamptz', nullable: true },
    attempts: { type: 'integer', default: 0 },
    lastError: { name: 'last_error', type: 'text', nullable: true },
    nextAttemptAt: { name: 'next_attempt_at', type: 'timestamptz', default: () => 'now()' },
  },
});

export const IdempotencyKeyEntity = new EntitySchema<{ key: string; result: unknown; createdAt: Date }>({
  name: 'IdempotencyKey',
  tableName: 'idempotency_key',
  columns: {
    key: { type: 'text', primary: true },
    result: { type: 'jsonb', nullable: true },
    createdAt: { name: 'created_at', type: 'timestamptz', createDate: true },
  },
});

/** Add these to a service's DataSource `entities`. */
export const platformEntities = [OutboxMessageEntity, IdempotencyKeyEntity];
