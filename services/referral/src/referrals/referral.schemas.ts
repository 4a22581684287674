import { z } from 'zod';
import {
  type Attendance,
  EstablishmentCode,
  IsoDate,
  IsoInstant,
  Pathway,
  ReferralClosureOutcome,
  ReferralDecision,
  RiskOfSeriousHarm,
} from '@throughcare/contracts';
import { REFERRAL_STATUSES, type ReferralAction, type ReferralStatus } from './referral.lifecycle';

// HTTP and activity DTOs. They belong in libs/contracts/src/http once other contexts consume them.
// Schemas are suffixed `Schema`: a controller parameter typed with a name that is also a value
// makes decorator metadata point at the zod object, and Swagger crashes reading it as a DTO.

/** Derived from the facts by the lifecycle table (`referral.lifecycle.ts`). */
export const ReferralStatusSchema = z.enum(REFERRAL_STATUSES);
export type { ReferralStatus };

/** Free text an agency writes (a reason, a place): trimmed, 1–500 characters. */
export const AgencyTextSchema = z.string().max(500).trim().min(1);
/** Who acted, as a role or team (never a named person): trimmed, 1–200 characters. */
export const RoleOrTeamSchema = z.string().max(200).trim().min(1);

export const PersonIdSchema = z
  .string()
  .regex(/^p[0-9a-f]{20}$/, 'must be a pseudonymous THROUGHCARE_ID such as p0123456789abcdef0123');

/** Input of the `sendReferral` activity (ReferralActivities), checked at the worker's edge. */
export const SendReferralInputSchema = z
  .object({
    idempotencyKey: z.string().min(1).max(500),
    /** The id to give the referral (the journey mints it for a need's referral); else a new one. */
    referralId: z.uuid().optional(),
    personId: PersonIdSchema,
    episode: z.number().int().min(1),
    agencyId: z.string().min(1).max(200),
    pathways: z.array(Pathway).min(1),
    sentAt: IsoInstant,
    acknowledgeBy: IsoInstant,
    /** The prison the referral is sent from (absent from journeys started before it was passed). */
    establishmentCode: EstablishmentCode.optional(),
    /** The liberation date the journey plans (absent from journeys started before it was passed). */
    liberationDate: IsoDate.optional(),
    /** The core screen's risk of serious harm (absent before it was passed). */
    riskOfSeriousHarm: RiskOfSeriousHarm.optional(),
    correlationId: z.string().min(1).max(200),
  })
  .refine((input) => Date.parse(input.acknowledgeBy) >= Date.parse(input.sentAt), {
    path: ['acknowledgeBy'],
    message: 'must not be before sentAt',
  });
export type SendReferralInput = z.output<typeof SendReferralInputSchema>;

/** Input of the `withdrawReferral` activity (ReferralActivities), checked at the worker's edge. */
export const WithdrawReferralInputSchema = z.object({
  idempotencyKey: z.string().min(1).max(500),
  referralId: z.uuid(),
  reason: z.string().max(500).trim().min(1),
  correlationId: z.string().min(1).max(200),
});
export type WithdrawReferralInput = z.output<typeof WithdrawReferralInputSchema>;

/** The keyset page parameters of every list. */
export const PAGE_QUERY = {
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(500).optional().describe('nextCursor from the previous page'),
};

export const ListReferralsQuerySchema = z
  .object({ status: ReferralStatusSchema.optional(), ...PAGE_QUERY })
  .strict();
export type ListReferralsQuery = z.output<typeof ListReferralsQuerySchema>;

export const ReferralIdSchema = z.uuid();

export const AcknowledgeReferralBodySchema = z
  .object({
    acknowledgedBy: RoleOrTeamSchema.describe(
      'The role or team acknowledging (e.g. "Justice Social Work duty team"), never a named person',
    ),
    acknowledgedAt: IsoInstant.optional().describe(
      'When the agency acknowledged; defaults to now. Not before the referral was sent',
    ),
  })
  .strict();
export type AcknowledgeReferralBody = z.output<typeof AcknowledgeReferralBodySchema>;

/** Decisions that close the door need their reason said (the prison staff read it). */
const DECISIONS_NEEDING_A_REASON: ReadonlySet<ReferralDecision> = new Set(['DECLINED', 'WITHDRAWN']);

export const RecordOutcomeBodySchema = z
  .object({
    decision: ReferralDecision,
    reason: AgencyTextSchema.optional().describe('Why: required when the decision is DECLINED or WITHDRAWN'),
    decidedAt: IsoInstant.optional().describe(
      'When the agency decided; defaults to now. Not before the referral was sent; checked against the lifecycle where it falls among the facts on record (an acknowledgement on record counts from the first decision if that is earlier)',
    ),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (DECISIONS_NEEDING_A_REASON.has(body.decision) && body.reason === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['reason'],
        message: `required when the decision is ${body.decision}`,
      });
    }
  });
export type RecordOutcomeBody = z.output<typeof RecordOutcomeBodySchema>;

export const CloseReferralBodySchema = z
  .object({
    outcome: ReferralClosureOutcome.describe(
      'What the work achieved: ACHIEVED, PARTIALLY_ACHIEVED or NOT_ACHIEVED',
    ),
    closedBy: RoleOrTeamSchema.describe('The role or team closing the case, never a named person'),
    summary: z
      .string()
      .max(2000)
      .trim()
      .min(1)
      .optional()
      .describe(
        'A summary of the work (what was done, what is still open), meant for the officer who referred; kept with the referral in this service and never on the bus; the staff of the prison responsible for the referral read it (GET /prison/referrals/{id}): the one it was sent from, or after a transfer the one holding the person',
      ),
    closedAt: IsoInstant.optional().describe(
      'When the agency closed the case; defaults to now. Not before the referral was sent, and after its acceptance (only an accepted case closes)',
    ),
  })
  .strict();
export type CloseReferralBody = z.output<typeof CloseReferralBodySchema>;

export const IDEMPOTENCY_HEADER = 'idempotency-key';

/** The request headers a POST reads besides the agency: the client's Idempotency-Key. */
export const IdempotencyHeadersSchema = z.object({
  [IDEMPOTENCY_HEADER]: z.string().max(200).trim().min(1).optional(),
});

export interface AcknowledgementView {
  acknowledgedAt: string;
  acknowledgedBy: string;
  recordedAt: string;
}

export interface OutcomeView {
  decision: ReferralDecision;
  reason: string | null;
  decidedAt: string;
  recordedAt: string;
}

export interface WithdrawalView {
  withdrawnAt: string;
  reason: string;
}

export interface ClosureView {
  outcome: ReferralClosureOutcome;
  closedAt: string;
  closedBy: string;
  summary: string | null;
  recordedAt: string;
}

/** The attendance a referral's status ATTENDED or NOT_ATTENDED stands on. */
export interface ReferralAttendanceView {
  appointmentId: string;
  /** YES, LATE (attended, late) or NO (not attended: the appointment holds the reason). */
  attendance: Attendance;
  attendedAt: string;
  /** Why the person did not attend (NO); null otherwise. */
  reason: string | null;
}

/**
 * A live appointment booked against the referral whose start went by with no attendance on
 * record: the agency owes its attendance (it can no longer cancel it), and the referral stays
 * APPOINTMENT_BOOKED until it is recorded.
 */
export interface AwaitingAttendanceView {
  appointmentId: string;
  startsAt: string;
}

export interface ReferralView {
  id: string;
  personId: string;
  episode: number;
  agencyId: string;
  pathways: Pathway[];
  /** The prison responsible: the one it was sent from, or holding the person since a transfer; null on referrals older than it. */
  establishmentCode: string | null;
  sentAt: string;
  /** The agency's deadline to acknowledge. */
  acknowledgeBy: string;
  /**
   * The day the person is due to be liberated (the day released, once released), as last told:
   * set when the referral is sent and by every later notice of a change; null on referrals older
   * than it.
   */
  liberationDate: string | null;
  /** The risk of serious harm the core screen found; null on referrals older than it. */
  riskOfSeriousHarm: z.infer<typeof RiskOfSeriousHarm> | null;
  status: ReferralStatus;
  /**
   * What the agency may do next: the lifecycle table (`GET /referrals/lifecycle`), and the
   * appointment facts (attendance, cancellation) whenever an appointment booked against it is live.
   */
  allowedActions: ReferralAction[];
  acknowledgement: AcknowledgementView | null;
  /** The agency's decisions, in the order they were made (then recorded). */
  outcomes: OutcomeView[];
  /** Null unless the journey withdrew the referral. */
  withdrawal: WithdrawalView | null;
  /** Null unless the agency closed the case (status CLOSED). */
  closure: ClosureView | null;
  /**
   * Null unless the status is ATTENDED or NOT_ATTENDED: the latest attendance of the acceptance
   * in force (LATE shows a late arrival, counted as attended; `referral.lifecycle.ts`).
   */
  attendance: ReferralAttendanceView | null;
  /** Live appointments whose start went by with no attendance recorded (when read), earliest first. */
  awaitingAttendance: AwaitingAttendanceView[];
}
