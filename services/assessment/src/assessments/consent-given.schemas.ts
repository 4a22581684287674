import { z } from 'zod';
import { EstablishmentCode, IsoInstant } from '@throughcare/contracts';
import { keysetCursor } from '@throughcare/platform-http';

// Issue 10, consent as a recorded fact: consent given, a withdrawal, and the cut-over's presumption.

export const RecordConsentBodySchema = z
  .object({
    givenAt: IsoInstant.describe(
      'When the person gave consent to voluntary throughcare for their current custody episode; not in the future, not before the episode began',
    ),
    episode: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe(
        "The custody episode the consent is for: must be the person's current one (409 CONSENT_EPISODE_NOT_CURRENT otherwise). " +
          'Left out, it is the current episode: unambiguous, since givenAt may not be before that episode began (422 CONSENT_BEFORE_EPISODE)',
      ),
  })
  .strict();
export type RecordConsentBody = z.output<typeof RecordConsentBodySchema>;

/**
 * Derived from the episode's facts (`consentState`): GIVEN with consent recorded and, after a
 * withdrawal, a consent recorded after every withdrawal and given after it; WITHDRAWN after a
 * withdrawal with no such consent; PRESUMED_BEFORE_CUTOVER for an agency referral active at the
 * cut-over (migration 1100) until its `presumed_until`, with neither; else NONE.
 */
export const ConsentStateSchema = z.enum(['GIVEN', 'WITHDRAWN', 'PRESUMED_BEFORE_CUTOVER', 'NONE']);
export type ConsentState = z.infer<typeof ConsentStateSchema>;

export const ConsentFactKindSchema = z.enum(['GIVEN', 'WITHDRAWN', 'PRESUMED_BEFORE_CUTOVER']);

export const ConsentFactSchema = z.object({
  fact: ConsentFactKindSchema,
  episode: z.number().int(),
  at: IsoInstant.describe('When consent was given or withdrawn; for a presumption, when it was marked'),
  recordedAt: IsoInstant.describe('When this service recorded it'),
  recordedBy: z
    .string()
    .nullable()
    .describe('Who recorded consent given (user or client), never a name; null for the other facts'),
});
export type ConsentFact = z.infer<typeof ConsentFactSchema>;

/** The consent of one custody episode as its facts stand. */
export const ConsentStandingSchema = z.object({
  personId: z.string(),
  episode: z.number().int().describe("The person's current custody episode (the latest this service holds)"),
  state: ConsentStateSchema,
  givenAt: IsoInstant.nullable().describe('The latest consent given, when it stands'),
  withdrawnAt: IsoInstant.nullable().describe("The episode's withdrawal, if any"),
});
export type ConsentStanding = z.infer<typeof ConsentStandingSchema>;

export const RecordedConsentViewSchema = ConsentStandingSchema.extend({
  recorded: ConsentFactSchema.extend({
    factId: z.uuid().describe('The consent fact (the audit record of the recording names it)'),
  }).describe('The consent given this request recorded (or a retry found)'),
});
export type RecordedConsentView = z.infer<typeof RecordedConsentViewSchema>;

/** The cursor of the facts, newest recorded first. */
export const ConsentFactCursor = keysetCursor(z.object({ recordedAt: IsoInstant, key: z.string().max(100) }));

export const ListConsentQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: ConsentFactCursor.schema.optional().describe('nextCursor from the previous page'),
  })
  .strict();
export type ListConsentQuery = z.output<typeof ListConsentQuerySchema>;

export const PersonConsentViewSchema = ConsentStandingSchema.extend({
  items: z
    .array(ConsentFactSchema)
    .describe("The person's consent facts, every episode, newest recorded first"),
  nextCursor: z
    .string()
    .nullable()
    .describe('Pass back as `cursor` for the next page; null on the last page'),
});
export type PersonConsentView = z.infer<typeof PersonConsentViewSchema>;

export const CONSENT_GIVEN_EXAMPLE: RecordedConsentView = {
  personId: 'p0123456789abcdef0123',
  episode: 1,
  state: 'GIVEN',
  givenAt: '2026-11-02T14:00:00.000Z',
  withdrawnAt: null,
  recorded: {
    fact: 'GIVEN',
    episode: 1,
    at: '2026-11-02T14:00:00.000Z',
    recordedAt: '2026-11-02T14:03:12.000Z',
    recordedBy: 'user:st-4f1c',
    factId: '0b6f4c9e-3f0e-4c5a-9d1e-6a2b7c8d9e01',
  },
};

// Review stop 41, M6: the cut-over's presumed cases, for staff to seek real consent before the
// presumption lapses.

/** The cursor of the presumed cases, soonest to lapse first. */
export const PresumedCaseCursor = keysetCursor(
  z.object({ presumedUntil: IsoInstant, personId: z.string().max(64), episode: z.number().int().min(1) }),
);

export const ListPresumedCasesQuerySchema = z
  .object({
    establishment: EstablishmentCode.optional().describe(
      'Only the cases held at this establishment (one of the caller’s; another answers an empty page), e.g. "BAR"',
    ),
    presumedUntilBefore: IsoInstant.optional().describe(
      'Only the presumptions that lapse before this instant, e.g. the next 14 days: seek consent for these first',
    ),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: PresumedCaseCursor.schema.optional().describe('nextCursor from the previous page'),
  })
  .strict();
export type ListPresumedCasesQuery = z.output<typeof ListPresumedCasesQuerySchema>;

export const PresumedCaseSchema = z.object({
  personId: z.string(),
  episode: z.number().int(),
  establishmentCode: z
    .string()
    .describe(
      "Where the person is held, as this service knows it: the establishment of the episode's latest assessment",
    ),
  agencies: z
    .array(
      z.object({
        agencyId: z.string(),
        referralActive: z
          .boolean()
          .describe(
            'Whether the agency still holds an active referral (only then does it read on the presumption)',
          ),
      }),
    )
    .describe('The agencies the cut-over marked for the episode'),
  markedAt: IsoInstant.describe('When the cut-over (migration 1100) marked the episode'),
  presumedUntil: IsoInstant.describe(
    'When the presumption lapses: agencies stop reading unless consent is recorded before then',
  ),
});
export type PresumedCase = z.infer<typeof PresumedCaseSchema>;

export const PresumedCasesPageSchema = z.object({
  items: z
    .array(PresumedCaseSchema)
    .describe(
      'Episodes whose consent is PRESUMED_BEFORE_CUTOVER (neither recorded nor withdrawn), soonest to lapse first',
    ),
  nextCursor: z
    .string()
    .nullable()
    .describe('Pass back as `cursor` for the next page; null on the last page'),
});
export type PresumedCasesPage = z.infer<typeof PresumedCasesPageSchema>;

export const PRESUMED_CASES_EXAMPLE: PresumedCasesPage = {
  items: [
    {
      personId: 'p0123456789abcdef0123',
      episode: 1,
      establishmentCode: 'BAR',
      agencies: [{ agencyId: 'AG-HOUSING-GLA', referralActive: true }],
      markedAt: '2026-12-01T09:00:00.000Z',
      presumedUntil: '2027-03-01T09:00:00.000Z',
    },
  ],
  nextCursor: null,
};
