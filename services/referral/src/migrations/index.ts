import { createPlatformTablesMigration } from '@throughcare/platform-persistence';
import { REFERRAL_SCHEMA } from '../config';
import { CreateReferral1700000000100 } from './1700000000100-create-referral';
import { CreateAppointment1700000000200 } from './1700000000200-create-appointment';
import { CreateAgencyNotification1700000000300 } from './1700000000300-create-agency-notification';
import { AgencyNotificationEverySubject1700000000400 } from './1700000000400-agency-notification-every-subject';
import { AppointmentPurposeAndCancellation1700000000500 } from './1700000000500-appointment-purpose-and-cancellation';
import { ReferralWithdrawalAndOutcomes1700000000600 } from './1700000000600-referral-withdrawal-and-outcomes';
import { REFERRAL_PROTECTED_TABLES, RowLevelSecurity1700000000700 } from './1700000000700-row-level-security';
import { ReferralStatus1700000000800 } from './1700000000800-referral-status';
import { AppointmentSchedule1700000000900 } from './1700000000900-appointment-schedule';
import { ReferralClosure1700000001000 } from './1700000001000-referral-closure';
import { ReferralNotesAndReferrer1700000001100 } from './1700000001100-referral-notes-and-referrer';
import { ReferralAppointments1700000001200 } from './1700000001200-referral-appointments';
import { AppointmentCancelledBy1700000001300 } from './1700000001300-appointment-cancelled-by';
import { AppointmentCancelledByChecks1700000001400 } from './1700000001400-appointment-cancelled-by-checks';
import { AgencyNotificationReleased1700000001500 } from './1700000001500-agency-notification-released';
import { Webhooks1700000001600 } from './1700000001600-webhooks';
import { WebhookEndpointHealth1700000001700 } from './1700000001700-webhook-endpoint-health';
import { EngagementRequest1700000001800 } from './1700000001800-engagement-request';
import { WebhookLeaseAndStreak1700000001900 } from './1700000001900-webhook-lease-and-streak';
import { ReferralLiberationDateAndRisk1700000002000 } from './1700000002000-referral-liberation-date-and-risk';
import { AgencyNotificationMeeting1700000002100 } from './1700000002100-agency-notification-meeting';
import { ReferralAppointmentStatuses1700000002200 } from './1700000002200-referral-appointment-statuses';
import { ReferralStatusAcceptanceInForce1700000002300 } from './1700000002300-referral-status-acceptance-in-force';
import { AgencyNotificationRiskEscalated1700000002400 } from './1700000002400-agency-notification-risk-escalated';
import { AgencyNotificationBasis1700000002500 } from './1700000002500-agency-notification-basis';
import { ValidateAgencyNotificationBasis1700000002501 } from './1700000002501-validate-agency-notification-basis';

/** In order. The platform tables (outbox, idempotency keys) come first in every service. */
export const referralMigrations = [
  createPlatformTablesMigration(REFERRAL_SCHEMA),
  CreateReferral1700000000100,
  CreateAppointment1700000000200,
  CreateAgencyNotification1700000000300,
  AgencyNotificationEverySubject1700000000400,
  AppointmentPurposeAndCancellation1700000000500,
  ReferralWithdrawalAndOutcomes1700000000600,
  RowLevelSecurity1700000000700,
  ReferralStatus1700000000800,
  AppointmentSchedule1700000000900,
  ReferralClosure1700000001000,
  ReferralNotesAndReferrer1700000001100,
  ReferralAppointments1700000001200,
  AppointmentCancelledBy1700000001300,
  AppointmentCancelledByChecks1700000001400,
  AgencyNotificationReleased1700000001500,
  Webhooks1700000001600,
  WebhookEndpointHealth1700000001700,
  EngagementRequest1700000001800,
  WebhookLeaseAndStreak1700000001900,
  ReferralLiberationDateAndRisk1700000002000,
  AgencyNotificationMeeting1700000002100,
  ReferralAppointmentStatuses1700000002200,
  ReferralStatusAcceptanceInForce1700000002300,
  AgencyNotificationRiskEscalated1700000002400,
  AgencyNotificationBasis1700000002500,
  ValidateAgencyNotificationBasis1700000002501,
];

/** Every table under row-level security today (700's, the schedules of 900, the notes of 1100, the webhooks of 1600, the engagement requests of 1800). */
export const PROTECTED_TABLES = [
  ...REFERRAL_PROTECTED_TABLES,
  'appointment_schedule',
  'referral_note',
  'webhook_endpoint',
  'webhook_delivery',
  'webhook_attempt',
  'engagement_request',
] as const;
