import { z } from 'zod';
import { IsoInstant } from '../vocabulary';

/**
 * Person identifier types, as in the HMPPS domain-event schema (`NOMS` is the prison number),
 * plus `THROUGHCARE_ID`: the platform's pseudonymous person id, the only one allowed in
 * workflow ids and search attributes.
 */
export const PersonIdentifierType = z.enum(['NOMS', 'CRN', 'PNC', 'THROUGHCARE_ID']);
export type PersonIdentifierType = z.infer<typeof PersonIdentifierType>;

/** An identifier's value: never blank (a blank prison number names nobody, and cannot be routed). */
export const PersonIdentifier = z.object({
  type: PersonIdentifierType,
  value: z.string().min(1).max(64).regex(/\S/, 'must not be blank'),
});
export type PersonIdentifier = z.infer<typeof PersonIdentifier>;

export const PersonReference = z.object({ identifiers: z.array(PersonIdentifier).min(1) });
export type PersonReference = z.infer<typeof PersonReference>;

/** `<context>.<entity>.<past-tense>`, lower-case with dashes inside a part. */
export const EVENT_TYPE_PATTERN = /^[a-z][a-z-]*\.[a-z][a-z-]*\.[a-z][a-z-]*$/;

const envelopeShape = {
  version: z.number().int().positive(),
  eventId: z.uuid(),
  occurredAt: IsoInstant,
  correlationId: z.string().min(1).max(200),
  causationId: z.string().min(1).max(200).optional(),
  description: z.string().max(500).optional(),
  detailUrl: z.url().optional(),
  personReference: PersonReference,
};

/** Any well-formed envelope, before its `data` is checked against its event type. */
export const AnyEventEnvelope = z.object({
  eventType: z.string().regex(EVENT_TYPE_PATTERN, 'eventType must read <context>.<entity>.<past-tense>'),
  ...envelopeShape,
  data: z.unknown(),
});
export type AnyEventEnvelope = z.infer<typeof AnyEventEnvelope>;

/** Builds the zod schema of one event type and version. */
export function eventSchema<T extends string, V extends number, D extends z.ZodType>(
  eventType: T,
  version: V,
  data: D,
) {
  return z.object({
    eventType: z.literal(eventType),
    ...envelopeShape,
    version: z.literal(version),
    data,
  });
}

/** Reads one identifier of the given type from a person reference. */
export function identifierOf(ref: PersonReference, type: PersonIdentifierType): string | undefined {
  return ref.identifiers.find((i) => i.type === type)?.value;
}
