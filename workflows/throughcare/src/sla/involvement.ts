import { z } from 'zod';
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
      agencyId: z.string(),
      referralId: z.string(),
      status: SupervisionStatusSchema,
      closure: ClosureSchema.optional(),
      warnings: z.array(WarningSchema),
    })
    .nullable()
    .describe('The justice social work or probation referral; null until it is sent'),
  referredPerNeed: z
    .boolean()
    .describe(
      'False for a journey that predates one referral per need: its needs go with the supervision referral',
    ),
  pathways: z.array(
    z.object({
      pathway: Pathway,
      needStatus: z.string().nullable().describe("The need's referral status in the plan (needReferrals)"),
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
  if (plan.referralClosure) return 'CLOSED_BY_AGENCY';
  if (plan.referralWithdrawn) return 'WITHDRAWN';
  // The latest by when decided (of one instant, the later told), as the journey folds them.
  let latest: NonNullable<PlanView['referralOutcomes']>[number] | undefined;
  for (const o of plan.referralOutcomes ?? [])
    if (!latest || Date.parse(o.decidedAt) >= Date.parse(latest.decidedAt)) latest = o;
  if (latest) return latest.decision === 'WITHDRAWN' ? 'WITHDRAWN_BY_AGENCY' : latest.decision;
  return plan.referralAcknowledgedAt ? 'ACKNOWLEDGED' : 'SENT';
}

function supervisionOf(plan: PlanView): Involvement['supervision'] {
  if (!plan.referralId || !plan.agencyId) return null;
  const status = supervisionStatus(plan);
  // The case is still open: a supervising agency that declined or stopped leaves nobody supervising.
  const warnings: InvolvementWarning[] =
    !plan.closedAt && (status === 'DECLINED' || status === 'WITHDRAWN_BY_AGENCY')
      ? [
          {
            code: 'GAP',
            message: `${plan.agencyId} ${status === 'DECLINED' ? 'declined' : 'stopped'} the supervision referral: nobody supervises on release`,
          },
        ]
      : [];
  return {
    agencyId: plan.agencyId,
    referralId: plan.referralId,
    status,
    ...(plan.referralClosure ? { closure: { ...plan.referralClosure } } : {}),
    warnings,
  };
}

function pathwayOf(need: NeedReferralView): Involvement['pathways'][number] {
  const sent = need.tried.filter((t): t is typeof t & { referralId: string } => t.referralId !== undefined);
  const open = sent.flatMap((t) =>
    (OPEN_TRY_STATUSES as readonly NeedTryStatus[]).includes(t.status)
      ? [{ agencyId: t.agencyId, referralId: t.referralId, status: t.status as OpenTryStatus }]
      : [],
  );
  const closed = sent.flatMap((t) =>
    t.closure ? [{ agencyId: t.agencyId, referralId: t.referralId, closure: { ...t.closure } }] : [],
  );
  const warnings: InvolvementWarning[] = [];
  const takenOn = open.filter((o) => TAKEN_ON.has(o.status));
  if (takenOn.length > 1)
    warnings.push({
      code: 'DUPLICATION',
      message: `${takenOn.length} agencies have taken this need on (${takenOn.map((o) => o.agencyId).join(', ')}): agree which one works it`,
    });
  if (UNWORKED.has(need.status))
    warnings.push({
      code: 'GAP',
      message:
        need.status === 'GAP'
          ? 'no eligible agency is left for this need: prison staff have an attention item'
          : 'the referral for this need could not be made: an operator has an attention item',
    });
  return { pathway: need.pathway, needStatus: need.status, open, closed, warnings };
}

export function involvementOf(plan: PlanView): Involvement {
  const supervision = supervisionOf(plan);
  const pathways = plan.needReferrals
    ? plan.needReferrals.map(pathwayOf)
    : (plan.needs ?? []).map((pathway) => ({
        pathway,
        needStatus: null,
        open: [],
        closed: [],
        warnings: [],
      }));
  const all = [...(supervision?.warnings ?? []), ...pathways.flatMap((p) => p.warnings)];
  return {
    personId: plan.personId,
    episode: plan.episode,
    supervision,
    referredPerNeed: plan.needReferrals !== undefined,
    pathways,
    warnings: {
      duplication: all.filter((w) => w.code === 'DUPLICATION').length,
      gap: all.filter((w) => w.code === 'GAP').length,
    },
  };
}
