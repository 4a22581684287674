import { z } from 'zod';
import {
  EstablishmentCode,
  IsoInstant,
  Jurisdiction,
  LocalAuthorityCode,
  PrisonNumber,
  Stages,
} from '@throughcare/contracts';

const bool = z.enum(['true', 'false']).transform((v) => v === 'true');

/** `GET /journeys`: running journeys, from Temporal visibility (the search attributes). */
export const ListJourneysQuerySchema = z
  .object({
    stage: z.enum(Stages).optional(),
    establishment: EstablishmentCode.optional(),
    localAuthority: LocalAuthorityCode.optional(),
    jurisdiction: Jurisdiction.optional(),
    needsAttention: bool.optional().describe('true: holding an open attention item; false: none'),
    breached: bool
      .optional()
      .describe(
        'true: a clock breached and not met yet (OpenBreaches > 0); false: none (OpenBreaches = 0). A journey not refreshed since operator-attributes-1 has no count and is in neither',
      ),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,4000}\.[A-Za-z0-9_-]{22}$/, 'not a cursor this API issued')
      .optional()
      .describe('nextCursor from the previous page, with the same filters'),
  })
  .strict();
export type ListJourneysQuery = z.output<typeof ListJourneysQuerySchema>;

export const JourneySummarySchema = z.object({
  personId: z.string(),
  episode: z.number().int(),
  workflowId: z.string(),
  status: z.string().describe('The run: RUNNING, or how it ended (COMPLETED …)'),
  stage: z.string().nullable(),
  establishmentCode: z.string().nullable(),
  localAuthority: z.string().nullable(),
  jurisdiction: z.string().nullable().describe('Null for a journey before operator-attributes-1 kept it'),
  slaPolicy: z.string().nullable().describe('`<id> v<version>`; null before operator-attributes-1'),
  nextDeadline: IsoInstant.nullable(),
  needsAttention: z.boolean().nullable(),
  openBreaches: z.number().int().nullable().describe('Null for a journey before operator-attributes-1'),
  startedAt: IsoInstant.nullable(),
});
export type JourneySummary = z.infer<typeof JourneySummarySchema>;

export const JourneyPageSchema = z.object({
  items: z.array(JourneySummarySchema),
  nextCursor: z.string().nullable().describe('Pass back as `cursor` (same filters) for the next page'),
});
export type JourneyPage = z.infer<typeof JourneyPageSchema>;

/** `POST /journeys/lookup`: in the body, so a prison number is never in a URL or an access log. */
export const JourneyLookupBodySchema = z.object({ prisonNumber: PrisonNumber }).strict();
export type JourneyLookupBody = z.output<typeof JourneyLookupBodySchema>;

export const JourneyLookupSchema = z.object({
  personId: z.string().describe("The person's pseudonymous id (the journeys' workflow ids carry it)"),
  journeys: z.array(JourneySummarySchema).describe('Every episode, latest started first'),
});
export type JourneyLookup = z.infer<typeof JourneyLookupSchema>;
