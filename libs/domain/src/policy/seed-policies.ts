import type { ClockRule, SlaPolicy } from './sla-policy';

// Values and citations from docs/clocks.md (shared docs); seeds 000–004 are the project's source documents.

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

/** Every policy version ever published; versions are appended, never edited. */
export const SLA_POLICIES: readonly SlaPolicy[] = [SCOTLAND_2026_V1, ENGLAND_WALES_2026_V1];
