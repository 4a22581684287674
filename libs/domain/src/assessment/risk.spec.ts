import { RiskOfSeriousHarm } from '@throughcare/contracts';
import {
  InvalidRiskError,
  MAPPA_REFERENCE,
  RISK_OF_SERIOUS_HARM_ORDER,
  RISK_REASONS_MAX_LENGTH,
  riskRises,
  validateRisk,
  type RiskAssessment,
} from './risk';

const base: RiskAssessment = {
  likelihoodOfReoffending: 'MEDIUM',
  riskOfSeriousHarm: 'MEDIUM',
  reasons: 'Two previous convictions for assault; engaged with addiction services.',
  assessedOn: '2026-03-02',
  mappa: null,
};

function refusal(risk: unknown): string {
  try {
    validateRisk(risk as RiskAssessment);
  } catch (e) {
    if (e instanceof InvalidRiskError) {
      expect(e.code).toBe('DOMAIN_INVALID_RISK');
      return e.field;
    }
    throw e;
  }
  return 'accepted';
}

describe('validateRisk', () => {
  it('accepts a whole assessment, with or without MAPPA', () => {
    expect(refusal(base)).toBe('accepted');
    expect(refusal({ ...base, mappa: { category: 4, level: 3 } })).toBe('accepted');
    expect(refusal({ ...base, reasons: 'x'.repeat(RISK_REASONS_MAX_LENGTH) })).toBe('accepted');
  });

  it('names the field that is wrong', () => {
    expect(refusal({ ...base, likelihoodOfReoffending: 'VERY_HIGH' })).toBe('likelihoodOfReoffending');
    expect(refusal({ ...base, riskOfSeriousHarm: 'EXTREME' })).toBe('riskOfSeriousHarm');
    expect(refusal({ ...base, reasons: '' })).toBe('reasons');
    expect(refusal({ ...base, reasons: '   \n' })).toBe('reasons');
    expect(refusal({ ...base, reasons: 'x'.repeat(RISK_REASONS_MAX_LENGTH + 1) })).toBe('reasons');
    expect(refusal({ ...base, assessedOn: '2026-02-30' })).toBe('assessedOn');
    expect(refusal({ ...base, assessedOn: '02/03/2026' })).toBe('assessedOn');
    expect(refusal({ ...base, mappa: { category: 0, level: 1 } })).toBe('mappa.category');
    expect(refusal({ ...base, mappa: { category: 5, level: 1 } })).toBe('mappa.category');
    expect(refusal({ ...base, mappa: { category: 1, level: 4 } })).toBe('mappa.level');
    expect(refusal({ ...base, mappa: { category: 1, level: 0 } })).toBe('mappa.level');
  });

  it('says in data what is unverified about MAPPA, and the scale order matches the contracts', () => {
    expect(MAPPA_REFERENCE.source.unverified).toMatch(/Category 4/);
    expect(Object.keys(MAPPA_REFERENCE.categories)).toEqual(['1', '2', '3', '4']);
    expect(Object.keys(MAPPA_REFERENCE.levels)).toEqual(['1', '2', '3']);
    expect(RISK_OF_SERIOUS_HARM_ORDER).toEqual(RiskOfSeriousHarm.options);
  });
});

describe('riskRises', () => {
  it('a first assessment is no rise, however high', () => {
    expect(
      riskRises(null, {
        ...base,
        riskOfSeriousHarm: 'VERY_HIGH',
        likelihoodOfReoffending: 'HIGH',
        mappa: { category: 1, level: 3 },
      }),
    ).toEqual([]);
  });

  it('reports each rise, in order, and no fall', () => {
    expect(riskRises(base, base)).toEqual([]);
    expect(riskRises(base, { ...base, riskOfSeriousHarm: 'HIGH' })).toEqual(['RISK_OF_SERIOUS_HARM']);
    expect(riskRises(base, { ...base, riskOfSeriousHarm: 'LOW' })).toEqual([]);
    expect(riskRises(base, { ...base, likelihoodOfReoffending: 'HIGH' })).toEqual([
      'LIKELIHOOD_OF_REOFFENDING',
    ]);
    expect(riskRises(base, { ...base, likelihoodOfReoffending: 'LOW' })).toEqual([]);
    expect(
      riskRises(base, {
        ...base,
        riskOfSeriousHarm: 'VERY_HIGH',
        likelihoodOfReoffending: 'HIGH',
        mappa: { category: 2, level: 1 },
      }),
    ).toEqual(['RISK_OF_SERIOUS_HARM', 'MAPPA_LEVEL', 'LIKELIHOOD_OF_REOFFENDING']);
  });

  it('MAPPA: a new flag and a higher level rise; a lower level, leaving or a new category do not', () => {
    const level = (l: 1 | 2 | 3, category: 1 | 2 | 3 | 4 = 1): RiskAssessment => ({
      ...base,
      mappa: { category, level: l },
    });
    expect(riskRises(base, level(1))).toEqual(['MAPPA_LEVEL']);
    expect(riskRises(level(1), level(2))).toEqual(['MAPPA_LEVEL']);
    expect(riskRises(level(2), level(3))).toEqual(['MAPPA_LEVEL']);
    expect(riskRises(level(3), level(2))).toEqual([]);
    expect(riskRises(level(2), base)).toEqual([]);
    expect(riskRises(level(2, 1), level(2, 3))).toEqual([]);
  });
});
