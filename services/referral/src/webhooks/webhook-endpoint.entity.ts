import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { WebhookDisabledReason, WebhookEventType } from './webhook.schemas';

/** An agency's webhook endpoint (migration 1600). The secrets are sealed: see webhook-secrets.ts. */
@Entity({ name: 'webhook_endpoint' })
export class WebhookEndpoint {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text', { name: 'agency_id' })
  agencyId!: string;

  @Column('text')
  url!: string;

  @Column('text', { nullable: true })
  description!: string | null;

  /** Null: every type. */
  @Column('text', { name: 'event_types', array: true, nullable: true })
  eventTypes!: WebhookEventType[] | null;

  @Column('text', { name: 'secret_key_id' })
  secretKeyId!: string;

  @Column('bytea', { name: 'secret_sealed' })
  secretSealed!: Buffer;

  @Column('text', { name: 'previous_secret_key_id', nullable: true })
  previousSecretKeyId!: string | null;

  @Column('bytea', { name: 'previous_secret_sealed', nullable: true })
  previousSecretSealed!: Buffer | null;

  @Column('timestamptz', { name: 'previous_secret_expires_at', nullable: true })
  previousSecretExpiresAt!: Date | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;

  @Column('timestamptz', { name: 'disabled_at', nullable: true })
  disabledAt!: Date | null;

  /** Set exactly when `disabledAt` is: by the agency's PUT, or by the platform after failing too long. */
  @Column('text', { name: 'disabled_reason', nullable: true })
  disabledReason!: WebhookDisabledReason | null;

  /** The first failed attempt since the last success; null while the endpoint answers. */
  @Column('timestamptz', { name: 'failing_since', nullable: true })
  failingSince!: Date | null;

  @Column('text', { name: 'idempotency_key', nullable: true })
  idempotencyKey!: string | null;

  /** The latest failed attempt (a failure long after it starts a new streak). */
  @Column('timestamptz', { name: 'last_failed_at', nullable: true })
  lastFailedAt!: Date | null;

  /** The Idempotency-Key of the rotation that made the current secret, if it was given one. */
  @Column('text', { name: 'rotation_idempotency_key', nullable: true })
  rotationIdempotencyKey!: string | null;
}
