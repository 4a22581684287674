import {
  assessmentStatus,
  completionProblems,
  normaliseNeeds,
  repeatsCompletion,
  type CompletionFacts,
} from './assessment.state';

const dueBy = new Date('2026-03-05T17:00:00Z');

describe('assessmentStatus', () => {
  it('is REQUESTED until dueBy, OVERDUE after, COMPLETED once completed whenever that was', () => {
    expect(assessmentStatus({ completedAt: null, dueBy }, new Date('2026-03-05T17:00:00Z'))).toBe(
      'REQUESTED',
    );
    expect(assessmentStatus({ completedAt: null, dueBy }, new Date('2026-03-05T17:00:00.001Z'))).toBe(
      'OVERDUE',
    );
    expect(
      assessmentStatus(
        { completedAt: new Date('2026-03-06T09:00:00Z'), dueBy },
        new Date('2026-03-07T09:00:00Z'),
      ),
    ).toBe('COMPLETED');
  });
});

describe('repeatsCompletion', () => {
  const recorded: CompletionFacts = {
    needs: ['ACCOMMODATION', 'HEALTH'],
    riskOfSeriousHarm: 'HIGH',
    completedBy: 'role:RECEPTION_OFFICER',
    completedAt: '2026-03-04T10:00:00.000Z',
  };
  const same = {
    needs: normaliseNeeds(['HEALTH', 'ACCOMMODATION']),
    riskOfSeriousHarm: 'HIGH',
    completedBy: 'role:RECEPTION_OFFICER',
  };

  it('treats the same answers in any order, with or without the same instant, as a repeat', () => {
    expect(repeatsCompletion(recorded, same)).toBe(true);
    expect(repeatsCompletion(recorded, { ...same, completedAt: new Date('2026-03-04T10:00:00+00:00') })).toBe(
      true,
    );
  });

  it('treats any changed answer as a different completion', () => {
    expect(repeatsCompletion(recorded, { ...same, needs: ['HEALTH'] })).toBe(false);
    expect(repeatsCompletion(recorded, { ...same, riskOfSeriousHarm: 'LOW' })).toBe(false);
    expect(repeatsCompletion(recorded, { ...same, completedBy: 'role:HEALTHCARE' })).toBe(false);
    expect(repeatsCompletion(recorded, { ...same, completedAt: new Date('2026-03-04T10:00:01Z') })).toBe(
      false,
    );
  });
});

describe('completionProblems', () => {
  it('asks a core screen for riskOfSeriousHarm and completedBy, and lets completedAt default', () => {
    expect(completionProblems('CORE_SCREEN', { needs: [] }).map((p) => p.field)).toEqual([
      'riskOfSeriousHarm',
      'completedBy',
    ]);
    expect(
      completionProblems('CORE_SCREEN', { needs: [], riskOfSeriousHarm: 'LOW', completedBy: 'role:X' }),
    ).toEqual([]);
  });

  it('asks the later kinds for completedAt and refuses a risk of serious harm', () => {
    for (const kind of ['COMPREHENSIVE_SCREEN', 'STANDARD_REVIEW', 'SUMMARY_REVIEW'] as const) {
      expect(completionProblems(kind, { needs: [], riskOfSeriousHarm: 'LOW' }).map((p) => p.field)).toEqual([
        'completedAt',
        'riskOfSeriousHarm',
      ]);
      expect(completionProblems(kind, { needs: [], completedAt: '2026-03-04T10:00:00Z' })).toEqual([]);
    }
  });
});

describe('repeatsCompletion of a later kind', () => {
  const recorded: CompletionFacts = {
    needs: ['HEALTH'],
    riskOfSeriousHarm: null,
    completedBy: null,
    completedAt: '2026-03-04T10:00:00.000Z',
  };

  it('treats an unsaid completedBy as the same, and a newly said one as different', () => {
    const same = { needs: ['HEALTH' as const], completedAt: new Date('2026-03-04T10:00:00Z') };
    expect(repeatsCompletion(recorded, same)).toBe(true);
    expect(repeatsCompletion(recorded, { ...same, completedBy: 'role:PERSONAL_OFFICER' })).toBe(false);
  });
});
