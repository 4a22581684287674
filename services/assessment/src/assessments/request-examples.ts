import type { RequestExamples } from '@throughcare/platform-http';

// OpenAPI request examples of the assessment service's recording endpoints (issue 10: "OpenAPI
// with examples"). Each is checked against its body schema when its controller loads
// (apiBodyWithExamples).

export const COMPLETION_EXAMPLES: RequestExamples = {
  fromAnswers: {
    summary: 'A comprehensive screen whose answers are saved by pathway: the needs are derived from them',
    value: { completedAt: '2026-10-14T11:30:00Z', completedBy: 'staff:bar-0042' },
  },
  coreScreen: {
    summary:
      'A core screen whose answers are saved: risk of serious harm and who completed it (needs derived)',
    value: {
      riskOfSeriousHarm: 'MEDIUM',
      completedBy: 'staff:bar-0042',
      completedAt: '2026-10-08T09:10:00Z',
    },
  },
  beforeCutOver: {
    summary:
      'A core screen requested before the typed-needs cut-over (migration 1000) with no answers saved: needs listed, the older way',
    value: {
      needs: ['ACCOMMODATION', 'DRUGS_AND_ALCOHOL'],
      riskOfSeriousHarm: 'MEDIUM',
      completedBy: 'staff:bar-0042',
      completedAt: '2026-10-08T09:10:00Z',
    },
  },
};

export const CONSENT_WITHDRAWAL_EXAMPLES: RequestExamples = {
  withdrawn: { summary: 'The person withdrew consent', value: { withdrawnAt: '2026-11-02T14:00:00Z' } },
};

export const ANSWERS_EXAMPLES: RequestExamples = {
  partly: {
    summary: 'Accommodation answered; education skipped (assessed in the previous prison)',
    value: {
      answers: { ACC_NO_ADDRESS: true, ACC_NOTE: 'tenancy ended while on remand' },
      skips: [{ pathway: 'EDUCATION_SKILLS_AND_WORK', reason: 'COMPLETED_IN_ANOTHER_PRISON' }],
    },
  },
};
