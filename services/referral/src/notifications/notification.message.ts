import type { NotificationSubject } from './notification.schemas';

/** The facts a notice may name, besides its subject. */
export interface NotificationFacts {
  liberationDate?: string | null;
  previousLiberationDate?: string | null;
  establishmentCode?: string | null;
  previousEstablishmentCode?: string | null;
  preReleaseMeetingDate?: string | null;
  preReleaseMeetingEstablishmentCode?: string | null;
}

const headline: Record<NotificationSubject, string> = {
  LIBERATION_DATE_CHANGED: 'The liberation date has changed.',
  TRANSFERRED: 'The person has been transferred to another establishment.',
  MOVEMENT_REVERSED: 'A release or transfer recorded for the person was reversed: it did not happen.',
  RETURNED_TO_CUSTODY: 'The person has returned to custody.',
  CONSENT_WITHDRAWN: 'The person has withdrawn consent to voluntary throughcare.',
  CASE_CLOSED: 'The throughcare case has been closed.',
  PRE_RELEASE_MEETING_IMPOSSIBLE: 'The pre-release meeting can no longer be held before liberation.',
  RELEASED: 'The person has been released from custody.',
  RISK_ESCALATED:
    "The person's assessed risk is raised: read the notice in the inbox and review the risk management plan.",
};

/**
 * The default inbox text when the journey gives none: a sentence for the subject, then the
 * dates and establishments named. Pseudonymous ids only, never personal data. Migration
 * 1700000000400 writes the same text for notices stored before messages existed.
 */
export function defaultNotificationMessage(subject: NotificationSubject, facts: NotificationFacts): string {
  const parts = [headline[subject]];
  if (facts.liberationDate) {
    parts.push(
      facts.previousLiberationDate
        ? `Liberation date: ${facts.liberationDate} (was ${facts.previousLiberationDate}).`
        : `Liberation date: ${facts.liberationDate}.`,
    );
  }
  if (facts.establishmentCode) {
    parts.push(
      facts.previousEstablishmentCode
        ? `Establishment: ${facts.establishmentCode} (was ${facts.previousEstablishmentCode}).`
        : `Establishment: ${facts.establishmentCode}.`,
    );
  }
  if (facts.preReleaseMeetingDate && facts.preReleaseMeetingEstablishmentCode)
    parts.push(
      `Pre-release meeting: ${facts.preReleaseMeetingDate} at ${facts.preReleaseMeetingEstablishmentCode}.`,
    );
  return parts.join(' ');
}
