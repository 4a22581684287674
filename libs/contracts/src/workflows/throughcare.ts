import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type {
  Attendance,
  Jurisdiction,
  Pathway,
  ReleaseDateChangeReason,
  RiskOfSeriousHarm,
} from '../vocabulary';

/** Workflow id of one custody episode: no personal data, only the pseudonymous person id. */
export function throughcareWorkflowId(personId: string, episode: number): string {
  return `throughcare-${personId}-${episode}`;
}
export const THROUGHCARE_WORKFLOW_TYPE = 'throughcareJourney';

/** Stages of the journey, in order. */
export const Stages = [
  'RECEPTION',
  'CORE_SCREEN',
  'REFERRAL',
  'AWAITING_RELEASE',
  'FOLLOW_UP',
  'CLOSED',
] as const;
export type Stage = (typeof Stages)[number];

/**
 * Custom search attributes registered at server start (infra/temporal/search-attributes.ts).
 * None carries personal data: ids and names are visible to every operator, unencrypted.
 */
export const SearchAttributes = {
  stage: defineSearchAttributeKey('ThroughcareStage', SearchAttributeType.KEYWORD),
  establishment: defineSearchAttributeKey('Establishment', SearchAttributeType.KEYWORD),
  localAuthority: defineSearchAttributeKey('LocalAuthority', SearchAttributeType.KEYWORD),
  nextDeadline: defineSearchAttributeKey('NextDeadline', SearchAttributeType.DATETIME),
} as const;

/** The facts a journey starts from (carried from the reception event). */
export interface ThroughcareInput {
  personId: string;
  episode: number;
  jurisdiction: Jurisdiction;
  establishmentCode: string;
  homeLocalAuthority: string;
  receivedAt: string;
  sentenceDate: string;
  sentenceLengthDays: number;
  expectedReleaseDate: string;
  correlationId: string;
}

export interface CoreScreenCompleted {
  assessmentId: string;
  needs: Pathway[];
  riskOfSeriousHarm: RiskOfSeriousHarm;
  completedAt: string;
  eventId: string;
}
export interface ReferralAcknowledged {
  referralId: string;
  acknowledgedAt: string;
  acknowledgedBy: string;
  eventId: string;
}
export interface ReleaseRecorded {
  releasedAt: string;
  establishmentCode: string;
  eventId: string;
}
export interface AttendanceRecorded {
  appointmentId: string;
  attendance: Attendance;
  attendedAt: string;
  reason?: string;
  eventId: string;
}

export interface ReleaseDateChanged {
  expectedReleaseDate: string;
  reason: ReleaseDateChangeReason;
  changedAt: string;
  eventId: string;
}

/** Reception (re)delivered: used with signalWithStart so duplicates are harmless. */
export const receptionSignal = defineSignal<[ThroughcareInput]>('reception');
/** Facts from the services, applied as validated updates: an impossible fact is rejected with a reason. */
export const coreScreenCompletedUpdate = defineUpdate<void, [CoreScreenCompleted]>('coreScreenCompleted');
export const referralAcknowledgedUpdate = defineUpdate<void, [ReferralAcknowledged]>('referralAcknowledged');
export const releaseRecordedUpdate = defineUpdate<void, [ReleaseRecorded]>('releaseRecorded');
export const attendanceRecordedUpdate = defineUpdate<void, [AttendanceRecorded]>('attendanceRecorded');
/** The expected release date moved: derived dates move, bookings are remade, agencies re-notified. */
export const releaseDateChangedUpdate = defineUpdate<void, [ReleaseDateChanged]>('releaseDateChanged');

export interface DeadlineView {
  clock: string;
  owedBy: string;
  owedTo: string;
  startedAt: string;
  dueAt: string;
  status: 'OPEN' | 'MET' | 'BREACHED' | 'MET_LATE' | 'CANCELLED';
  metAt?: string;
}
export interface PlanView {
  personId: string;
  episode: number;
  stage: Stage;
  stagesDone: Stage[];
  policy: { id: string; version: number };
  deadlines: DeadlineView[];
  waitingOn: string | null;
  assessmentId?: string;
  needs?: Pathway[];
  referralId?: string;
  agencyId?: string;
  releasedAt?: string;
  appointmentId?: string;
  closedAt?: string;
  /** Expected release date as last known, and the liberation date derived from it (Scottish s.8 rule). */
  expectedReleaseDate?: string;
  liberationDate?: string;
  gatePickup?: { bookingId: string; liberationDate: string };
}
/** The plan: stages done, deadlines with due instants, and what is waiting on whom. */
export const planQuery = defineQuery<PlanView>('plan');
