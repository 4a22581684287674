import { z } from 'zod';
import { EstablishmentCode, GateCollectorKind, IsoDate } from '@throughcare/contracts';
import { keysetCursor } from '@throughcare/platform-http';
import { VersionCursor } from './version-pages';

// Issue 10, gate arrangements: the day of liberation planned with the person, the prison and
// whoever meets them at the gate.

const words = (max: number) => z.string().trim().min(1).max(max);

export { GateCollectorKind };
export const GateTransportKind = z.enum([
  'CAR',
  'PUBLIC_TRANSPORT',
  'TAXI',
  'AGENCY_VEHICLE',
  'ON_FOOT',
  'OTHER',
]);
export const FirstNightKind = z.enum([
  'OWN_HOME',
  'FAMILY_OR_FRIENDS',
  'APPROVED_PREMISES',
  'SUPPORTED_ACCOMMODATION',
  'TEMPORARY_ACCOMMODATION',
  'NONE_ARRANGED',
]);

export const GateArrangementBodySchema = z
  .object({
    collectedBy: z
      .object({
        kind: GateCollectorKind.describe('Who meets the person at the gate (NOBODY: travels alone)'),
        name: words(120)
          .optional()
          .describe('Who, in words (required for FAMILY_OR_FRIEND and MENTOR): personal data'),
        agencyId: words(200)
          .optional()
          .describe(
            "The collecting agency's directory id (required for AGENCY). The journey checks it with the directory before telling the agency anything: an id the directory does not hold is told nothing, and prison staff are asked to correct it.",
          ),
      })
      .strict(),
    meetingPoint: words(200).describe('Where at the prison, e.g. "main gate", "visitor centre"'),
    meetingTime: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day, HH:MM')
      .describe('When on the day of liberation, local time (HH:MM)'),
    transport: z
      .object({
        kind: GateTransportKind,
        note: words(200).optional().describe('Required for OTHER'),
      })
      .strict(),
    travelWarrant: z.boolean().describe('Whether a travel warrant (or fare) is issued'),
    firstNight: z
      .object({
        kind: FirstNightKind.describe('Where the person sleeps the first night (NONE_ARRANGED: a concern)'),
        note: words(500).optional(),
      })
      .strict(),
    note: words(1000).optional(),
    confirmedForLiberationDate: IsoDate.optional().describe(
      'The liberation date staff confirmed the arrangement for with whoever collects (YYYY-MM-DD); not stored. Required to send the current arrangement again after the liberation date moved (a reconfirmation: 422 GATE_RECONFIRMATION_REQUIRED without it, so a blind retry of an old request never clears the concern); when sent, it must be the liberation date now (422 GATE_CONFIRMED_FOR_ANOTHER_DATE otherwise)',
    ),
  })
  .strict()
  .superRefine((body, ctx) => {
    const need = (ok: boolean, path: (string | number)[], message: string) => {
      if (!ok) ctx.addIssue({ code: 'custom', path, message });
    };
    const by = body.collectedBy;
    need(
      by.kind !== 'AGENCY' || by.agencyId !== undefined,
      ['collectedBy', 'agencyId'],
      'required when an agency collects',
    );
    need(
      by.kind === 'AGENCY' || by.agencyId === undefined,
      ['collectedBy', 'agencyId'],
      'only when an agency collects',
    );
    need(
      !['FAMILY_OR_FRIEND', 'MENTOR'].includes(by.kind) || by.name !== undefined,
      ['collectedBy', 'name'],
      'say who collects',
    );
    need(by.kind !== 'NOBODY' || by.name === undefined, ['collectedBy', 'name'], 'nobody collects: no name');
    need(
      body.transport.kind !== 'OTHER' || body.transport.note !== undefined,
      ['transport', 'note'],
      'say how, when the transport is OTHER',
    );
  });
export type GateArrangementBody = z.output<typeof GateArrangementBodySchema>;
/** The arrangement as recorded: the body without the confirmation it was sent with. */
export type GateArrangementDetails = Omit<GateArrangementBody, 'confirmedForLiberationDate'>;

export const ListGateArrangementsQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: VersionCursor.schema.optional().describe('nextCursor from the previous page'),
  })
  .strict();
export type ListGateArrangementsQuery = z.output<typeof ListGateArrangementsQuerySchema>;

/** The cursor of the establishment list: the last episode of the page, by person then episode. */
export const GateArrangementEpisodeCursor = keysetCursor(
  z.object({ personId: z.string().max(100), episode: z.number().int().min(1) }),
);
export const ListEstablishmentGateArrangementsQuerySchema = z
  .object({
    establishmentCode: EstablishmentCode.optional().describe(
      "Only episodes held at this establishment (one of the caller's); absent: every establishment of the caller",
    ),
    needsReconfirmation: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .optional()
      .describe(
        'true: only arrangements made for another liberation date than the one now (to confirm again with whoever collects); false: only those made for the liberation date now; absent: every current arrangement',
      ),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: GateArrangementEpisodeCursor.schema.optional().describe('nextCursor from the previous page'),
  })
  .strict();
export type ListEstablishmentGateArrangementsQuery = z.output<
  typeof ListEstablishmentGateArrangementsQuerySchema
>;

export interface GateArrangementView extends GateArrangementDetails {
  personId: string;
  episode: number;
  version: number;
  /** "gate-vN": send it as If-Match to replace this version. */
  etag: string;
  /** The liberation date the arrangement was made for. */
  forLiberationDate: string;
  /** The liberation date now (the release-day rule applied to the expected release date). */
  liberationDate: string | null;
  /** The gate pick-up the journey booked at the prison, if one stands. */
  gatePickup: { bookingId: string; date: string; establishmentCode: string } | null;
  /**
   * What staff should look at: the date moved since the arrangement was made (confirm it again
   * with whoever collects), no first-night accommodation, the pick-up booked for another day.
   */
  concerns: string[];
  /** The liberation date moved away from `forLiberationDate`: confirm the arrangement again with whoever collects. */
  needsReconfirmation: boolean;
  /** Where the person is held now (open episodes; released: where they were released from). */
  establishmentCode: string;
  recordedAt: string;
  recordedBy: string;
}

export interface GateArrangementPage {
  items: GateArrangementView[];
  nextCursor: string | null;
}
