import { z } from 'zod';
import { AbsenceCorrectionReason, AbsenceKind, AbsencePart, IsoInstant } from '@throughcare/contracts';
import { keysetCursor } from '@throughcare/platform-http';
import {
  CorrectionNoteSchema,
  EpisodePathSchema,
  notInTheFuture,
  refuseUnplannableInAny,
} from './custody-episode.schemas';

// Issue 10, every movement: temporary absences (ROTL, court) of an open episode.

export const RecordDepartureBodySchema = z
  .object({
    kind: AbsenceKind.describe('ROTL (release on temporary licence) or COURT (production at court)'),
    leftAt: IsoInstant.describe('When the person left the establishment'),
    dueBackAt: IsoInstant.optional().describe('When the person is due back, if known'),
  })
  .strict()
  .superRefine((body, ctx) => {
    notInTheFuture(body.leftAt, 'leftAt', ctx);
    refuseUnplannableInAny([{ field: 'leftAt', value: body.leftAt, role: 'event' }], ctx);
    if (body.dueBackAt !== undefined && Date.parse(body.dueBackAt) <= Date.parse(body.leftAt))
      ctx.addIssue({ code: 'custom', path: ['dueBackAt'], message: 'dueBackAt must be after leftAt' });
  });
export type RecordDepartureBody = z.output<typeof RecordDepartureBodySchema>;

export const RecordReturnBodySchema = z
  .object({ returnedAt: IsoInstant.describe('When the person came back') })
  .strict()
  .superRefine((body, ctx) => {
    notInTheFuture(body.returnedAt, 'returnedAt', ctx);
    refuseUnplannableInAny([{ field: 'returnedAt', value: body.returnedAt, role: 'event' }], ctx);
  });
export type RecordReturnBody = z.output<typeof RecordReturnBodySchema>;

export const ReverseAbsenceBodySchema = z
  .object({
    part: AbsencePart.describe(
      'DEPARTURE: the absence never was (its return, if any, reversed first); RETURN: the person is out again',
    ),
    reversedAt: IsoInstant.describe('When the error was found and undone'),
  })
  .strict()
  .superRefine((body, ctx) => notInTheFuture(body.reversedAt, 'reversedAt', ctx));
export type ReverseAbsenceBody = z.output<typeof ReverseAbsenceBodySchema>;

/** An absence corrected in place: its departure or return instant, its due-back time (at least one), with why. */
export const CorrectAbsenceBodySchema = z
  .object({
    leftAt: IsoInstant.optional().describe('The corrected instant the person left'),
    returnedAt: IsoInstant.optional().describe(
      'The corrected instant the person came back (a standing return only)',
    ),
    dueBackAt: IsoInstant.optional().describe('The corrected time the person was due back'),
    reason: AbsenceCorrectionReason,
    note: CorrectionNoteSchema,
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.leftAt === undefined && body.returnedAt === undefined && body.dueBackAt === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['leftAt'],
        message: 'a correction names leftAt, returnedAt, dueBackAt, or several',
      });
    for (const field of ['leftAt', 'returnedAt'] as const) {
      const at = body[field];
      if (at === undefined) continue;
      notInTheFuture(at, field, ctx);
      refuseUnplannableInAny([{ field, value: at, role: 'event' }], ctx);
    }
  });
export type CorrectAbsenceBody = z.output<typeof CorrectAbsenceBodySchema>;

export const AbsencePathSchema = EpisodePathSchema.extend({ absenceId: z.uuid() });
export type AbsencePath = z.output<typeof AbsencePathSchema>;

/**
 * Derived: OUT (no return standing), RETURNED, RELEASED or TRANSFERRED (released, or sent to
 * another prison, while out: the absence ended there), or REVERSED (the departure was undone).
 */
export const AbsenceStatus = z.enum(['OUT', 'RETURNED', 'RELEASED', 'TRANSFERRED', 'REVERSED']);
export type AbsenceStatus = z.infer<typeof AbsenceStatus>;

export const AbsenceCursor = keysetCursor(z.object({ leftAt: IsoInstant, id: z.uuid() }));
export const ListAbsencesQuerySchema = z
  .object({
    status: AbsenceStatus.optional().describe(
      'Only absences in this status now (OUT, RETURNED, RELEASED, TRANSFERRED or REVERSED); a cursor continues the filtered list',
    ),
    kind: AbsenceKind.optional().describe('Only absences of this kind (ROTL or COURT)'),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: AbsenceCursor.schema.optional().describe('nextCursor from the previous page'),
  })
  .strict();
export type ListAbsencesQuery = z.output<typeof ListAbsencesQuerySchema>;

export interface AbsenceView {
  absenceId: string;
  personId: string;
  episode: number;
  kind: AbsenceKind;
  /** Derived (see {@link AbsenceStatus}). */
  status: AbsenceStatus;
  establishmentCode: string;
  leftAt: string;
  dueBackAt: string | null;
  /**
   * The NOMIS movement reason code HMPPS gave for the departure (as sent, not interpreted: it may
   * tell an escorted absence, e.g. hospital or funeral, from a ROTL); null when staff recorded it.
   */
  movementReasonCode: string | null;
  returnedAt: string | null;
  /** The custody.absence.started event; and .ended once back. */
  departureEventId: string;
  returnEventId: string | null;
  departureRecordedBy: string;
  returnRecordedBy: string | null;
  departureReversal: { reversedAt: string; reversedBy: string; eventId: string } | null;
  /** The return undone, while the person is out again (a later return replaces both). */
  returnReversal: { reversedAt: string; reversedBy: string; eventId: string } | null;
  /** The release or transfer that ended the absence while the person was out, with its event. */
  endedBy: { movement: 'RELEASE' | 'TRANSFER'; at: string; eventId: string } | null;
  /** "absence-vN", N 1 as first recorded and one more for each correction: If-Match of a correction. */
  etag: string;
}

/** One correction in place of an absence, as recorded. */
export interface AbsenceCorrectionView {
  /** The eventId of custody.absence.corrected. */
  eventId: string;
  version: number;
  reason: AbsenceCorrectionReason;
  note: string | null;
  leftAt: string;
  previousLeftAt: string;
  returnedAt: string | null;
  previousReturnedAt: string | null;
  dueBackAt: string | null;
  previousDueBackAt: string | null;
  correctedAt: string;
  correctedBy: string;
}

/** The answer to an absence's correction: the absence as it stands, with every correction of it, oldest first. */
export interface AbsenceCorrectedView extends AbsenceView {
  corrections: AbsenceCorrectionView[];
}

export interface AbsencePage {
  items: AbsenceView[];
  nextCursor: string | null;
}
