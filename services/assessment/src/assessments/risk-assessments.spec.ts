import { LikelihoodOfReoffending, parseEvent, RiskRise } from '@throughcare/contracts';
import { LIKELIHOODS_OF_REOFFENDING, riskRises, type RiskRise as DomainRiskRise } from '@throughcare/domain';
import { riskAssessed } from './assessment.events';
import { RiskAssessmentVersion } from './risk-assessment.entity';
import { riskOf, viewOfRisk } from './risk-assessments.service';

const row = (overrides: Partial<RiskAssessmentVersion> = {}): RiskAssessmentVersion =>
  Object.assign(new RiskAssessmentVersion(), {
    personId: 'p0123456789abcdef0123',
    version: 2,
    likelihoodOfReoffending: 'MEDIUM',
    riskOfSeriousHarm: 'HIGH',
    reasons: 'Disclosed threats towards a former partner.',
    assessedOn: '2026-11-30',
    mappaCategory: 2,
    mappaLevel: 1,
    rises: ['RISK_OF_SERIOUS_HARM', 'MAPPA_LEVEL'],
    recordedAt: new Date('2026-12-01T10:00:00Z'),
    recordedBy: 'user:st-1',
    ...overrides,
  });

describe('risk assessments: the stored version, its view and its event', () => {
  it("the contracts' scales are the domain's (the domain imports only types from contracts)", () => {
    expect(LikelihoodOfReoffending.options).toEqual([...LIKELIHOODS_OF_REOFFENDING]);
    const everyRise: DomainRiskRise[] = riskRises(
      {
        likelihoodOfReoffending: 'LOW',
        riskOfSeriousHarm: 'LOW',
        reasons: 'r',
        assessedOn: '2026-01-01',
        mappa: null,
      },
      {
        likelihoodOfReoffending: 'HIGH',
        riskOfSeriousHarm: 'VERY_HIGH',
        reasons: 'r',
        assessedOn: '2026-01-02',
        mappa: { category: 1, level: 1 },
      },
    );
    expect(everyRise).toEqual(RiskRise.options);
  });

  it('reads MAPPA back as both or neither, and views the ETag as risk-vN', () => {
    expect(riskOf(row()).mappa).toEqual({ category: 2, level: 1 });
    expect(riskOf(row({ mappaCategory: null, mappaLevel: null })).mappa).toBeNull();
    expect(viewOfRisk(row())).toMatchObject({
      etag: '"risk-v2"',
      version: 2,
      recordedAt: '2026-12-01T10:00:00.000Z',
    });
  });

  it('publishes a valid assessment.risk.assessed@1 with the bands and what rose, never the reasons', () => {
    const event = riskAssessed(row(), 3, 'corr-1');
    const parsed = parseEvent(event);
    expect(parsed.ok).toBe(true);
    expect(event).toMatchObject({
      eventType: 'assessment.risk.assessed',
      version: 1,
      occurredAt: '2026-12-01T10:00:00.000Z',
      correlationId: 'corr-1',
      personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: 'p0123456789abcdef0123' }] },
      data: {
        episode: 3,
        version: 2,
        likelihoodOfReoffending: 'MEDIUM',
        riskOfSeriousHarm: 'HIGH',
        mappa: { category: 2, level: 1 },
        assessedOn: '2026-11-30',
        rises: ['RISK_OF_SERIOUS_HARM', 'MAPPA_LEVEL'],
      },
    });
    expect(JSON.stringify(event)).not.toContain('threats');
    expect(riskAssessed(row({ mappaCategory: null, mappaLevel: null }), 1, 'c').data.mappa).toBeNull();
  });
});
