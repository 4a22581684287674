import type { NeedReferralView, PlanView } from '@throughcare/contracts';
import { involvementOf } from './involvement';

const plan = (over: Partial<PlanView> = {}): PlanView => ({
  personId: 'p0123456789abcdef0123',
  episode: 2,
  stage: 'PRE_RELEASE_MEETING',
  stagesDone: [],
  policy: { id: 'spec', version: 1 },
  deadlines: [],
  waitingOn: null,
  ...over,
});
const supervised = {
  referralId: 'ref-cjsw',
  agencyId: 'cjsw-s12000036',
};
const need = (
  over: Partial<NeedReferralView> & Pick<NeedReferralView, 'pathway' | 'status'>,
): NeedReferralView => ({
  tried: [],
  ...over,
});

describe('who else is involved (from the plan)', () => {
  it('names nobody before the supervision referral is sent, and lists the needs of a journey that predates per-need referrals', () => {
    expect(involvementOf(plan({ needs: ['ACCOMMODATION'] }))).toEqual({
      personId: 'p0123456789abcdef0123',
      episode: 2,
      supervision: null,
      referredPerNeed: false,
      pathways: [{ pathway: 'ACCOMMODATION', needStatus: null, open: [], closed: [], warnings: [] }],
      warnings: { duplication: 0, gap: 0 },
    });
  });

  it('follows the supervising agency: sent, acknowledged, its latest decision by when decided, withdrawn, closed', () => {
    const status = (over: Partial<PlanView>) =>
      involvementOf(plan({ ...supervised, ...over })).supervision?.status;
    expect(status({})).toBe('SENT');
    expect(status({ referralAcknowledgedAt: '2027-01-02T10:00:00Z' })).toBe('ACKNOWLEDGED');
    const outcomes: PlanView['referralOutcomes'] = [
      { decision: 'ACCEPTED', decidedAt: '2027-01-05T10:00:00Z' },
      // Told later, decided earlier: not the latest.
      { decision: 'MORE_INFORMATION_REQUESTED', decidedAt: '2027-01-03T10:00:00Z' },
    ];
    expect(status({ referralAcknowledgedAt: '2027-01-02T10:00:00Z', referralOutcomes: outcomes })).toBe(
      'ACCEPTED',
    );
    expect(
      status({
        referralOutcomes: [{ decision: 'WITHDRAWN', decidedAt: '2027-01-05T10:00:00Z', reason: 'x' }],
      }),
    ).toBe('WITHDRAWN_BY_AGENCY');
    expect(status({ referralOutcomes: outcomes, referralWithdrawn: true })).toBe('WITHDRAWN');
    const closure = { outcome: 'ACHIEVED' as const, closedAt: '2027-06-01T10:00:00Z' };
    expect(
      involvementOf(plan({ ...supervised, referralOutcomes: outcomes, referralClosure: closure }))
        .supervision,
    ).toEqual({
      ...supervised,
      status: 'CLOSED_BY_AGENCY',
      closure,
      warnings: [],
    });
  });

  it('warns of a gap when the supervising agency declined or stopped while the case is open', () => {
    const declined = involvementOf(
      plan({
        ...supervised,
        referralOutcomes: [{ decision: 'DECLINED', decidedAt: '2027-01-05T10:00:00Z', reason: 'x' }],
      }),
    );
    expect(declined.supervision?.warnings).toEqual([
      {
        code: 'GAP',
        message: 'cjsw-s12000036 declined the supervision referral: nobody supervises on release',
      },
    ]);
    expect(declined.warnings).toEqual({ duplication: 0, gap: 1 });
    const closedCase = involvementOf(
      plan({
        ...supervised,
        closedAt: '2027-02-01T10:00:00Z',
        referralOutcomes: [{ decision: 'DECLINED', decidedAt: '2027-01-05T10:00:00Z', reason: 'x' }],
      }),
    );
    expect(closedCase.supervision?.warnings).toEqual([]);
  });

  it('lists, per need, the agencies with open referrals and those that closed their work; warns when two have taken the same need on, and of a need nobody works', () => {
    const involvement = involvementOf(
      plan({
        ...supervised,
        needReferrals: [
          need({
            pathway: 'ACCOMMODATION',
            status: 'ACCEPTED',
            agencyId: 'housing-1',
            tried: [
              { agencyId: 'housing-1', referralId: 'r1', rule: 'eligibility-v1', status: 'ACCEPTED' },
              { agencyId: 'housing-2', referralId: 'r2', rule: 'eligibility-v1', status: 'ON_WAITING_LIST' },
              {
                agencyId: 'housing-3',
                referralId: 'r3',
                rule: 'eligibility-v1',
                status: 'ENDED',
                endedBecause: 'declined',
              },
            ],
          }),
          need({
            pathway: 'HEALTH',
            status: 'SENT',
            tried: [
              { agencyId: 'clinic-1', referralId: 'r4', rule: 'eligibility-v1', status: 'SENT' },
              {
                agencyId: 'clinic-0',
                referralId: 'r5',
                rule: 'eligibility-v1',
                status: 'CLOSED_BY_AGENCY',
                endedBecause: 'closed by the agency: NOT_ACHIEVED',
                closure: { outcome: 'NOT_ACHIEVED', closedAt: '2027-01-09T10:00:00Z' },
              },
            ],
          }),
          need({ pathway: 'FINANCE_AND_ID', status: 'GAP', gap: { since: 'x', nextAskedAt: 'y' } }),
          need({
            pathway: 'DRUGS_AND_ALCOHOL',
            status: 'NEEDS_ATTENTION',
            tried: [{ agencyId: 'recovery-1', rule: 'eligibility-v1', status: 'NEEDS_ATTENTION' }],
          }),
          need({
            pathway: 'EDUCATION_SKILLS_AND_WORK',
            status: 'NOT_REFERRED',
            notReferredBecause: 'by hand',
          }),
        ],
      }),
    );
    expect(involvement.referredPerNeed).toBe(true);
    const [accommodation, health, finance, drugs, education] = involvement.pathways;
    expect(accommodation).toEqual({
      pathway: 'ACCOMMODATION',
      needStatus: 'ACCEPTED',
      open: [
        { agencyId: 'housing-1', referralId: 'r1', status: 'ACCEPTED' },
        { agencyId: 'housing-2', referralId: 'r2', status: 'ON_WAITING_LIST' },
      ],
      closed: [],
      warnings: [
        {
          code: 'DUPLICATION',
          message: '2 agencies have taken this need on (housing-1, housing-2): agree which one works it',
        },
      ],
    });
    expect(health).toEqual({
      pathway: 'HEALTH',
      needStatus: 'SENT',
      open: [{ agencyId: 'clinic-1', referralId: 'r4', status: 'SENT' }],
      closed: [
        {
          agencyId: 'clinic-0',
          referralId: 'r5',
          closure: { outcome: 'NOT_ACHIEVED', closedAt: '2027-01-09T10:00:00Z' },
        },
      ],
      warnings: [],
    });
    expect(finance!.warnings.map((w) => w.code)).toEqual(['GAP']);
    // Not yet sent (its send needs an operator): no open referral, and a gap.
    expect(drugs).toMatchObject({ open: [], warnings: [{ code: 'GAP' }] });
    // Arranged outside the platform by decision: no warning.
    expect(education).toMatchObject({ open: [], warnings: [] });
    expect(involvement.warnings).toEqual({ duplication: 1, gap: 2 });
  });

  it('does not count an agency still deciding, or one asking for more, as having taken the need on', () => {
    const involvement = involvementOf(
      plan({
        needReferrals: [
          need({
            pathway: 'ACCOMMODATION',
            status: 'ACCEPTED',
            tried: [
              { agencyId: 'housing-1', referralId: 'r1', rule: 'x', status: 'ACCEPTED' },
              { agencyId: 'housing-2', referralId: 'r2', rule: 'x', status: 'MORE_INFORMATION_REQUESTED' },
              { agencyId: 'housing-3', referralId: 'r3', rule: 'x', status: 'ACKNOWLEDGED' },
            ],
          }),
        ],
      }),
    );
    expect(involvement.pathways[0]!.open).toHaveLength(3);
    expect(involvement.warnings).toEqual({ duplication: 0, gap: 0 });
  });
});
