import type { ReferralActivities } from '@throughcare/contracts';
import { parseOrThrow } from '@throughcare/platform-errors';
import { withApplicationFailures } from '@throughcare/platform-temporal';
import { unrestrictedActivities } from '@throughcare/platform-persistence';
import {
  BookFirstAppointmentInputSchema,
  CancelAppointmentInputSchema,
} from '../appointments/appointment.schemas';
import type { AppointmentsService } from '../appointments/appointments.service';
import { NotifyAgencyInputSchema } from '../notifications/notification.schemas';
import type { NotificationsService } from '../notifications/notifications.service';
import { SendReferralInputSchema, WithdrawReferralInputSchema } from '../referrals/referral.schemas';
import type { ReferralsService } from '../referrals/referrals.service';

/**
 * The referral context's Temporal activities (task queue `referral`). Each is idempotent on its
 * `idempotencyKey`: a retry returns the first run's id with no second row or event. Bad input
 * leaves as a non-retryable `VALIDATION_FAILED` ApplicationFailure. Withdrawing and cancelling
 * are no-ops when already done; an unknown id fails non-retryable (`REFERRAL_NOT_FOUND`,
 * `APPOINTMENT_NOT_FOUND`).
 */
export function createReferralActivities(
  referrals: ReferralsService,
  appointments: AppointmentsService,
  notifications: NotificationsService,
): ReferralActivities {
  // The journey's work, not a caller's: unrestricted row-level security scope.
  return unrestrictedActivities(
    withApplicationFailures({
      async sendReferral(input) {
        return referrals.send(parseOrThrow(SendReferralInputSchema, input, 'sendReferral input'));
      },
      async notifyAgency(input) {
        return notifications.notify(parseOrThrow(NotifyAgencyInputSchema, input, 'notifyAgency input'));
      },
      async withdrawReferral(input) {
        await referrals.withdraw(parseOrThrow(WithdrawReferralInputSchema, input, 'withdrawReferral input'));
      },
      async cancelAppointment(input) {
        await appointments.cancel(
          parseOrThrow(CancelAppointmentInputSchema, input, 'cancelAppointment input'),
        );
      },
      async bookFirstAppointment(input) {
        return appointments.bookFirst(
          parseOrThrow(BookFirstAppointmentInputSchema, input, 'bookFirstAppointment input'),
        );
      },
    } satisfies ReferralActivities),
  );
}
