import type { EntityManager } from 'typeorm';
import { calculatedDate, calculateSentenceDates, SENTENCE_POLICIES } from '@throughcare/domain';
import { effectivePolicies } from './policy-table';
import type { AdoptedReleasePoint } from './replan.entities';

// Review M1: an adopted release-point change commencing later did not only apply from its own
// commencement; every calculation, in both jurisdictions, read the whole table as at that day.

describe('effectivePolicies', () => {
  const today = '2026-06-01';
  const record = {
    ...SENTENCE_POLICIES.releasePoints.find((p) => p.id === 'SCOTLAND_ST_THREE_TENTHS_2026')!,
    id: 'SPEC_SCOTLAND_30_ADOPTED',
    version: 1,
    commencement: 'VERIFIED' as const,
    inForceFrom: '2026-09-01',
    appliesTo: { kind: 'ALL_SERVING' as const },
    excludedOffenceCategories: [],
  };
  const manager = {
    find: async () =>
      [
        { policyId: record.id, version: 1, record, runId: 'r', adoptedAt: new Date() },
      ] satisfies Partial<AdoptedReleasePoint>[],
  } as unknown as EntityManager;

  it('reads the table as at today, an adopted record later in force applying from its own day', async () => {
    const { table, asAt } = await effectivePolicies(manager, today);
    expect(asAt).toBe(today);
    const scottish = (years: number) =>
      calculateSentenceDates(
        {
          jurisdiction: 'SCOTLAND',
          asAt,
          sentences: [{ id: 'S1', sentenceDate: '2026-01-05', term: { years } }],
        },
        table,
      );
    // Released after the commencement (40%: 2026-10-23): due on the day it commences.
    expect(calculatedDate(scottish(2), 'ARD')).toBe('2026-09-01');
    // Released before it (40%: 2026-05-30): not moved.
    expect(calculatedDate(scottish(1), 'ARD')).toBe('2026-05-30');
  });

  it('does not read the rest of the table (e.g. the other jurisdiction) ahead of its day', async () => {
    const { table, asAt } = await effectivePolicies(manager, today);
    const english = calculateSentenceDates(
      {
        jurisdiction: 'ENGLAND_AND_WALES',
        asAt,
        sentences: [{ id: 'S1', sentenceDate: '2026-01-05', term: { years: 2 } }],
      },
      table,
    );
    expect(english.asAt).toBe(today);
  });
});
