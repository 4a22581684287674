import { createPlatformTablesMigration } from '@throughcare/platform-persistence';
import { LIBERATION_SCHEMA } from '../config';
import { CreateCustodyEpisode1700000000100 } from './1700000000100-create-custody-episode';
import { CreateReleaseDateChangeAndGatePickup1700000000200 } from './1700000000200-create-release-date-change-and-gate-pickup';
import { CreateMeetingAndMovement1700000000300 } from './1700000000300-create-meeting-and-movement';
import { RowLevelSecurity1700000000400 } from './1700000000400-row-level-security';
import { CreateHmppsOutboundSent1700000000500 } from './1700000000500-create-hmpps-outbound-sent';
import { MeetingAgencyRead1700000000600 } from './1700000000600-meeting-agency-read';
import { PersonEligibilityFacts1700000000700 } from './1700000000700-person-eligibility-facts';
import { PendingReception1700000000800 } from './1700000000800-pending-reception';
import { SentenceCalculation1700000000900 } from './1700000000900-sentence-calculation';
import { ReleasePointReplan1700000001000 } from './1700000001000-release-point-replan';
import { TemporaryAbsence1700000001100 } from './1700000001100-temporary-absence';
import { AbsenceEndedByMovement1700000001200 } from './1700000001200-absence-ended-by-movement';
import { GateArrangement1700000001300 } from './1700000001300-gate-arrangement';
import { ReplanItemKeptBecause1700000001400 } from './1700000001400-replan-item-kept-because';
import { ReplanItemNeedsReview1700000001500 } from './1700000001500-replan-item-needs-review';
import { ReplanItemDecisionSetAside1700000001700 } from './1700000001700-replan-item-decision-set-aside';
import { ReplanRunUncalculated1700000001800 } from './1700000001800-replan-run-uncalculated';
import { AbsenceOverdueAndReason1700000001900 } from './1700000001900-absence-overdue-and-reason';
import { CustodyEpisodeVoid1700000002100 } from './1700000002100-custody-episode-void';
import { ReleaseDecisionCalculationVersion1700000002200 } from './1700000002200-release-decision-calculation-version';
import { AbsenceHmppsEventIds1700000002300 } from './1700000002300-absence-hmpps-event-ids';
import { CustodyEpisodeVoidReasonLiteral1700000002400 } from './1700000002400-custody-episode-void-reason-literal';
import { PendingReceptionReopened1700000002600 } from './1700000002600-pending-reception-reopened';
import { CourtLiberationVoid1700000002700 } from './1700000002700-court-liberation-void';
import { ReceptionReversalAdmission1700000002800 } from './1700000002800-reception-reversal-admission';
import { PendingReceptionVoided1700000002900 } from './1700000002900-pending-reception-voided';
import { MovementCorrection1700000003000 } from './1700000003000-movement-correction';
import { AbsenceCorrection1700000003001 } from './1700000003001-absence-correction';
import { ValidatePendingReceptionVoided1700000002901 } from './1700000002901-validate-pending-reception-voided';
import { RecordedSentenceDates1700000003200 } from './1700000003200-recorded-sentence-dates';
import { ReplanApplyFailure1700000003300 } from './1700000003300-replan-apply-failure';
import { ReplanApplyOutsideScope1700000003400 } from './1700000003400-replan-apply-outside-scope';
import { ReplanItemDryRunDate1700000003500 } from './1700000003500-replan-item-dry-run-date';

/** In order. The platform tables (outbox, idempotency keys) come first in every service. */
export const liberationMigrations = [
  createPlatformTablesMigration(LIBERATION_SCHEMA),
  CreateCustodyEpisode1700000000100,
  CreateReleaseDateChangeAndGatePickup1700000000200,
  CreateMeetingAndMovement1700000000300,
  RowLevelSecurity1700000000400,
  CreateHmppsOutboundSent1700000000500,
  MeetingAgencyRead1700000000600,
  PersonEligibilityFacts1700000000700,
  PendingReception1700000000800,
  SentenceCalculation1700000000900,
  ReleasePointReplan1700000001000,
  TemporaryAbsence1700000001100,
  AbsenceEndedByMovement1700000001200,
  GateArrangement1700000001300,
  ReplanItemKeptBecause1700000001400,
  ReplanItemNeedsReview1700000001500,
  ReplanItemDecisionSetAside1700000001700,
  ReplanRunUncalculated1700000001800,
  AbsenceOverdueAndReason1700000001900,
  CustodyEpisodeVoid1700000002100,
  ReleaseDecisionCalculationVersion1700000002200,
  AbsenceHmppsEventIds1700000002300,
  CustodyEpisodeVoidReasonLiteral1700000002400,
  PendingReceptionReopened1700000002600,
  CourtLiberationVoid1700000002700,
  ReceptionReversalAdmission1700000002800,
  PendingReceptionVoided1700000002900,
  ValidatePendingReceptionVoided1700000002901,
  MovementCorrection1700000003000,
  AbsenceCorrection1700000003001,
  RecordedSentenceDates1700000003200,
  ReplanApplyFailure1700000003300,
  ReplanApplyOutsideScope1700000003400,
  ReplanItemDryRunDate1700000003500,
];
