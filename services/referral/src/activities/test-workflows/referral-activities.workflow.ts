import { proxyActivities } from '@temporalio/workflow';
import type { ReferralActivities } from '@throughcare/contracts';

const { sendReferral, bookFirstAppointment } = proxyActivities<ReferralActivities>({
  taskQueue: 'referral',
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 3, initialInterval: '100 ms' },
});

/** Test-only: calls each referral activity twice with the same input, as a retry would. */
export async function sendTwiceWorkflow(input: {
  referral: Parameters<ReferralActivities['sendReferral']>[0];
  appointment: Parameters<ReferralActivities['bookFirstAppointment']>[0];
}): Promise<{ referralIds: string[]; appointmentIds: string[] }> {
  const first = await sendReferral(input.referral);
  const second = await sendReferral(input.referral);
  const booked = await bookFirstAppointment(input.appointment);
  const rebooked = await bookFirstAppointment(input.appointment);
  return {
    referralIds: [first.referralId, second.referralId],
    appointmentIds: [booked.appointmentId, rebooked.appointmentId],
  };
}

const { notifyAgency } = proxyActivities<ReferralActivities>({
  taskQueue: 'referral',
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 3, initialInterval: '100 ms' },
});

/** Test-only: notifies once per input, in order (repeat an input to act out a retry). */
export async function notifyEachWorkflow(
  inputs: Array<Parameters<ReferralActivities['notifyAgency']>[0]>,
): Promise<string[]> {
  const ids: string[] = [];
  for (const input of inputs) ids.push((await notifyAgency(input)).notificationId);
  return ids;
}

const { withdrawReferral, cancelAppointment } = proxyActivities<ReferralActivities>({
  taskQueue: 'referral',
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 3, initialInterval: '100 ms' },
});

/** How one call ended, as the journey would see it. */
export type CallOutcome = 'ok' | { failureType: string | undefined; nonRetryable: boolean | undefined };

async function outcomeOf(call: () => Promise<void>): Promise<CallOutcome> {
  try {
    await call();
    return 'ok';
  } catch (error) {
    // An ActivityFailure whose cause is the activity's ApplicationFailure.
    const cause = (error as { cause?: { type?: string; nonRetryable?: boolean } }).cause;
    return { failureType: cause?.type, nonRetryable: cause?.nonRetryable };
  }
}

/** Test-only: withdraws each referral and cancels each appointment, in order (repeat one to act out a retry). */
export async function withdrawAndCancelWorkflow(input: {
  withdrawals: Array<Parameters<ReferralActivities['withdrawReferral']>[0]>;
  cancellations: Array<Parameters<ReferralActivities['cancelAppointment']>[0]>;
}): Promise<{ withdrawals: CallOutcome[]; cancellations: CallOutcome[] }> {
  const withdrawals: CallOutcome[] = [];
  for (const withdrawal of input.withdrawals)
    withdrawals.push(await outcomeOf(() => withdrawReferral(withdrawal)));
  const cancellations: CallOutcome[] = [];
  for (const cancellation of input.cancellations)
    cancellations.push(await outcomeOf(() => cancelAppointment(cancellation)));
  return { withdrawals, cancellations };
}
