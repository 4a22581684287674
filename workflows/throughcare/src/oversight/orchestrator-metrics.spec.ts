import { mustActLabels } from './orchestrator-metrics';

describe('who must act, as bounded metric labels', () => {
  it('keeps the kind of party and the prison, never an agency id or the wording', () => {
    expect(mustActLabels('prison:BAR')).toEqual({ must_act: 'prison', establishment: 'BAR' });
    expect(mustActLabels('prison:BAR and agency:3f2a0c1e-0000-4000-8000-000000000000')).toEqual({
      must_act: 'prison_and_agency',
      establishment: 'BAR',
    });
    expect(mustActLabels('agency:3f2a0c1e-0000-4000-8000-000000000000')).toEqual({
      must_act: 'agency',
      establishment: 'none',
    });
    expect(mustActLabels('operator (correct the fact, then retry)')).toEqual({
      must_act: 'operator',
      establishment: 'none',
    });
    expect(mustActLabels('the directory service')).toEqual({ must_act: 'other', establishment: 'none' });
  });
});
