import { randomBytes, randomUUID } from 'node:crypto';
import type { SendReferralInput } from '../referrals/referral.schemas';
import type { BookFirstAppointmentInput } from '../appointments/appointment.schemas';
import type { NotifyAgencyInput } from '../notifications/notification.schemas';

/** A fresh pseudonymous THROUGHCARE_ID. */
export const aPersonId = (): string => `p${randomBytes(10).toString('hex')}`;

/** An agency id nobody else uses, so each test sees only its own cases. */
export const anAgencyId = (): string => `spec-agency-${randomUUID()}`;

export function aReferral(overrides: Partial<SendReferralInput> = {}): SendReferralInput {
  const sentAt = overrides.sentAt ?? new Date(Date.now() - 60 * 60_000).toISOString();
  return {
    idempotencyKey: `spec:${randomUUID()}:referral`,
    personId: aPersonId(),
    episode: 1,
    agencyId: anAgencyId(),
    pathways: ['ACCOMMODATION', 'HEALTH'],
    sentAt,
    acknowledgeBy: new Date(Date.parse(sentAt) + 3 * 24 * 60 * 60_000).toISOString(),
    correlationId: randomUUID(),
    ...overrides,
  };
}

export function anAppointment(overrides: Partial<BookFirstAppointmentInput> = {}): BookFirstAppointmentInput {
  return {
    idempotencyKey: `spec:${randomUUID()}:first-appointment`,
    personId: aPersonId(),
    episode: 1,
    agencyId: anAgencyId(),
    dueBy: new Date(Date.now() + 5 * 24 * 60 * 60_000).toISOString(),
    correlationId: randomUUID(),
    ...overrides,
  };
}

export function aNotification(overrides: Partial<NotifyAgencyInput> = {}): NotifyAgencyInput {
  return {
    idempotencyKey: `spec:${randomUUID()}:notify-agency`,
    personId: aPersonId(),
    episode: 1,
    agencyId: anAgencyId(),
    subject: 'LIBERATION_DATE_CHANGED',
    liberationDate: '2026-07-14',
    previousLiberationDate: '2026-08-03',
    correlationId: randomUUID(),
    ...overrides,
  };
}
