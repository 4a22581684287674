import type { ClockRule, PolicyClocks, SlaPolicy } from './sla-policy';

// Values and citations from ../shared/docs/clocks.md; seeds 000–004 are the project's source documents.
// The repository's docs/clocks.md is generated from these and the clock register (npm run docs:clocks).

const WORKING_DAY_HOURS_SOURCE =
  'ministryofjustice/hmpps-approved-premises-api (working day 09:00 start, 13:00 cut-off); platform default for Scotland';

const CORE_SCREEN: ClockRule = {
  kind: 'workingDays',
  value: 3,
  owedBy: 'PRISON',
  owedTo: 'PERSON',
  description: 'Core screen completed after reception/induction',
  source: 'Platform default: no public source gives a core-screen timescale; awaiting a sourced value',
};

const FIRST_APPOINTMENT_SOURCE =
  'Seed 003 (probation inspection): first appointment within five working days of allocation/release';

const FOLLOW_UP_WINDOW_SOURCE =
  'National Objectives and Standards for Social Work Services in the Criminal Justice System (2009 material, iriss.org.uk): ' +
  'contact weekly for 4 weeks, then fortnightly for 3 months (≈17 weeks = 119 days)';

export const SCOTLAND_2026_V1: SlaPolicy = {
  id: 'scotland-2026',
  version: 1,
  jurisdiction: 'SCOTLAND',
  effectiveFrom: '2026-01-01',
  cutOff: '13:00',
  dayStart: '09:00',
  workingHoursSource: WORKING_DAY_HOURS_SOURCE,
  clocks: {
    coreScreen: CORE_SCREEN,
    referralAcknowledgement: {
      kind: 'workingDays',
      value: 1,
      owedBy: 'CJSW',
      owedTo: 'PRISON',
      description: 'Referral acknowledged and case allocated to a named worker after sentence',
      source:
        'Seed 003 (probation inspection): allocation within one working day of sentence; applied in Scotland as the platform value',
    },
    firstAppointment: {
      kind: 'workingDays',
      value: 5,
      owedBy: 'CJSW',
      owedTo: 'PERSON',
      description: 'First community appointment after release',
      source: `${FIRST_APPOINTMENT_SOURCE}; applied in Scotland as the platform value`,
    },
    followUpWindow: {
      kind: 'calendarDays',
      value: 119,
      owedBy: 'CJSW',
      owedTo: 'PERSON',
      description: 'Intensive community supervision window after release',
      source: FOLLOW_UP_WINDOW_SOURCE,
    },
    missedAppointmentFollowUp: {
      kind: 'workingDays',
      value: 2,
      owedBy: 'CJSW',
      owedTo: 'PERSON',
      description: 'Follow-up after a missed first appointment',
      source: 'National Objectives and Standards (2009 material, iriss.org.uk): within 2 working days',
    },
    inductionMeeting: {
      kind: 'workingDays',
      value: 10,
      owedBy: 'CJSW',
      owedTo: 'PERSON',
      description: 'Prison-based social work induction meeting after sentence information is received',
      source: 'Scottish Government, National Throughcare Guidance for Justice Social Work Services, p.5',
    },
    designationLetter: {
      kind: 'workingDays',
      value: 10,
      owedBy: 'CJSW',
      owedTo: 'HOME_LOCAL_AUTHORITY',
      description: 'Designation letter to the home local authority',
      source: 'Scottish Government, National Throughcare Guidance for Justice Social Work Services, p.5',
    },
    throughcareAllocation: {
      kind: 'calendarDays',
      value: 7,
      owedBy: 'HOME_LOCAL_AUTHORITY',
      owedTo: 'PERSON',
      description: 'Throughcare case allocated after designation',
      source: 'National Objectives and Standards (2004/2009 material, iriss.org.uk): within 7 days',
    },
    firstSupervisionMeeting: {
      kind: 'hours',
      value: 24,
      owedBy: 'CJSW',
      owedTo: 'PERSON',
      description: 'First statutory supervision meeting after release',
      source: 'National Objectives and Standards (2009 material, iriss.org.uk): within 24 hours of release',
    },
    addictionServiceFirstContact: {
      kind: 'calendarDays',
      value: 2,
      owedBy: 'ADDICTION_SERVICE',
      owedTo: 'PERSON',
      description: 'Throughcare Addiction Service first contact after release',
      source: 'National Objectives and Standards (2009 material, iriss.org.uk): within 2 days',
    },
  },
};

export const ENGLAND_WALES_2026_V1: SlaPolicy = {
  id: 'england-wales-2026',
  version: 1,
  jurisdiction: 'ENGLAND_AND_WALES',
  effectiveFrom: '2026-01-01',
  cutOff: '13:00',
  dayStart: '09:00',
  workingHoursSource: WORKING_DAY_HOURS_SOURCE,
  clocks: {
    coreScreen: CORE_SCREEN,
    referralAcknowledgement: {
      kind: 'workingDays',
      value: 1,
      owedBy: 'PROBATION',
      owedTo: 'PRISON',
      description: 'Referral acknowledged and case allocated to an offender manager after sentence',
      source: 'Seed 003 (probation inspection): allocation within one working day of sentence',
    },
    firstAppointment: {
      kind: 'workingDays',
      value: 5,
      owedBy: 'PROBATION',
      owedTo: 'PERSON',
      description: 'First community appointment after release',
      source: FIRST_APPOINTMENT_SOURCE,
    },
    followUpWindow: {
      kind: 'calendarDays',
      value: 119,
      owedBy: 'PROBATION',
      owedTo: 'PERSON',
      description: 'Intensive community supervision window after release',
      source: `${FOLLOW_UP_WINDOW_SOURCE}; Scottish standard applied in England & Wales as the platform value`,
    },
    offenderManagerFirstContact: {
      kind: 'calendarDays',
      value: 2,
      owedBy: 'PROBATION',
      owedTo: 'PERSON',
      description: 'Person seen by the offender manager after allocation (NPS)',
      source: 'Seed 003 (probation inspection): seen within 2 days of allocation',
    },
    accommodationAssessment: {
      kind: 'workingDays',
      value: 10,
      owedBy: 'ACCOMMODATION_SERVICE',
      owedTo: 'PROBATION',
      description: 'CAS1 approved-premises application assessed (standard)',
      source:
        'ministryofjustice/hmpps-approved-premises-api Cas1TaskDeadlineService: 10 working days standard',
    },
    accommodationAssessmentShortNotice: {
      kind: 'workingDays',
      value: 5,
      owedBy: 'ACCOMMODATION_SERVICE',
      owedTo: 'PROBATION',
      description: 'CAS1 approved-premises application assessed (short notice)',
      source:
        'ministryofjustice/hmpps-approved-premises-api Cas1TaskDeadlineService: 5 working days short notice',
    },
    accommodationAssessmentEmergency: {
      kind: 'hours',
      value: 2,
      owedBy: 'ACCOMMODATION_SERVICE',
      owedTo: 'PROBATION',
      description: 'CAS1 approved-premises application assessed (emergency)',
      source: 'ministryofjustice/hmpps-approved-premises-api Cas1TaskDeadlineService: 2 hours emergency',
    },
    cas2AssessmentCourtBail: {
      kind: 'hours',
      value: 1,
      owedBy: 'ACCOMMODATION_SERVICE',
      owedTo: 'PROBATION',
      description: 'CAS2 accommodation application assessed (court bail)',
      source: 'ministryofjustice/hmpps-approved-premises-api Cas2ApplicationEntity: 1 hour',
    },
    cas2AssessmentPrisonBail: {
      kind: 'workingDays',
      value: 1,
      owedBy: 'ACCOMMODATION_SERVICE',
      owedTo: 'PROBATION',
      description: 'CAS2 accommodation application assessed (prison bail)',
      source: 'ministryofjustice/hmpps-approved-premises-api Cas2ApplicationEntity: 1 working day',
    },
    cas2AssessmentHdc: {
      kind: 'workingDays',
      value: 3,
      owedBy: 'ACCOMMODATION_SERVICE',
      owedTo: 'PROBATION',
      description: 'CAS2 accommodation application assessed (Home Detention Curfew)',
      source: 'ministryofjustice/hmpps-approved-premises-api Cas2ApplicationEntity: 3 working days',
    },
  },
};

/**
 * Version 2 adds the custody stages between referral and liberation (comprehensive screen,
 * standard reviews, summary review, pre-release meeting), the CJSW custody contacts before the
 * meeting, and the settle window for movements. Version 1 journeys keep version 1.
 */
function custodyStageClocks(
  owedByCommunity: 'CJSW' | 'PROBATION',
  scottishNote: string,
): Partial<PolicyClocks> {
  return {
    comprehensiveScreen: {
      kind: 'workingDays',
      value: 10,
      owedBy: 'PRISON',
      owedTo: 'PERSON',
      description: 'Comprehensive screen (Stage 3, seed 000) completed after reception',
      source:
        'Scottish Government, National Throughcare Guidance for Justice Social Work Services, p.5 (induction meeting within ' +
        `10 working days of sentence information), applied to the comprehensive screen as the platform value${scottishNote}`,
    },
    firstStandardReview: {
      kind: 'calendarMonths',
      value: 6,
      owedBy: 'PRISON',
      owedTo: 'PERSON',
      description: 'First standard review (case conference) after admission',
      source: `SPS Integrated Case Management (2009 material): case conference within 6 months of admission${scottishNote}`,
    },
    standardReview: {
      kind: 'calendarMonths',
      value: 12,
      owedBy: 'PRISON',
      owedTo: 'PERSON',
      description: 'Each later standard review, from the previous one',
      source: `SPS Integrated Case Management (2009 material): then annually${scottishNote}`,
    },
    summaryReview: {
      kind: 'calendarDaysBefore',
      value: 56,
      owedBy: 'PRISON',
      owedTo: owedByCommunity,
      description: 'Summary review before release, complete by the custody-to-community handover point',
      source:
        'ministryofjustice/offender-management-allocation-manager: handover to the community manager 8 weeks before release; ' +
        'the summary review feeding it is due then (platform mapping)',
    },
    preReleaseMeeting: {
      kind: 'workingDaysBefore',
      value: 10,
      owedBy: 'PRISON_AND_CJSW',
      owedTo: 'PERSON',
      description:
        'Pre-release meeting (personal officer, community worker and the person) held before liberation',
      source:
        'Platform default: no public source gives a timescale (seed 000 §4.22 shows meetings missed when release comes early); ' +
        '10 working days before the liberation date',
    },
  };
}

const CUSTODY_CONTACTS = {
  value: 2,
  description: 'Community worker contacts (visits) in custody before the pre-release meeting',
  source:
    'Seed 000 §4.55: CJSW aim to see the person at least twice (up to about six times) before the pre-release meeting',
} as const;
const MOVEMENT_SETTLE = {
  value: 45,
  description:
    'Minutes a release or transfer must stand before agencies are told (a reversal inside it is silent)',
  source:
    'hmpps-domain-events (vocabulary.md): release and reception are published again 45 minutes later, suppressed if reversed',
} as const;
const RELEASE_STAGE_LEAD = {
  value: 28,
  description:
    'Days before its due date that a release-relative stage (summary review, pre-release meeting) opens',
  source: 'Platform default: no public source; four weeks to arrange a review or a three-party meeting',
} as const;

export const SCOTLAND_2026_V2: SlaPolicy = {
  ...SCOTLAND_2026_V1,
  version: 2,
  clocks: { ...SCOTLAND_2026_V1.clocks, ...custodyStageClocks('CJSW', '') },
  custodyContactsBeforePreRelease: CUSTODY_CONTACTS,
  movementSettleMinutes: MOVEMENT_SETTLE,
  releaseStageLeadDays: RELEASE_STAGE_LEAD,
};

export const ENGLAND_WALES_2026_V2: SlaPolicy = {
  ...ENGLAND_WALES_2026_V1,
  version: 2,
  clocks: {
    ...ENGLAND_WALES_2026_V1.clocks,
    ...custodyStageClocks(
      'PROBATION',
      '; Scottish standard applied in England & Wales as the platform value',
    ),
  },
  custodyContactsBeforePreRelease: CUSTODY_CONTACTS,
  movementSettleMinutes: MOVEMENT_SETTLE,
  releaseStageLeadDays: RELEASE_STAGE_LEAD,
};

/**
 * Version 3: a clock counted back in calendar days (the summary review, 56 days before
 * liberation) that lands on a weekend or bank holiday falls due on the working day before, when
 * the prison can hold it (issue 7: a summary review fell due on a bank holiday). Journeys take it
 * from the `policies-2026-v3` patch on; open journeys keep the version they captured.
 */
function withSummaryReviewOnAWorkingDay(policy: SlaPolicy): SlaPolicy {
  const summary = policy.clocks.summaryReview;
  if (summary?.kind !== 'calendarDaysBefore')
    throw new Error(`${policy.id} has no calendar-day summary review`);
  return {
    ...policy,
    version: 3,
    clocks: {
      ...policy.clocks,
      summaryReview: {
        ...summary,
        onNonWorkingDay: 'previousWorkingDay',
        source: `${summary.source}; moved to the working day before when it falls on a weekend or bank holiday (platform rule)`,
      },
    },
  };
}
export const SCOTLAND_2026_V3: SlaPolicy = withSummaryReviewOnAWorkingDay(SCOTLAND_2026_V2);
export const ENGLAND_WALES_2026_V3: SlaPolicy = withSummaryReviewOnAWorkingDay(ENGLAND_WALES_2026_V2);

/**
 * England & Wales version 4 adds the follow-up after a missed first appointment, which versions
 * 1–3 lacked: every journey there whose person missed an appointment could not plan (issue 7,
 * found by the clock register). No England & Wales source was found; the Scottish standard is
 * applied as the platform value, as for the follow-up window. Journeys still capture version 3
 * (journey-v2.ts caps the catalogue there) and borrow this clock from version 4 (`withClock`) once
 * they adopt `policy-gaps-1`; capturing version 4 itself would be a later patch.
 */
export const ENGLAND_WALES_2026_V4: SlaPolicy = {
  ...ENGLAND_WALES_2026_V3,
  version: 4,
  clocks: {
    ...ENGLAND_WALES_2026_V3.clocks,
    missedAppointmentFollowUp: {
      kind: 'workingDays',
      value: 2,
      owedBy: 'PROBATION',
      owedTo: 'PERSON',
      description: 'Follow-up after a missed first appointment',
      source:
        'National Objectives and Standards (2009 material, iriss.org.uk): within 2 working days; Scottish standard applied in England & Wales as the platform value',
    },
  },
};

/** Every policy version ever published; versions are appended, never edited. */
export const SLA_POLICIES: readonly SlaPolicy[] = [
  SCOTLAND_2026_V1,
  ENGLAND_WALES_2026_V1,
  SCOTLAND_2026_V2,
  ENGLAND_WALES_2026_V2,
  SCOTLAND_2026_V3,
  ENGLAND_WALES_2026_V3,
  ENGLAND_WALES_2026_V4,
];
