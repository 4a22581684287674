import { z } from 'zod';
import { ConflictError } from '@throughcare/platform-errors';
import {
  IsoInstant,
  Pathway,
  ReferralClosureOutcome,
  type NeedReferralView,
  type NeedTryStatus,
  type PlanView,
} from '@throughcare/contracts';

/**
 * Who else is involved with a person in a custody episode (issue 9), derived from the journey's
 * plan: the agency supervising on release (the justice social work or probation referral) and,
 * for each assessed need, the agencies working it. Two warnings a practitioner acts on:
 * DUPLICATION (two agencies have both taken the same need on: one should stand down) and GAP (an
 * assessed need no agency is working, or a supervising agency that declined or stopped).
 */

const SupervisionStatusSchema = z.enum([
  'NOT_SENT',
  'SENT',
  'ACKNOWLEDGED',
  'MORE_INFORMATION_REQUESTED',
  'ON_WAITING_LIST',
  'ACCEPTED',
  'DECLINED',
  'WITHDRAWN_BY_AGENCY',
  'WITHDRAWN',
  'CLOSED_BY_AGENCY',
]);
type SupervisionStatus = z.infer<typeof SupervisionStatusSchema>;

const OPEN_TRY_STATUSES = [
  'SENT',
  'ACKNOWLEDGED',
  'ACCEPTED',
  'ON_WAITING_LIST',
  'MORE_INFORMATION_REQUESTED',
] as const satisfies readonly NeedTryStatus[];
type OpenTryStatus = (typeof OPEN_TRY_STATUSES)[number];
/** An agency that has taken the need on (a place, or a place to come). */
const TAKEN_ON: ReadonlySet<NeedTryStatus> = new Set(['ACCEPTED', 'ON_WAITING_LIST']);
const NEED_STATUSES = [
  'NOT_YET_DUE',
  'CHOOSING',
  'SENDING',
  'SENT',
  'ACKNOWLEDGED',
  'ACCEPTED',
  'ON_WAITING_LIST',
  'MORE_INFORMATION_REQUESTED',
  'NEEDS_ATTENTION',
  'WITHDRAWN',
  'GAP',
  'NOT_REFERRED',
  'CLOSED',
  'CLOSED_BY_AGENCY',
] as const satisfies readonly NeedReferralView['status'][];
/** The need's own statuses in which nobody is working it and somebody must act. */
const UNWORKED: ReadonlySet<NeedReferralView['status']> = new Set(['GAP', 'NEEDS_ATTENTION']);

const WarningSchema = z.object({
  code: z.enum(['DUPLICATION', 'GAP']),
  message: z.string(),
});
export type InvolvementWarning = z.infer<typeof WarningSchema>;

const ClosureSchema = z.object({ outcome: ReferralClosureOutcome, closedAt: IsoInstant });

export const InvolvementSchema = z.object({
  personId: z.string(),
  episode: z.number().int(),
  supervision: z
    .object({
      agencyId: z.string().nullable().describe('Null until the directory has found one'),
      referralId: z.string().nullable().describe('Null until the referral is sent (status NOT_SENT)'),
      status: SupervisionStatusSchema,
      closure: ClosureSchema.optional(),
      warnings: z.array(WarningSchema),
    })
    .describe('The justice social work or probation referral'),
  caseClosed: z.boolean().describe('The case has closed: nothing is warned of any more'),
  referredPerNeed: z
    .boolean()
    .describe(
      'False for a journey that predates one referral per need: its needs go with the supervision referral',
    ),
  pathways: z.array(
    z.object({
      pathway: Pathway,
      needStatus: z
        .enum(NEED_STATUSES)
        .nullable()
        .describe(
          "The need's referral status in the plan (needReferrals); null before one referral per need",
        ),
      open: z
        .array(z.object({ agencyId: z.string(), referralId: z.string(), status: z.enum(OPEN_TRY_STATUSES) }))
        .describe('Every agency holding an open referral for this need'),
      closed: z
        .array(z.object({ agencyId: z.string(), referralId: z.string(), closure: ClosureSchema }))
        .describe('Agencies that finished their work on this need'),
      warnings: z.array(WarningSchema),
    }),
  ),
  warnings: z
    .object({ duplication: z.number().int(), gap: z.number().int() })
    .describe('How many warnings of each kind, supervision included'),
});
export type Involvement = z.infer<typeof InvolvementSchema>;

/** The supervising referral's status: the agency's closure, the journey's withdrawal, its latest decision, else acknowledged or sent. */
function supervisionStatus(plan: PlanView): SupervisionStatus {
  if (!plan.referralId) return 'NOT_SENT';
  if (plan.referralClosure) return 'CLOSED_BY_AGENCY';
  if (plan.referralWithdrawn) return 'WITHDRAWN';
  // The latest by when decided (of one instant, the later told), as the referral service folds them.
  let latest: NonNullable<PlanView['referralOutcomes']>[number] | undefined;
  for (const o of plan.referralOutcomes ?? [])
    if (!latest || Date.parse(o.decidedAt) >= Date.parse(latest.decidedAt)) latest = o;
  if (latest) return latest.decision === 'WITHDRAWN' ? 'WITHDRAWN_BY_AGENCY' : latest.decision;
  return plan.referralAcknowledgedAt ? 'ACKNOWLEDGED' : 'SENT';
}

/** An open attention item of the supervising referral: no agency found, or the referral not sent. */
const SUPERVISION_STEPS: ReadonlySet<string> = new Set(['directory:find-agency', 'referral:send']);

function supervisionOf(plan: PlanView, closed: boolean): Involvement['supervision'] {
  const status = supervisionStatus(plan);
  const warnings: InvolvementWarning[] = [];
  if (!closed && (status === 'DECLINED' || status === 'WITHDRAWN_BY_AGENCY'))
    warnings.push({
      code: 'GAP',
      message: `${plan.agencyId} ${status === 'DECLINED' ? 'declined' : 'stopped'} the supervision referral: nobody is supervising`,
    });
  const stuck = (plan.attention ?? []).find((a) => a.status === 'OPEN' && SUPERVISION_STEPS.has(a.action));
  if (
    !closed &&
    status === 'NOT_SENT' &&
    (stuck || plan.waitingOn?.startsWith('directory: no agency listed'))
  )
    warnings.push({
      code: 'GAP',
      message: stuck
        ? `the supervision referral could not be ${stuck.action === 'referral:send' ? 'sent' : 'addressed (no agency found)'}: an operator has an attention item`
        : `${plan.waitingOn}: nobody is supervising`,
    });
  return {
    agencyId: plan.agencyId ?? null,
    referralId: plan.referralId ?? null,
    status,
    ...(plan.referralClosure ? { closure: { ...plan.referralClosure } } : {}),
    warnings,
  };
}

function pathwayOf(need: NeedReferralView, closed: boolean): Involvement['pathways'][number] {
  const sent = need.tried.filter((t): t is typeof t & { referralId: string } => t.referralId !== undefined);
  const open = sent.flatMap((t) =>
    (OPEN_TRY_STATUSES as readonly NeedTryStatus[]).includes(t.status)
      ? [{ agencyId: t.agencyId, referralId: t.referralId, status: t.status as OpenTryStatus }]
      : [],
  );
  const closedWork = sent.flatMap((t) =>
    t.closure ? [{ agencyId: t.agencyId, referralId: t.referralId, closure: { ...t.closure } }] : [],
  );
  const warnings: InvolvementWarning[] = [];
  // Agencies, not tries: one agency may hold two tries of a need (offered it again after a cool-off).
  const takenOn = [...new Set(open.filter((o) => TAKEN_ON.has(o.status)).map((o) => o.agencyId))];
  if (!closed && takenOn.length > 1)
    warnings.push({
      code: 'DUPLICATION',
      message: `${takenOn.length} agencies have taken this need on (${takenOn.join(', ')}; the plan shows ${need.agencyId ?? takenOn[0]}): agree which one works it`,
    });
  if (!closed && UNWORKED.has(need.status))
    warnings.push({
      code: 'GAP',
      message:
        need.status === 'GAP'
          ? 'no eligible agency is left for this need: prison staff have an attention item'
          : 'an agency could not be chosen for this need, or its referral could not be sent: an operator has an attention item',
    });
  return { pathway: need.pathway, needStatus: need.status, open, closed: closedWork, warnings };
}

/**
 * A plan that cannot say who is involved: one the journey could not derive (it answers what it
 * knows, without its referrals), or one of a journey that predates the referral facts in its plan.
 */
export class InvolvementUnavailableError extends ConflictError {
  constructor(plan: PlanView) {
    super(
      `the plan of ${plan.personId} episode ${plan.episode} does not say who is involved (${plan.waitingOn ?? 'a journey of an earlier version'}): read the plan`,
      'INVOLVEMENT_UNAVAILABLE',
    );
  }
}

export function involvementOf(plan: PlanView): Involvement {
  // Every plan derived by journeys since v2 lists the main referral's outcomes (empty or not).
  if (plan.referralOutcomes === undefined) throw new InvolvementUnavailableError(plan);
  const closed = plan.closedAt !== undefined || plan.stage === 'CLOSED';
  const supervision = supervisionOf(plan, closed);
  const pathways = plan.needReferrals
    ? plan.needReferrals.map((n) => pathwayOf(n, closed))
    : (plan.needs ?? []).map((pathway) => ({
        pathway,
        needStatus: null,
        open: [],
        closed: [],
        warnings: [],
      }));
  const all = [...supervision.warnings, ...pathways.flatMap((p) => p.warnings)];
  return {
    personId: plan.personId,
    episode: plan.episode,
    supervision,
    caseClosed: closed,
    referredPerNeed: plan.needReferrals !== undefined,
    pathways,
    warnings: {
      duplication: all.filter((w) => w.code === 'DUPLICATION').length,
      gap: all.filter((w) => w.code === 'GAP').length,
    },
  };
}
