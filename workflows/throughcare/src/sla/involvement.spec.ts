import type { NeedReferralView, PlanView } from '@throughcare/contracts';
import { involvementOf, InvolvementSchema, InvolvementUnavailableError } from './involvement';

const plan = (over: Partial<PlanView> = {}): PlanView => ({
  personId: 'p0123456789abcdef0123',
  episode: 2,
  stage: 'PRE_RELEASE_MEETING',
  stagesDone: [],
  policy: { id: 'spec', version: 1 },
  deadlines: [],
  waitingOn: null,
  referralOutcomes: [],
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
    const involvement = involvementOf(plan({ needs: ['ACCOMMODATION'] }));
    expect(involvement).toEqual({
      personId: 'p0123456789abcdef0123',
      episode: 2,
      supervision: { agencyId: null, referralId: null, status: 'NOT_SENT', warnings: [] },
      caseClosed: false,
      referredPerNeed: false,
      pathways: [{ pathway: 'ACCOMMODATION', needStatus: null, open: [], closed: [], warnings: [] }],
      warnings: { duplication: 0, gap: 0 },
    });
    // What the route answers is what its OpenAPI schema says.
    expect(InvolvementSchema.parse(involvement)).toEqual(involvement);
  });

  it('warns of a gap when no supervising agency can be found or the supervision referral cannot be sent', () => {
    const noAgency = involvementOf(plan({ waitingOn: 'directory: no agency listed for S12000036' }));
    expect(noAgency.supervision.warnings).toEqual([
      { code: 'GAP', message: 'directory: no agency listed for S12000036: nobody is supervising' },
    ]);
    const item = {
      id: 'att-1',
      what: 'referral service unavailable',
      mustAct: 'operator',
      since: '2027-01-02T10:00:00Z',
      options: ['RETRY' as const, 'SKIP' as const],
    };
    const stuck = involvementOf(
      plan({ agencyId: 'cjsw-1', attention: [{ ...item, action: 'referral:send', status: 'OPEN' }] }),
    );
    expect(stuck.supervision.warnings).toEqual([
      {
        code: 'GAP',
        message: 'the supervision referral could not be sent: an operator has an attention item',
      },
    ]);
    // Resolved, or before anything failed: nothing to warn of.
    expect(
      involvementOf(plan({ attention: [{ ...item, action: 'referral:send', status: 'RESOLVED' }] })).warnings,
    ).toEqual({ duplication: 0, gap: 0 });
  });

  it('cannot say who is involved from a plan the journey could not derive, or of a journey that predates the referral facts', () => {
    const fallback = plan({ waitingOn: 'operator: the plan cannot be derived (boom)' });
    delete fallback.referralOutcomes;
    expect(() => involvementOf(fallback)).toThrow(InvolvementUnavailableError);
    expect(() => involvementOf(fallback)).toThrow(/operator: the plan cannot be derived/);
  });

  it('follows the supervising agency: sent, acknowledged, its latest decision by when decided, withdrawn, closed', () => {
    const status = (over: Partial<PlanView>) =>
      involvementOf(plan({ ...supervised, ...over })).supervision.status;
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
    expect(declined.supervision.warnings).toEqual([
      {
        code: 'GAP',
        message: 'cjsw-s12000036 declined the supervision referral: nobody is supervising',
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
    expect(closedCase.supervision.warnings).toEqual([]);
    expect(closedCase.caseClosed).toBe(true);
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
          message:
            '2 agencies have taken this need on (housing-1, housing-2; the plan shows housing-1): agree which one works it',
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

  it('counts agencies, not tries, and warns of nothing once the case has closed', () => {
    const needs: NeedReferralView[] = [
      need({
        pathway: 'ACCOMMODATION',
        status: 'ACCEPTED',
        agencyId: 'housing-1',
        tried: [
          { agencyId: 'housing-1', referralId: 'r1', rule: 'x', status: 'ACCEPTED' },
          // The same agency offered the need again after its cool-off, and accepting both.
          { agencyId: 'housing-1', referralId: 'r2', rule: 'x', status: 'ACCEPTED' },
        ],
      }),
    ];
    expect(involvementOf(plan({ needReferrals: needs })).warnings).toEqual({ duplication: 0, gap: 0 });
    const twoAgencies = needs.map((n) => ({
      ...n,
      tried: [
        ...n.tried,
        { agencyId: 'housing-2', referralId: 'r3', rule: 'x', status: 'ON_WAITING_LIST' as const },
      ],
    }));
    twoAgencies.push(need({ pathway: 'HEALTH', status: 'GAP' }));
    expect(involvementOf(plan({ needReferrals: twoAgencies })).warnings).toEqual({ duplication: 1, gap: 1 });
    // Follow-up over: the referrals still standing are left with the agencies, and nobody is warned.
    const closed = involvementOf(
      plan({ ...supervised, stage: 'CLOSED', closedAt: '2027-09-01T10:00:00Z', needReferrals: twoAgencies }),
    );
    expect(closed).toMatchObject({ caseClosed: true, warnings: { duplication: 0, gap: 0 } });
    expect(closed.pathways[0]!.open).toHaveLength(3);
  });
});
