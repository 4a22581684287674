import { z } from 'zod';
import {
  AssessedPathway,
  AssessmentKind,
  Attendance,
  JourneyCloseRequestReason,
  EstablishmentCode,
  GateCollectorKind,
  IsoDate,
  IsoInstant,
  MeetingKind,
  MovementCorrectionReason,
  Pathway,
  RecallReasonCode,
  ReferralClosureOutcome,
  ReferralDecision,
  ReleaseDateChangeReason,
  ReturnToCustodyReason,
  ReversibleMovement,
  RiskOfSeriousHarm,
  RiskAssessedBands,
} from '../vocabulary';
import { AttentionOptions, NeedStoppedAsValues } from './throughcare';

// The shape of every fact the journey takes as an update, checked by the update's validator
// before anything else: a fact of the wrong shape (a reason that is no reason, a number for a
// date) is rejected with the fields named, never applied. The bridge and the services send facts
// they parsed already; these are the journey's own wall against anyone else with a Temporal
// client (found by fuzzing updates: an unknown release-date reason was accepted and then failed
// every workflow task). Extra fields are ignored, as the facts' senders may grow.

// Bounds that keep out nonsense, not tighter than any sender: an attention resolution's event id
// carries the workflow id, the item id and the caller's Idempotency-Key (up to 200 characters), an
// actor an external provider's subject.
const Id = z.string().min(1).max(1000);
const Text = z.string().max(2000);
const Needs = z.array(Pathway).max(100);
/** Each pathway's status (optional: a typed completion has none); one entry per pathway at most (the journey checks). */
const Pathways = z.array(AssessedPathway).max(100).optional();
const fact = <T extends z.ZodRawShape>(shape: T) => z.object({ eventId: Id, ...shape });

export const FactSchemas = {
  coreScreenCompleted: fact({
    assessmentId: Id,
    needs: Needs,
    riskOfSeriousHarm: RiskOfSeriousHarm,
    completedAt: IsoInstant,
    pathways: Pathways,
  }),
  assessmentCompleted: fact({
    assessmentId: Id,
    kind: AssessmentKind,
    needs: Needs,
    completedAt: IsoInstant,
    pathways: Pathways,
  }),
  referralAcknowledged: fact({ referralId: Id, acknowledgedAt: IsoInstant, acknowledgedBy: Text.min(1) }),
  referralOutcome: fact({
    referralId: Id,
    decision: ReferralDecision,
    decidedAt: IsoInstant,
    reason: Text.optional(),
  }),
  referralClosed: fact({ referralId: Id, outcome: ReferralClosureOutcome, closedAt: IsoInstant }),
  releaseRecorded: fact({ releasedAt: IsoInstant, establishmentCode: EstablishmentCode }),
  releaseDateChanged: fact({
    expectedReleaseDate: IsoDate,
    reason: ReleaseDateChangeReason,
    changedAt: IsoInstant,
  }),
  transferred: fact({ toEstablishmentCode: EstablishmentCode, transferredAt: IsoInstant }),
  movementReversed: fact({ movement: ReversibleMovement, reversedEventId: Id, reversedAt: IsoInstant }),
  movementCorrected: fact({
    movement: ReversibleMovement,
    correctedEventId: Id,
    version: z.number().int().min(2),
    reason: MovementCorrectionReason,
    correctedAt: IsoInstant,
    occurredAt: IsoInstant,
    previousOccurredAt: IsoInstant,
    toEstablishmentCode: EstablishmentCode.optional(),
    previousToEstablishmentCode: EstablishmentCode.optional(),
  }),
  meetingHeld: fact({ bookingId: Id, kind: MeetingKind, heldAt: IsoInstant }),
  attendanceRecorded: fact({
    appointmentId: Id,
    attendance: Attendance,
    attendedAt: IsoInstant,
    reason: Text.optional(),
  }),
  agencyAttendanceRecorded: fact({
    referralId: Id,
    appointmentId: Id,
    agencyId: Id,
    attendance: Attendance,
    attendedAt: IsoInstant,
    reason: Text.optional(),
  }),
  riskAssessed: fact(RiskAssessedBands),
  gateArrangementRecorded: fact({
    version: z.number().int().min(1),
    forLiberationDate: IsoDate,
    collectedBy: GateCollectorKind,
    agencyId: Id.optional(),
    recordedAt: IsoInstant,
  }),
  consentWithdrawn: fact({ withdrawnAt: IsoInstant }),
  needStopped: fact({
    pathway: Pathway,
    reason: Text.min(1),
    stoppedBy: Id,
    stoppedAs: z.enum(NeedStoppedAsValues).optional(),
    stoppedAt: IsoInstant,
  }),
  caseCloseRequested: fact({
    reason: JourneyCloseRequestReason,
    requestedAt: IsoInstant,
    note: Text.optional(),
    receivedAt: IsoInstant.optional(),
  }),
  returnedToCustody: fact({
    reason: ReturnToCustodyReason,
    recallReasonCode: RecallReasonCode.optional(),
    receivedAt: IsoInstant,
    establishmentCode: EstablishmentCode,
    expectedReleaseDate: IsoDate,
    sentenceDate: IsoDate,
    // As the reception event bounds it (a life sentence's placeholder included).
    sentenceLengthDays: z
      .number()
      .int()
      .min(1)
      .max(365 * 100),
    newEpisode: z.number().int().min(1),
  }),
  resolveAttention: fact({
    itemId: Id,
    option: z.enum(AttentionOptions),
    by: Id,
    reason: Text.optional(),
    resolvedAt: IsoInstant,
  }),
} as const satisfies Record<string, z.ZodType>;

export type FactUpdateName = keyof typeof FactSchemas;

/**
 * What is wrong with the shape of `fact` for the update `name` (every field named, e.g.
 * `reason: Invalid option: expected one of …`), or undefined when it has the shape.
 */
export function factShapeProblem(name: FactUpdateName, fact: unknown): string | undefined {
  // Fail closed: an update registered without its shape here (a build defect) takes no facts.
  const schema = (FactSchemas as Record<string, z.ZodType | undefined>)[name];
  if (!schema) return `no shape is known for the update ${name}`;
  const parsed = schema.safeParse(fact);
  if (parsed.success) return undefined;
  return parsed.error.issues
    .slice(0, 10)
    .map((i) => `${i.path.length ? i.path.join('.') : '(the fact)'}: ${i.message}`)
    .join('; ');
}
