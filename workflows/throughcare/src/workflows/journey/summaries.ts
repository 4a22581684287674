import type { ActivityFunction } from '@temporalio/common';
import type { ActivityInterfaceFor } from '@temporalio/workflow';
import type {
  AssessmentActivities,
  DirectoryActivities,
  LiberationActivities,
  ReferralActivities,
  ThroughcareActivities,
} from '@throughcare/contracts';

// What each step of a journey does, as the Temporal UI shows it beside the step in the event
// history (an activity's or a timer's summary, issue 11), so that an operator reads the case's
// story rather than function names. Summaries are stored in clear (they are not payloads the codec
// encrypts): they say what kind of step it is, never a person's data (no need, risk, name, date of
// birth or prison number; an instant of the journey's own timers at most).

export const ASSESSMENT_SUMMARIES: Record<keyof AssessmentActivities, string> = {
  requestCoreScreen: 'Ask the assessment service for the core screen',
  requestAssessment: 'Ask the assessment service for an assessment (comprehensive screen or review)',
};
export const DIRECTORY_SUMMARIES: Record<keyof DirectoryActivities, string> = {
  findAgency: "Find the justice social work or probation team of the person's home area",
  chooseAgency: 'Choose an agency for a need from the directory',
  lookUpAgency: 'Look up an agency in the directory',
};
export const REFERRAL_SUMMARIES: Record<keyof ReferralActivities, string> = {
  sendReferral: 'Send a referral to an agency',
  bookFirstAppointment: 'Book an appointment with the agency after release (a first or a follow-up one)',
  notifyAgency: 'Tell an agency of a change in the plan',
  withdrawReferral: 'Withdraw a referral',
  cancelAppointment: 'Cancel an appointment with an agency',
};
export const LIBERATION_SUMMARIES: Record<keyof LiberationActivities, string> = {
  recordEpisodeStage: "Record the journey's stage on the custody episode",
  personAgeOn: "Ask the liberation service for the person's age on a day (for an agency's eligibility)",
  bookGatePickup: 'Book the gate pick-up on liberation day',
  cancelGatePickup: 'Cancel the gate pick-up',
  bookMeeting: 'Book a meeting at the prison (a justice social work visit or the pre-release meeting)',
  cancelMeeting: 'Cancel a meeting at the prison',
};
export const THROUGHCARE_SUMMARIES: Record<keyof ThroughcareActivities, string> = {
  recordSlaBreach: 'Record a breached deadline (and put it on the bus)',
  recordBreachMet: 'Record that a breached deadline was met late',
  reportClocks: "Report the journey's clocks to the SLA ledger",
  recordCaseClosed: 'Record that the case closed (and put it on the bus)',
  recordAttention: 'Record an attention item for whoever must act',
  openNextEpisode: 'Start the journey of the next custody episode',
  resumeEpisode: 'Resume the journey of the episode before (a return to custody undone)',
};

/**
 * An activity proxy whose every call carries its activity's summary (`summaries`, one for every
 * activity of the interface: the compiler checks none is missing). Only the summary differs from
 * a plain call (the SDK merges it into the proxy's options).
 */
export function summarised<T extends object>(
  proxy: ActivityInterfaceFor<T>,
  summaries: Record<keyof T & string, string>,
): ActivityInterfaceFor<T> {
  return new Proxy(proxy, {
    get(target, name) {
      const fn = (target as Record<string | symbol, unknown>)[name] as ActivityInterfaceFor<
        Record<string, ActivityFunction>
      >[string];
      const summary = typeof name === 'string' ? summaries[name as keyof T & string] : undefined;
      if (summary === undefined) return fn;
      const call = (...args: unknown[]) => fn.executeWithOptions({ summary }, args as never);
      return Object.assign(call, { executeWithOptions: fn.executeWithOptions });
    },
  });
}
