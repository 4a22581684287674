import { keysetCursor } from '@throughcare/platform-http';
import { z } from 'zod';
import type { ReleaseReason } from '@throughcare/contracts';
import {
  type AbsenceKind,
  EstablishmentCode,
  IsoDate,
  IsoInstant,
  LiberatedFromCourtV1,
  MeetingKind,
  MovementCorrectionReason,
  PersonReceivedV1,
  PrisonNumber,
  ReceptionReversalReason,
  ReleaseDateChangeReason,
  Stages,
  type CourtLiberationStatus,
  type Jurisdiction,
  type PersonSex,
  type RecallReasonCode,
  type ReceptionReason,
  type ReturnToCustodyReason,
  type ReversibleMovement,
  type Stage,
} from '@throughcare/contracts';
import {
  dateOfBirthIssues,
  localAuthorityIssues,
  planningRangeIssues,
  planningRangeIssuesInEveryJurisdiction,
  type PlannedDateRole,
  type DisplayedReleaseDateType,
  type PlanningIssue,
} from '@throughcare/domain';
import type { CalculatedReleaseDate, RecordedReleaseDate } from './episode-release-date';

// HTTP DTOs. They belong in libs/contracts/src/http once other contexts consume them.
// Schemas are suffixed `Schema` on purpose: a controller parameter typed with a name that is
// also a value makes decorator metadata point at the zod object, and Swagger then crashes.

/** Clocks drift and messages queue; more than this ahead of our clock is a mistake, not skew. */
export const FUTURE_TOLERANCE_MS = 5 * 60_000;

export function notInTheFuture(instant: string, field: string, ctx: z.RefinementCtx): void {
  if (Date.parse(instant) > Date.now() + FUTURE_TOLERANCE_MS) {
    ctx.addIssue({ code: 'custom', path: [field], message: `${field} is more than 5 minutes in the future` });
  }
}

function addIssues(issues: readonly PlanningIssue[], ctx: z.RefinementCtx): void {
  for (const { field, message } of issues) ctx.addIssue({ code: 'custom', path: [field], message });
}

type PlannedDates = ReadonlyArray<{ field: string; value: string | undefined; role: PlannedDateRole }>;

/**
 * Refuses dates the journey could not plan (outside the SLA policies and bank-holiday calendar
 * this build carries) and a home local authority that is not a council of the jurisdiction, so
 * such input never reaches a workflow whose task would then fail on every attempt.
 */
function refuseUnplannable(
  jurisdiction: Jurisdiction,
  dates: PlannedDates,
  ctx: z.RefinementCtx,
  homeLocalAuthority?: string,
): void {
  addIssues(planningRangeIssues(jurisdiction, dates), ctx);
  addIssues(localAuthorityIssues(jurisdiction, 'homeLocalAuthority', homeLocalAuthority), ctx);
}

/** The same for a change to an episode, whose body carries no jurisdiction (the episode has it). */
export function refuseUnplannableInAny(dates: PlannedDates, ctx: z.RefinementCtx): void {
  addIssues(planningRangeIssuesInEveryJurisdiction(dates), ctx);
}

export const PersonIdSchema = z
  .string()
  .regex(/^p[0-9a-f]{20}$/, 'personId must be a Throughcare person id such as p0123456789abcdef0123');

/**
 * The reception facts are the `custody.person.received` event's data, less the episode we number
 * and the episode a return to custody follows (the custody record works it out: `previousEpisode`).
 */
export const RecordReceptionBodySchema = PersonReceivedV1.shape.data
  .omit({ episode: true, previousEpisode: true })
  .strict()
  .superRefine((body, ctx) => {
    if (body.expectedReleaseDate < body.sentenceDate) {
      ctx.addIssue({
        code: 'custom',
        path: ['expectedReleaseDate'],
        message: `expectedReleaseDate must be on or after sentenceDate (${body.sentenceDate})`,
      });
    }
    notInTheFuture(body.receivedAt, 'receivedAt', ctx);
    addIssues(dateOfBirthIssues('dateOfBirth', body.dateOfBirth, body.receivedAt, 'receivedAt'), ctx);
    refuseUnplannable(
      body.jurisdiction,
      [
        { field: 'receivedAt', value: body.receivedAt, role: 'reception' },
        { field: 'expectedReleaseDate', value: body.expectedReleaseDate, role: 'release' },
      ],
      ctx,
      body.homeLocalAuthority,
    );
    if (body.returnToCustody?.recallReasonCode !== undefined && body.returnToCustody.reason !== 'RECALL') {
      ctx.addIssue({
        code: 'custom',
        path: ['returnToCustody', 'recallReasonCode'],
        message: 'recallReasonCode is given only with reason RECALL',
      });
    }
  });
export type RecordReceptionBody = z.output<typeof RecordReceptionBodySchema>;

/**
 * The reasons of HMPPS's release events that end custody. The others are movements within it
 * (review stop 45, S2): recorded as a release they would close the episode, start the follow-up and
 * tell the agencies the person is out.
 */
const FINAL_RELEASE_REASONS = [
  'RELEASED',
  'RELEASED_TO_HOSPITAL',
  'UNKNOWN',
] as const satisfies readonly ReleaseReason[];
const FinalReleaseReason = z
  .enum(FINAL_RELEASE_REASONS, {
    error: (issue) =>
      issue.input === 'TEMPORARY_ABSENCE_RELEASE' || issue.input === 'SENT_TO_COURT'
        ? `${String(issue.input)} is a temporary absence, not a release: record it with POST /people/{personId}/episodes/{episode}/absences (kind ${issue.input === 'SENT_TO_COURT' ? 'COURT' : 'ROTL'})`
        : issue.input === 'TRANSFERRED'
          ? 'TRANSFERRED is a transfer, not a release: record it with POST /people/{personId}/episodes/{episode}/transfers'
          : `a release that ends custody is one of ${FINAL_RELEASE_REASONS.join(', ')}`,
  })
  .describe(
    'Why custody ended. A temporary absence (TEMPORARY_ABSENCE_RELEASE, SENT_TO_COURT) or a transfer (TRANSFERRED) is not a release: 400 naming reason, pointing to …/absences or …/transfers',
  );

export const RecordReleaseBodySchema = z
  .object({
    personId: PersonIdSchema.optional().describe('Give personId or prisonNumber, not both'),
    prisonNumber: PrisonNumber.optional().describe('Give personId or prisonNumber, not both'),
    episode: z.number().int().min(1).max(100_000).optional().describe('Defaults to the open episode'),
    establishmentCode: EstablishmentCode,
    reason: FinalReleaseReason,
    releasedAt: IsoInstant,
  })
  .strict()
  .superRefine((body, ctx) => {
    if ((body.personId === undefined) === (body.prisonNumber === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [body.personId === undefined ? 'personId' : 'prisonNumber'],
        message: 'give exactly one of personId and prisonNumber',
      });
    }
    notInTheFuture(body.releasedAt, 'releasedAt', ctx);
    refuseUnplannableInAny([{ field: 'releasedAt', value: body.releasedAt, role: 'event' }], ctx);
  });
export type RecordReleaseBody = z.output<typeof RecordReleaseBodySchema>;

// Path parameters are validated as one object so a 400 names the parameter (a bare scalar
// schema would report its error at "(root)").
export const PersonPathSchema = z.object({ personId: PersonIdSchema });
export type PersonPath = z.output<typeof PersonPathSchema>;

export const EpisodePathSchema = z.object({
  personId: PersonIdSchema,
  episode: z.coerce.number().int().min(1).max(100_000),
});
export type EpisodePath = z.output<typeof EpisodePathSchema>;

/** Derived, never stored (`episodeStateOf`): void, else released, else in custody. */
export const EpisodeState = z.enum(['IN_CUSTODY', 'RELEASED', 'RECEIVED_IN_ERROR']);
export type EpisodeState = z.infer<typeof EpisodeState>;

export const ListEpisodesQuerySchema = z
  .object({
    state: EpisodeState.optional().describe(
      'Only episodes in this state now (IN_CUSTODY, RELEASED or RECEIVED_IN_ERROR); a cursor continues the filtered list',
    ),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().min(1).max(500).optional().describe('nextCursor from the previous page'),
  })
  .strict();
export type ListEpisodesQuery = z.output<typeof ListEpisodesQuerySchema>;

/** Activity input, checked at the Temporal boundary (the contract types `stage` and `at` as strings). */
export const RecordEpisodeStageInputSchema = z.object({
  idempotencyKey: z.string().min(1).max(200),
  personId: PersonIdSchema,
  episode: z.number().int().min(1),
  stage: z.enum(Stages),
  at: IsoInstant,
});

/** The journey asks the person's age on the day it chooses an agency (`personAgeOn`). */
export const PersonAgeOnInputSchema = z.object({
  personId: PersonIdSchema,
  episode: z.number().int().min(1),
  at: IsoInstant,
});

/** Release decisions made on the sentences (a Parole Board direction, an early release): their basis is a calculation version. */
export const DECIDED_ON_SENTENCES: ReadonlySet<string> = new Set(['PAROLE', 'EARLY_RELEASE']);

/** A change of plan: the episode's new expected release date, and why it moved. */
export const ChangeReleaseDateBodySchema = z
  .object({
    expectedReleaseDate: IsoDate.describe('The new expected release date (YYYY-MM-DD)'),
    reason: ReleaseDateChangeReason,
    sentenceCalculationVersion: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .optional()
      .describe(
        'PAROLE and EARLY_RELEASE only: the version of the sentence calculation the decision was made on (as read from GET …/sentence-calculations/current). ' +
          'Required once the episode has a sentence calculation (422 SENTENCE_CALCULATION_VERSION_REQUIRED); one older than the latest is refused when the sentences changed since in a way that matters ' +
          '(409 DECISION_MADE_ON_OTHER_SENTENCES): later calculations are compared with the sentences of this version',
      ),
  })
  .strict()
  .superRefine((body, ctx) => {
    refuseUnplannableInAny(
      [{ field: 'expectedReleaseDate', value: body.expectedReleaseDate, role: 'release' }],
      ctx,
    );
    if (body.sentenceCalculationVersion !== undefined && !DECIDED_ON_SENTENCES.has(body.reason))
      ctx.addIssue({
        code: 'custom',
        path: ['sentenceCalculationVersion'],
        message: `only a PAROLE or EARLY_RELEASE decision names the sentence calculation it was made on, not ${body.reason}`,
      });
  });
export type ChangeReleaseDateBody = z.output<typeof ChangeReleaseDateBodySchema>;

/** Activity inputs, checked at the Temporal boundary. */
export const BookGatePickupInputSchema = z.object({
  idempotencyKey: z.string().min(1).max(200),
  personId: PersonIdSchema,
  episode: z.number().int().min(1),
  establishmentCode: EstablishmentCode,
  liberationDate: IsoDate,
  correlationId: z.string().min(1).max(200),
});

export const CancelGatePickupInputSchema = z.object({
  idempotencyKey: z.string().min(1).max(200),
  bookingId: z.uuid(),
  reason: z.string().max(500).trim().min(1),
  correlationId: z.string().min(1).max(200),
});

export const BookMeetingInputSchema = z.object({
  idempotencyKey: z.string().min(1).max(200),
  personId: PersonIdSchema,
  episode: z.number().int().min(1),
  establishmentCode: EstablishmentCode,
  kind: MeetingKind,
  date: IsoDate,
  agencyId: z.string().min(1).max(200).optional(),
  correlationId: z.string().min(1).max(200),
});

export const CancelMeetingInputSchema = z.object({
  idempotencyKey: z.string().min(1).max(200),
  bookingId: z.uuid(),
  reason: z.string().max(500).trim().min(1),
  correlationId: z.string().min(1).max(200),
});

export const MeetingPathSchema = z.object({ bookingId: z.uuid() });
export type MeetingPath = z.output<typeof MeetingPathSchema>;

/** The visit or meeting took place. */
export const RecordMeetingHeldBodySchema = z
  .object({ heldAt: IsoInstant.describe('When the meeting took place (ISO instant)') })
  .strict()
  .superRefine((body, ctx) => {
    notInTheFuture(body.heldAt, 'heldAt', ctx);
    refuseUnplannableInAny([{ field: 'heldAt', value: body.heldAt, role: 'event' }], ctx);
  });
export type RecordMeetingHeldBody = z.output<typeof RecordMeetingHeldBodySchema>;

/** A move of an open episode's person to another establishment (movement type TRN). */
export const RecordTransferBodySchema = z
  .object({
    toEstablishmentCode: EstablishmentCode.describe('The establishment the person was moved to'),
    transferredAt: IsoInstant,
  })
  .strict()
  .superRefine((body, ctx) => {
    notInTheFuture(body.transferredAt, 'transferredAt', ctx);
    refuseUnplannableInAny([{ field: 'transferredAt', value: body.transferredAt, role: 'event' }], ctx);
  });
export type RecordTransferBody = z.output<typeof RecordTransferBodySchema>;

export const MovementPathSchema = z.object({
  eventId: z
    .uuid()
    .describe('The eventId of the custody.person.released or custody.person.transferred event'),
});
export type MovementPath = z.output<typeof MovementPathSchema>;

/** A release or transfer recorded in error is undone. */
export const ReverseMovementBodySchema = z
  .object({ reversedAt: IsoInstant.describe('When the movement was found to be in error and undone') })
  .strict()
  .superRefine((body, ctx) => {
    notInTheFuture(body.reversedAt, 'reversedAt', ctx);
    refuseUnplannableInAny([{ field: 'reversedAt', value: body.reversedAt, role: 'event' }], ctx);
  });
export type ReverseMovementBody = z.output<typeof ReverseMovementBodySchema>;

/** The free-text note of a correction in place: kept in the liberation service, never on the bus. */
export const CorrectionNoteSchema = z
  .string()
  .trim()
  .min(1)
  .max(1000)
  .optional()
  .describe('Free text, kept in the liberation service only');

/**
 * A release or transfer that happened, corrected in place: its instant, a transfer's destination,
 * or both (at least one), with why. The movement keeps its eventId; what it superseded stays in
 * its history.
 */
export const CorrectMovementBodySchema = z
  .object({
    occurredAt: IsoInstant.optional().describe(
      'The corrected instant of the movement (the releasedAt or transferredAt it should have had)',
    ),
    toEstablishmentCode: EstablishmentCode.optional().describe(
      'A transfer only: the establishment the person was in fact moved to',
    ),
    reason: MovementCorrectionReason,
    note: CorrectionNoteSchema,
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.occurredAt === undefined && body.toEstablishmentCode === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['occurredAt'],
        message: 'a correction names occurredAt, toEstablishmentCode, or both',
      });
    if (body.occurredAt !== undefined) {
      notInTheFuture(body.occurredAt, 'occurredAt', ctx);
      refuseUnplannableInAny([{ field: 'occurredAt', value: body.occurredAt, role: 'event' }], ctx);
    }
  });
export type CorrectMovementBody = z.output<typeof CorrectMovementBodySchema>;

/**
 * The body of a reversal of the record that opened an episode, recorded in error: `what` it
 * reverses, and the instant of it that `reversedAt` is not before.
 */
function reverseOpeningBodySchema<Extra extends z.ZodRawShape>(
  what: string,
  since: 'receivedAt' | 'releasedAt',
  extra: Extra,
) {
  return z
    .object({
      ...extra,
      reversedAt: IsoInstant.describe(
        `When the ${what} was found to be in error and undone (not before ${since})`,
      ),
      reason: ReceptionReversalReason,
      note: z
        .string()
        .trim()
        .min(1)
        .max(1000)
        .optional()
        .describe('Why, for prison staff: kept in this service, never published'),
    })
    .strict()
    .superRefine((body, ctx) => {
      const { reversedAt } = body as { reversedAt: string };
      notInTheFuture(reversedAt, 'reversedAt', ctx);
      refuseUnplannableInAny([{ field: 'reversedAt', value: reversedAt, role: 'event' }], ctx);
    });
}

/**
 * What the HMPPS admission (a pending reception) that a reversed reception had completed was:
 * `TO_RECEIVE_AGAIN`, the person really is arriving (the admission is pending again, to complete
 * again); `IN_ERROR`, the admission itself was wrong (it is void: nothing completes from it).
 */
export const AdmissionDecision = z.enum(['TO_RECEIVE_AGAIN', 'IN_ERROR']);
export type AdmissionDecision = z.output<typeof AdmissionDecision>;

/** POST …/episodes/:episode/reception-reversal: the reception that opened the episode was recorded in error. */
export const ReverseReceptionBodySchema = reverseOpeningBodySchema('reception', 'receivedAt', {
  admission: AdmissionDecision.optional().describe(
    'Required when the reception completed an HMPPS admission (a pending reception), and only then ' +
      '(else 422 ADMISSION_DECISION_REQUIRED / ADMISSION_DECISION_NOT_APPLICABLE, field "admission"): ' +
      'TO_RECEIVE_AGAIN, the person really is arriving, the admission is pending again to complete again; ' +
      'IN_ERROR, the admission itself was wrong, it is void and nothing completes from it',
  ),
});
/** POST …/episodes/:episode/court-liberation-reversal: the liberation from court that opened it was. */
export const ReverseCourtLiberationBodySchema = reverseOpeningBodySchema(
  'liberation from court',
  'releasedAt',
  {},
);
/** Either reversal's body (the same facts; only a reception's says what its admission was). */
export type ReverseOpeningBody = z.output<typeof ReverseCourtLiberationBodySchema> & {
  admission?: AdmissionDecision;
};
export type ReverseReceptionBody = z.output<typeof ReverseReceptionBodySchema>;
export type ReverseCourtLiberationBody = z.output<typeof ReverseCourtLiberationBodySchema>;

/** The liberation facts are the `custody.person.liberated-from-court` event's data, less the episode we number. */
export const RecordCourtLiberationBodySchema = LiberatedFromCourtV1.shape.data
  .omit({ episode: true })
  .strict()
  .superRefine((body, ctx) => {
    notInTheFuture(body.releasedAt, 'releasedAt', ctx);
    addIssues(dateOfBirthIssues('dateOfBirth', body.dateOfBirth, body.releasedAt, 'releasedAt'), ctx);
    // The journey starts from the liberation as it would from a reception: its policy is the one
    // in force on that day.
    refuseUnplannable(
      body.jurisdiction,
      [{ field: 'releasedAt', value: body.releasedAt, role: 'reception' }],
      ctx,
      body.homeLocalAuthority,
    );
  });
export type RecordCourtLiberationBody = z.output<typeof RecordCourtLiberationBodySchema>;

export interface EpisodeLinks {
  self: string;
  episodes: string;
}

/** POST /receptions answer: the only response that echoes the prison number (the caller sent it). */
export interface ReceptionRecordedView {
  personId: string;
  prisonNumber: string;
  episode: number;
  workflowId: string;
  receivedAt: string;
  links: EpisodeLinks;
}

export interface ReleaseRecordedView {
  personId: string;
  episode: number;
  workflowId: string;
  releasedAt: string;
  /** The eventId of custody.person.released: what a reversal names (null: recorded before movements were kept). */
  eventId: string | null;
  /**
   * The temporary absence (ROTL or court) this release ended while the person was out past the
   * time they were due back by (released without coming back when due): a fact for someone to
   * look at. That time is its dueBackAt, or with none (HMPPS absences) the default of its kind,
   * as `GET /absences/overdue` has it (`overdueSince`, `dueBackKnown`). Null when the release
   * ended no absence, or one not yet due back.
   */
  overdueAbsence: {
    absenceId: string;
    kind: AbsenceKind;
    leftAt: string;
    dueBackAt: string | null;
    overdueSince: string;
    dueBackKnown: boolean;
  } | null;
  links: EpisodeLinks;
}

/** POST /court-liberations answer: echoes the prison number (the caller sent it). */
export interface CourtLiberationRecordedView {
  personId: string;
  prisonNumber: string;
  episode: number;
  workflowId: string;
  releasedAt: string;
  /** The eventId of custody.person.liberated-from-court. */
  eventId: string;
  links: EpisodeLinks;
}

export interface TransferRecordedView {
  personId: string;
  episode: number;
  /** The eventId of custody.person.transferred: what a reversal names. */
  eventId: string;
  fromEstablishmentCode: string;
  toEstablishmentCode: string;
  transferredAt: string;
  /** Set once the transfer has been reversed. */
  reversedAt: string | null;
  links: EpisodeLinks;
}

export interface MovementReversedView {
  personId: string;
  episode: number;
  /** The eventId of custody.movement.reversed. */
  eventId: string;
  movement: ReversibleMovement;
  reversedEventId: string;
  reversedAt: string;
  /**
   * The episode now: back in custody after the reversal, at the establishment it was at before (or
   * RELEASED after a transfer's reversal); a replay answered after its reception was reversed too
   * says RECEIVED_IN_ERROR.
   */
  state: EpisodeState;
  establishmentCode: string;
  links: EpisodeLinks;
}

/** One correction in place of a movement, as recorded (the note stays out of events, not out of this view). */
export interface MovementCorrectionView {
  /** The eventId of custody.movement.corrected. */
  eventId: string;
  /** The movement's version it made ("movement-vN" is its ETag). */
  version: number;
  reason: MovementCorrectionReason;
  note: string | null;
  occurredAt: string;
  previousOccurredAt: string;
  toEstablishmentCode: string | null;
  previousToEstablishmentCode: string | null;
  correctedAt: string;
  correctedBy: string;
}

/** The answer to a correction: the movement as it stands now, with every correction of it, oldest first. */
export interface MovementCorrectedView {
  personId: string;
  episode: number;
  /** The corrected movement's eventId (unchanged by a correction). */
  eventId: string;
  movement: ReversibleMovement;
  fromEstablishmentCode: string;
  toEstablishmentCode: string | null;
  /** As it stands now: the releasedAt or transferredAt. */
  occurredAt: string;
  /** "movement-vN": send it as If-Match to correct it again. */
  etag: string;
  corrections: MovementCorrectionView[];
  /** Where the episode's person is (or was last) held, after the correction. */
  establishmentCode: string;
  links: EpisodeLinks;
}

/** The reversal of a reception (or liberation from court) recorded in error, as recorded on its (now void) episode. */
export interface ReceptionReversalView {
  /** The eventId of custody.reception.reversed (or custody.court-liberation.reversed). */
  eventId: string;
  reversedAt: string;
  reversedBy: string;
  reason: ReceptionReversalReason;
  note: string | null;
  /**
   * What the HMPPS admission its reception had completed was, as staff said when reversing it
   * (TO_RECEIVE_AGAIN: pending again; IN_ERROR: void); null when it completed none, and always
   * for a liberation from court, which completes none (review of stop 39, N8).
   */
  admission: AdmissionDecision | null;
}

export interface ReceptionReversedView extends ReceptionReversalView {
  personId: string;
  episode: number;
  state: 'RECEIVED_IN_ERROR';
  /** Where the episode was held when its reception was reversed. */
  establishmentCode: string;
  links: EpisodeLinks;
}

/** POST …/court-liberation-reversal answer: as a reception's, naming the liberation it undoes. */
export interface CourtLiberationReversedView extends ReceptionReversedView {
  /** The liberation from court undone (it stays on the void episode, for the record). */
  releasedAt: string;
}

export interface MeetingHeldView extends MeetingView {
  personId: string;
  episode: number;
  /** The eventId of custody.meeting.held. */
  eventId: string;
  links: EpisodeLinks;
}

/** One episode as prison staff of the establishment holding the person read it. No prison number. */
export interface LiberationDayView {
  dueDate: string;
  liberationDate: string;
  rule: { id: string; source: string; url: string; unverified: string | null };
  explanation: string;
  discretion: { earliest: string; source: string; condition: string } | null;
  /** What the answer assumed (local holidays unknown to the calendar, a sentence length not given). */
  caveats: string[];
}

export interface EpisodeView {
  personId: string;
  episode: number;
  workflowId: string;
  /**
   * Derived from the facts below: RELEASED once a release is recorded (and not reversed);
   * RECEIVED_IN_ERROR once the reception or liberation from court was reversed (the episode is void).
   */
  state: EpisodeState;
  /** RECEPTION, or COURT_LIBERATION: liberated direct from court, with no reception. */
  origin: 'RECEPTION' | 'COURT_LIBERATION';
  jurisdiction: Jurisdiction;
  homeLocalAuthority: string;
  /** As given with the reception or court liberation (null: not recorded). */
  sex: PersonSex | null;
  dateOfBirth: string | null;
  /** Where the person is (or was last) held: the latest standing transfer's, else the reception's. */
  establishmentCode: string;
  /** Null for an episode liberated direct from court. */
  reception: {
    establishmentCode: string;
    reason: ReceptionReason;
    receivedAt: string;
    receivedBy: string;
    sentenceDate: string;
    sentenceLengthDays: number;
    expectedReleaseDate: string;
    returnToCustody: { reason: ReturnToCustodyReason; recallReasonCode?: RecallReasonCode } | null;
  } | null;
  courtLiberation: { establishmentCode: string; legalStatus: CourtLiberationStatus } | null;
  release: {
    establishmentCode: string;
    reason: string;
    releasedAt: string;
    releasedBy: string;
  } | null;
  /** The journey stage the throughcare workflow last recorded, with the workflow's time for it. */
  journey: { stage: Stage; at: string } | null;
  /** Current expected release date: the latest change's, else the reception's (null: liberated from court). */
  expectedReleaseDate: string | null;
  /**
   * The release date to show and its type, by the precedence confirmed › APD › HDCAD › early
   * release › other › PRRD › CRD › ARD (`displayedReleaseDate`, libs/domain): the latest release-date
   * change typed by its reason (HDC_APPROVED: HDCAD; PAROLE: APD; EARLY_RELEASE: EARLY_RELEASE;
   * OTHER: OTHER, a date of no known type, never shown as confirmed; RECALCULATION: CRD in
   * England and Wales, ARD in Scotland; the type of the recorded date a recording moved it to, or
   * while recorded dates give a release date, that date's type), else
   * the recorded official release date (PRRD › CRD › ARD), else the latest sentence calculation's
   * CRD/ARD: a recorded release date replaces a calculated one. Null when the episode holds none (a
   * date given only at reception has no known type).
   */
  displayedReleaseDate: { type: DisplayedReleaseDateType; date: string } | null;
  /**
   * Both sources of the sentence's release date, for the reader to compare: the latest sentence
   * calculation's (explained at …/sentence-calculations/current) and the recorded official one
   * (…/recorded-dates/current), which takes precedence. Each null when there is none.
   */
  releaseDateSources: {
    calculated: CalculatedReleaseDate | null;
    recorded: RecordedReleaseDate | null;
    /** The current recorded dates' version (null: none recorded). */
    recordedDatesVersion: number | null;
  };
  /**
   * The day the person leaves by the release-day rule in force for the expected release date, with
   * the rule, its source, why, and how much earlier the law lets the release be brought forward
   * (`releaseDay`, issue 10). Null once released (a release made is never moved), with no expected
   * release date, or for a year the bank-holiday calendar does not hold (2024-2045 today).
   */
  liberation: LiberationDayView | null;
  /** Every move of the expected release date, oldest first. */
  releaseDateChanges: ReleaseDateChangeView[];
  /** Gate pick-up bookings, oldest first; a cancelled one keeps its row. */
  gatePickups: GatePickupView[];
  /** CJSW custody visits and the pre-release meeting, by date; a cancelled one keeps its row. */
  meetings: MeetingView[];
  /** Releases and transfers, oldest first, each with its reversal if it was undone. */
  movements: MovementView[];
  /** Set when the reception was reversed as recorded in error (state RECEIVED_IN_ERROR). */
  receptionReversal: ReceptionReversalView | null;
  /**
   * Set when the liberation from court was reversed as recorded in error (state
   * RECEIVED_IN_ERROR; its `release` stays, as the fact undone).
   */
  courtLiberationReversal: ReceptionReversalView | null;
  links: EpisodeLinks;
}

export interface MeetingView {
  bookingId: string;
  kind: MeetingKind;
  establishmentCode: string;
  date: string;
  status: 'BOOKED' | 'HELD' | 'CANCELLED';
  agencyId: string | null;
  bookedAt: string;
  heldAt: string | null;
  cancelledAt: string | null;
  cancellationReason: string | null;
}

export interface MovementView {
  eventId: string;
  movement: ReversibleMovement;
  fromEstablishmentCode: string;
  toEstablishmentCode: string | null;
  releaseReason: string | null;
  at: string;
  recordedBy: string;
  reversal: { eventId: string; reversedAt: string; reversedBy: string } | null;
  /** "movement-vN", N 1 as first recorded and one more for each correction: If-Match of a correction. */
  etag: string;
}

export interface ReleaseDateChangeView {
  previousExpectedReleaseDate: string;
  expectedReleaseDate: string;
  reason: ReleaseDateChangeReason;
  changedAt: string;
  changedBy: string;
}

export interface GatePickupView {
  id: string;
  establishmentCode: string;
  liberationDate: string;
  bookedAt: string;
  cancelledAt: string | null;
  cancellationReason: string | null;
}

export interface EpisodePage {
  items: EpisodeView[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/** The key of an agency's meeting list: by meeting day, then booking id. */
export const AgencyMeetingCursor = keysetCursor(z.object({ date: IsoDate, id: z.uuid() }));

/** `GET /agency/meetings`: the calling agency's custody visits and pre-release meetings. */
export const ListAgencyMeetingsQuerySchema = z
  .object({
    from: IsoDate.optional().describe('Only meetings on or after this day (YYYY-MM-DD)'),
    to: IsoDate.optional().describe('Only meetings on or before this day (YYYY-MM-DD)'),
    status: z.enum(['BOOKED', 'HELD', 'CANCELLED']).optional().describe('Only meetings in this status'),
    personId: PersonIdSchema.optional().describe("Only this person's meetings"),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: AgencyMeetingCursor.schema.optional().describe('nextCursor from the previous page'),
  })
  .strict()
  .refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, {
    path: ['to'],
    message: 'must not be before from',
  });
export type ListAgencyMeetingsQuery = z.output<typeof ListAgencyMeetingsQuerySchema>;

/** A meeting as the agency taking part sees it: the person (pseudonymous), the day and the prison. */
export interface AgencyMeetingView extends MeetingView {
  personId: string;
  episode: number;
}

export interface AgencyMeetingPage {
  items: AgencyMeetingView[];
  nextCursor: string | null;
}
