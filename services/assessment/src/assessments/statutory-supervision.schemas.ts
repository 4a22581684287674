import { z } from 'zod';
import { IsoInstant } from '@throughcare/contracts';

// Statutory supervision as a lawful basis of the agency read (review stop 41 follow-up, migration 1201).

/** As the platform's agency ids (`agency_id` claim). */
const AgencyIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/, 'must be an agency id such as "AG-CJSW-GLA"');

export const RecordSupervisionBodySchema = z
  .object({
    agencyId: AgencyIdSchema.describe(
      'The supervising authority named on the licence (criminal-justice social work, or probation), as an agency id',
    ),
    kind: z.enum(['LICENCE']).describe('The statutory order: LICENCE (release on licence)'),
    startsAt: IsoInstant.describe('When the supervision begins (the release on licence)'),
    endsAt: IsoInstant.describe(
      'When it ends (the licence expiry); an early end or a variation is recorded as a new fact',
    ),
  })
  .strict();
export type RecordSupervisionBody = z.output<typeof RecordSupervisionBodySchema>;

export const SupervisionFactSchema = z.object({
  id: z.uuid(),
  personId: z.string(),
  episode: z.number().int(),
  agencyId: z.string(),
  kind: z.enum(['LICENCE']),
  startsAt: IsoInstant,
  endsAt: IsoInstant,
  recordedBy: z.string().describe('Who recorded it (user or client), never a name'),
  recordedAt: IsoInstant,
  inForce: z
    .boolean()
    .describe("Whether it is the agency's latest fact for the episode (a later one corrects or ends it)"),
});
export type SupervisionFact = z.infer<typeof SupervisionFactSchema>;

export const SupervisionListSchema = z.object({
  items: z.array(SupervisionFactSchema).describe("The episode's facts, newest recorded first"),
});
export type SupervisionList = z.infer<typeof SupervisionListSchema>;

export const SUPERVISION_EXAMPLE: SupervisionFact = {
  id: '5d1f0a9e-2b7c-4e8d-9f10-3a4b5c6d7e8f',
  personId: 'p0123456789abcdef0123',
  episode: 1,
  agencyId: 'AG-CJSW-GLA',
  kind: 'LICENCE',
  startsAt: '2026-12-01T09:00:00.000Z',
  endsAt: '2027-12-01T09:00:00.000Z',
  recordedBy: 'user:st-4f1c',
  recordedAt: '2026-12-01T11:02:00.000Z',
  inForce: true,
};
