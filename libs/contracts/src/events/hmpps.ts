import { z } from 'zod';
import { EstablishmentCode, IsoInstant, PrisonNumber } from '../vocabulary';

/**
 * HMPPS domain events, as the Ministry of Justice publishes them (hmpps-domain-events,
 * `schema/hmpps-domain-event.json`): required `eventType`, integer `version` and `occurredAt`;
 * optional `description`, `detailUrl` (thin events: the detail is fetched from there),
 * `additionalInformation` and `personReference.identifiers[{type, value}]`. Unknown fields are
 * kept (a loose object): the schema lets publishers add them (`publishedAt` is one).
 *
 * On the bus, upstream systems publish these on `hmpps.inbound.<eventType>`, and the platform
 * publishes its own events in this shape on `hmpps.outbound.<eventType>` (the `hmpps` stream).
 */
/**
 * HMPPS publishers are Kotlin/Java: `OffsetDateTime.toString()` leaves the seconds out when they
 * are zero (`2026-03-02T10:00Z`). Such an instant is taken and given its seconds before the
 * platform's RFC 3339 check (review stop 43, M3): a movement at hh:mm:00 is never dead-lettered for
 * its form.
 */
const JavaInstant = z.preprocess(
  (v) =>
    typeof v === 'string' ? v.replace(/^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})(Z|[+-]\d{2}:\d{2})$/, '$1:00$2') : v,
  IsoInstant,
);

export const HmppsDomainEvent = z.looseObject({
  eventType: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/, 'eventType must read <source>.<entity>.<past-tense>'),
  version: z.number().int().positive(),
  occurredAt: JavaInstant,
  description: z.string().max(1000).optional(),
  detailUrl: z.url().optional(),
  additionalInformation: z.record(z.string(), z.unknown()).optional(),
  personReference: z
    .object({
      identifiers: z.array(z.object({ type: z.string().min(1).max(64), value: z.string().min(1).max(64) })),
    })
    .optional(),
});
export type HmppsDomainEvent = z.infer<typeof HmppsDomainEvent>;

/** The movements of `prison-offender-events.prisoner.received` and `.released` (version 1). */
export const HmppsPrisonerMovementInformation = z.looseObject({
  nomsNumber: PrisonNumber,
  reason: z.string().min(1).max(64),
  prisonId: EstablishmentCode,
  details: z.string().max(1000).optional(),
  currentLocation: z.string().max(64).optional(),
  nomisMovementReasonCode: z.string().max(16).optional(),
  currentPrisonStatus: z.string().max(64).optional(),
});
export type HmppsPrisonerMovementInformation = z.infer<typeof HmppsPrisonerMovementInformation>;

export const HMPPS_PRISONER_RECEIVED = 'prison-offender-events.prisoner.received';
export const HMPPS_PRISONER_RELEASED = 'prison-offender-events.prisoner.released';

/** The `hmpps` stream: upstream HMPPS domain events in, the platform's own events out. */
export const HmppsStream = { name: 'HMPPS_DOMAIN_EVENTS', subjects: ['hmpps.>'] } as const;

export function hmppsInboundSubject(eventType: string): string {
  return `hmpps.inbound.${eventType}`;
}

export function hmppsOutboundSubject(eventType: string): string {
  return `hmpps.outbound.${eventType}`;
}
