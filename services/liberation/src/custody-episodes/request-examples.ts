import type { RequestExamples } from '@throughcare/platform-http';

// OpenAPI request examples of the custody record's recording endpoints (issue 10: "OpenAPI with
// examples"). Each is checked against its body schema when its controller loads
// (apiBodyWithExamples). Instants are in the past on purpose: a recording of a time to come is
// refused.

export const RECEPTION_EXAMPLES: RequestExamples = {
  admission: {
    summary: 'A new admission in Scotland',
    value: {
      prisonNumber: 'A1234BC',
      establishmentCode: 'BAR',
      jurisdiction: 'SCOTLAND',
      homeLocalAuthority: 'S12000036',
      reason: 'ADMISSION',
      receivedAt: '2026-09-14T15:20:00Z',
      sentenceDate: '2026-09-14',
      sentenceLengthDays: 365,
      expectedReleaseDate: '2027-03-19',
      sex: 'FEMALE',
      dateOfBirth: '1990-05-01',
    },
  },
  recall: {
    summary: 'England & Wales: back on recall (fixed-term, NOMIS reason Y)',
    value: {
      prisonNumber: 'A1234BC',
      establishmentCode: 'LEI',
      jurisdiction: 'ENGLAND_AND_WALES',
      homeLocalAuthority: 'E08000035',
      reason: 'READMISSION',
      receivedAt: '2026-10-02T11:05:00Z',
      sentenceDate: '2026-01-12',
      sentenceLengthDays: 548,
      expectedReleaseDate: '2026-10-30',
      returnToCustody: { reason: 'RECALL', recallReasonCode: 'Y' },
    },
  },
};

export const COURT_LIBERATION_EXAMPLES: RequestExamples = {
  remand: {
    summary: 'Liberated from court after remand, never received back',
    value: {
      prisonNumber: 'A1234BC',
      establishmentCode: 'BAR',
      jurisdiction: 'SCOTLAND',
      homeLocalAuthority: 'S12000036',
      legalStatus: 'REMAND',
      releasedAt: '2026-10-21T16:40:00Z',
    },
  },
};

export const RELEASE_EXAMPLES: RequestExamples = {
  released: {
    summary: 'Released at the end of the custodial part, by prison number',
    value: {
      prisonNumber: 'A1234BC',
      establishmentCode: 'BAR',
      reason: 'RELEASED',
      releasedAt: '2026-11-20T09:15:00Z',
    },
  },
};

export const TRANSFER_EXAMPLES: RequestExamples = {
  transfer: {
    summary: 'Moved to another prison',
    value: { toEstablishmentCode: 'LEI', transferredAt: '2026-10-07T08:30:00Z' },
  },
};

export const RELEASE_DATE_EXAMPLES: RequestExamples = {
  hdc: {
    summary: 'Home detention curfew approved for an earlier date',
    value: { expectedReleaseDate: '2027-01-22', reason: 'HDC_APPROVED' },
  },
  parole: {
    summary: 'A Parole Board direction, made on the sentences of calculation version 2',
    value: { expectedReleaseDate: '2027-03-15', reason: 'PAROLE', sentenceCalculationVersion: 2 },
  },
};

export const MEETING_HELD_EXAMPLES: RequestExamples = {
  held: { summary: 'The pre-release meeting took place', value: { heldAt: '2026-11-03T10:00:00Z' } },
};

export const MOVEMENT_REVERSAL_EXAMPLES: RequestExamples = {
  reversal: {
    summary: 'A release recorded in error, undone',
    value: { reversedAt: '2026-11-20T11:02:00Z' },
  },
};

export const ABSENCE_CORRECTION_EXAMPLES: RequestExamples = {
  wrongReturnTime: {
    summary: 'A ROTL return keyed at the wrong time',
    value: { returnedAt: '2026-11-20T17:30:00Z', reason: 'WRONG_TIME' },
  },
  wrongDueBack: {
    summary: 'A court absence due back later than recorded',
    value: {
      dueBackAt: '2026-11-20T19:00:00Z',
      reason: 'WRONG_DUE_BACK',
      note: 'Trial overran; escort confirmed',
    },
  },
};

export const MOVEMENT_CORRECTION_EXAMPLES: RequestExamples = {
  wrongTime: {
    summary: 'A release keyed an hour late: its instant corrected',
    value: { occurredAt: '2026-11-20T09:00:00Z', reason: 'WRONG_TIME' },
  },
  wrongDestination: {
    summary: 'A transfer recorded to the wrong prison',
    value: {
      toEstablishmentCode: 'LEI',
      reason: 'WRONG_DESTINATION',
      note: 'Escort went to Leeds, not Manchester, after the van was diverted',
    },
  },
  both: {
    summary: 'A transfer recorded with the wrong time and destination',
    value: {
      occurredAt: '2026-11-19T07:45:00Z',
      toEstablishmentCode: 'LEI',
      reason: 'WRONG_TIME_AND_DESTINATION',
    },
  },
};

export const RECEPTION_REVERSAL_EXAMPLES: RequestExamples = {
  receivedInError: {
    summary: 'An admission recorded against the wrong person, undone',
    value: {
      reversedAt: '2026-11-20T11:02:00Z',
      reason: 'RECEIVED_IN_ERROR',
      note: 'Admission keyed against the wrong prison number; the person was never received here',
    },
  },
  withoutNote: {
    summary: 'A duplicate admission, undone',
    value: { reversedAt: '2026-11-20T11:05:00Z', reason: 'RECEIVED_IN_ERROR' },
  },
  admissionToReceiveAgain: {
    summary:
      'A reception that completed an HMPPS admission with the wrong facts: the person really is arriving, the admission is pending again',
    value: {
      reversedAt: '2026-11-20T11:10:00Z',
      reason: 'RECEIVED_IN_ERROR',
      admission: 'TO_RECEIVE_AGAIN',
      note: 'Sentence keyed wrong when completing the admission; to complete again',
    },
  },
  admissionInError: {
    summary: 'A reception that completed an HMPPS admission that was itself wrong: the admission is void',
    value: { reversedAt: '2026-11-20T11:15:00Z', reason: 'RECEIVED_IN_ERROR', admission: 'IN_ERROR' },
  },
};

export const COURT_LIBERATION_REVERSAL_EXAMPLES: RequestExamples = {
  liberatedInError: {
    summary: 'A liberation from court recorded against the wrong person, undone',
    value: {
      reversedAt: '2026-11-20T16:40:00Z',
      reason: 'RECEIVED_IN_ERROR',
      note: 'The court remanded the person in custody; the liberation was keyed in error',
    },
  },
  withoutNote: {
    summary: 'A duplicate liberation from court, undone',
    value: { reversedAt: '2026-11-20T16:45:00Z', reason: 'RECEIVED_IN_ERROR' },
  },
};

export const PENDING_RECEPTION_COMPLETION_EXAMPLES: RequestExamples = {
  completion: {
    summary: 'The facts the HMPPS admission event lacks',
    value: {
      homeLocalAuthority: 'E08000035',
      sentenceDate: '2026-10-01',
      sentenceLengthDays: 240,
      expectedReleaseDate: '2027-01-26',
      sex: 'MALE',
      dateOfBirth: '1987-11-30',
    },
  },
};

export const PENDING_RECEPTION_DISMISSAL_EXAMPLES: RequestExamples = {
  byHand: { summary: 'Recorded by hand already', value: { reason: 'recorded by hand as episode 2' } },
};

export const ABSENCE_DEPARTURE_EXAMPLES: RequestExamples = {
  rotl: {
    summary: 'Out on temporary licence, due back in the evening',
    value: { kind: 'ROTL', leftAt: '2026-11-12T08:00:00Z', dueBackAt: '2026-11-12T18:00:00Z' },
  },
  court: { summary: 'Produced at court', value: { kind: 'COURT', leftAt: '2026-11-16T07:45:00Z' } },
};

export const ABSENCE_RETURN_EXAMPLES: RequestExamples = {
  back: { summary: 'Back at the prison', value: { returnedAt: '2026-11-12T17:40:00Z' } },
};

export const ABSENCE_REVERSAL_EXAMPLES: RequestExamples = {
  returnInError: {
    summary: 'The return was recorded in error: the person is out again',
    value: { part: 'RETURN', reversedAt: '2026-11-12T19:05:00Z' },
  },
  departureInError: {
    summary: 'The absence never was',
    value: { part: 'DEPARTURE', reversedAt: '2026-11-16T09:00:00Z' },
  },
};
