import { initialState, STATE_SCHEMA_VERSION, upgradeState } from './journey-state';

describe('journey state carried across continue-as-new', () => {
  it('upgrades a state from before schema versions (no field) to the current schema, adding only empty fields', () => {
    const { schemaVersion: _v, attention: _a, attentionUnrecorded: _u, ...v1 } = initialState('2027-06-01');
    const carried = { ...v1, run: 3, stage: 'STANDARD_REVIEWS', seenEventIds: ['e1', 'e2'] };
    const upgraded = upgradeState(JSON.parse(JSON.stringify(carried)));
    expect(upgraded).toEqual({
      ...carried,
      schemaVersion: STATE_SCHEMA_VERSION,
      attention: [],
      attentionUnrecorded: [],
    });
  });

  it('keeps a current state as it is', () => {
    const state = {
      ...initialState('2027-06-01'),
      attention: [
        {
          id: 'att-1',
          action: 'plan',
          what: 'x',
          mustAct: 'operator',
          since: '2027-01-01T00:00:00.000Z',
          options: ['RETRY' as const],
          status: 'OPEN' as const,
        },
      ],
    };
    expect(upgradeState(JSON.parse(JSON.stringify(state)))).toEqual(state);
  });

  it('refuses a state from newer code, or no state at all', () => {
    expect(() =>
      upgradeState({ ...initialState('2027-06-01'), schemaVersion: STATE_SCHEMA_VERSION + 1 }),
    ).toThrow(/newer than this code/);
    expect(() => upgradeState('nonsense')).toThrow(/not an object with a run number/);
  });
});
