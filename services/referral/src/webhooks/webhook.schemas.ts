import { z } from 'zod';
import { IsoInstant } from '@throughcare/contracts';

/**
 * The events an agency's endpoint may receive: each is about one of its own cases. The payload's
 * `data` is the bus event itself (its contract in `libs/contracts`), so one schema serves both.
 * `referral.appointment.cancelled` is delivered only when the platform cancelled (the journey, or
 * the cascade of a referral that ended), not when the agency itself did.
 */
export const WEBHOOK_EVENT_TYPES = [
  'referral.referral.sent',
  'referral.referral.withdrawn',
  'referral.agency.notified',
  'referral.appointment.booked',
  'referral.appointment.cancelled',
  'referral.engagement.requested',
  'referral.engagement.withdrawn',
] as const;
export const WebhookEventTypeSchema = z.enum(WEBHOOK_EVENT_TYPES);
export type WebhookEventType = z.infer<typeof WebhookEventTypeSchema>;

/** How many endpoints one agency may hold (enabled or not). */
export const WEBHOOK_ENDPOINTS_PER_AGENCY = 10;

const Url = z
  .string()
  .max(2000)
  .trim()
  .min(1)
  .describe(
    'Where events are POSTed: an https URL on the public internet (no user name or password, no fragment)',
  );
const Description = z.string().max(500).trim().min(1).describe('What the endpoint is, for the agency');
const EventTypes = z
  .array(WebhookEventTypeSchema)
  .min(1)
  .max(WEBHOOK_EVENT_TYPES.length)
  .refine((types) => new Set(types).size === types.length, { message: 'lists an event type twice' })
  .describe('The event types to deliver; omitted or null: every type');

export const CreateWebhookEndpointBodySchema = z
  .object({
    url: Url,
    description: Description.optional(),
    eventTypes: EventTypes.nullable().optional(),
  })
  .strict();
export type CreateWebhookEndpointBody = z.output<typeof CreateWebhookEndpointBodySchema>;

/** The whole endpoint as it should stand (PUT): `enabled: false` stops deliveries and cancels those pending. */
export const UpdateWebhookEndpointBodySchema = z
  .object({
    url: Url,
    description: Description.nullable().optional(),
    eventTypes: EventTypes.nullable().optional(),
    enabled: z.boolean().describe('false: no more deliveries; those pending are cancelled'),
  })
  .strict();
export type UpdateWebhookEndpointBody = z.output<typeof UpdateWebhookEndpointBodySchema>;

export const WebhookEndpointIdSchema = z.uuid();

export const ListWebhookEndpointsQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().min(1).max(500).optional().describe('nextCursor from the previous page'),
  })
  .strict();
export type ListWebhookEndpointsQuery = z.output<typeof ListWebhookEndpointsQuerySchema>;

export const WEBHOOK_DELIVERY_STATUSES = ['PENDING', 'DELIVERED', 'FAILED', 'CANCELLED'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

export const ListWebhookDeliveriesQuerySchema = z
  .object({
    status: z.enum(WEBHOOK_DELIVERY_STATUSES).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().min(1).max(500).optional().describe('nextCursor from the previous page'),
  })
  .strict();
export type ListWebhookDeliveriesQuery = z.output<typeof ListWebhookDeliveriesQuerySchema>;

/** `BY_AGENCY`: its own PUT. `FAILING`: the platform, after every attempt failed for longer than the policy allows. */
export const WEBHOOK_DISABLED_REASONS = ['BY_AGENCY', 'FAILING'] as const;
export type WebhookDisabledReason = (typeof WEBHOOK_DISABLED_REASONS)[number];

export const WebhookDeliveryIdSchema = z.uuid();

/** How far back a recovery reaches: the delivery log is kept at least this long. */
export const WEBHOOK_RECOVERY_WINDOW_DAYS = 30;

/** Every delivery that did not get through since an instant, sent again (after an outage of the receiver). */
export const RecoverWebhookDeliveriesBodySchema = z
  .object({
    since: IsoInstant.describe(
      `The first delivery to recover was made at or after this instant (at most ${WEBHOOK_RECOVERY_WINDOW_DAYS} days ago)`,
    ),
    until: IsoInstant.optional().describe('…and before this one (default: now)'),
  })
  .strict()
  .refine((b) => b.until === undefined || Date.parse(b.until) > Date.parse(b.since), {
    message: 'until must be after since',
    path: ['until'],
  });
export type RecoverWebhookDeliveriesBody = z.output<typeof RecoverWebhookDeliveriesBodySchema>;

export interface WebhookRecoveryView {
  /** How many FAILED or CANCELLED deliveries are sent again (each once, now). */
  queued: number;
}

export interface WebhookEndpointView {
  id: string;
  url: string;
  description: string | null;
  /** Null: every type. */
  eventTypes: WebhookEventType[] | null;
  enabled: boolean;
  /** Why it is disabled (null while enabled). A PUT with `enabled: true` enables it again. */
  disabledReason: WebhookDisabledReason | null;
  disabledAt: string | null;
  /**
   * The first failed attempt since the last success (null while it answers). Failing for longer
   * than `WEBHOOK_DISABLE_AFTER` (5 days by default) disables it: `disabledReason: FAILING`.
   */
  failingSince: string | null;
  createdAt: string;
  updatedAt: string;
  /** While a rotation's overlap lasts, requests are signed with the previous secret too. */
  previousSecretExpiresAt: string | null;
}

/** Answered once, when the secret is made (creation, rotation): it is never shown again. */
export interface WebhookEndpointWithSecretView extends WebhookEndpointView {
  /** `whsec_` + base64 of 32 random bytes: verify each request with it (Standard Webhooks). */
  secret: string;
}

export interface WebhookAttemptView {
  attempt: number;
  attemptedAt: string;
  durationMs: number;
  /** The endpoint's HTTP status; null when no answer came (timeout, refused, address not allowed). */
  httpStatus: number | null;
  error: string | null;
}

export interface WebhookDeliveryView {
  id: string;
  /** The `webhook-id` header: the event's id, the same on every retry (deduplicate on it). */
  messageId: string;
  eventType: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  createdAt: string;
  /** When it is tried next (PENDING only). */
  nextAttemptAt: string | null;
  finishedAt: string | null;
  /** When the agency last asked for it to be sent again (POST …/redelivery). */
  redeliveryRequestedAt: string | null;
  /** Every request made, first first. */
  log: WebhookAttemptView[];
}
