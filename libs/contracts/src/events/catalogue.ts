import { z } from 'zod';
import {
  Attendance,
  EstablishmentCode,
  IsoDate,
  IsoInstant,
  Jurisdiction,
  LocalAuthorityCode,
  Pathway,
  PrisonNumber,
  ReceptionReason,
  ReleaseReason,
  ReleaseDateChangeReason,
  RiskOfSeriousHarm,
} from '../vocabulary';
import { eventSchema } from './envelope';

/** A person was received into custody (published by the liberation service, or by a prison system upstream). */
export const PersonReceivedV1 = eventSchema(
  'custody.person.received',
  1,
  z.object({
    prisonNumber: PrisonNumber,
    /** Custody episode number for this person, from 1; a return to custody opens the next one. */
    episode: z.number().int().min(1),
    establishmentCode: EstablishmentCode,
    jurisdiction: Jurisdiction,
    homeLocalAuthority: LocalAuthorityCode,
    reason: ReceptionReason,
    receivedAt: IsoInstant,
    sentenceDate: IsoDate,
    sentenceLengthDays: z
      .number()
      .int()
      .positive()
      .max(365 * 100),
    /** Expected release date as calculated at reception (CRD/ARD); may move later. */
    expectedReleaseDate: IsoDate,
  }),
);
export type PersonReceivedV1 = z.infer<typeof PersonReceivedV1>;

export const CoreScreenRequestedV1 = eventSchema(
  'assessment.core-screen.requested',
  1,
  z.object({ assessmentId: z.uuid(), episode: z.number().int().min(1), dueBy: IsoInstant }),
);
export type CoreScreenRequestedV1 = z.infer<typeof CoreScreenRequestedV1>;

export const CoreScreenCompletedV1 = eventSchema(
  'assessment.core-screen.completed',
  1,
  z.object({
    assessmentId: z.uuid(),
    episode: z.number().int().min(1),
    needs: z.array(Pathway),
    riskOfSeriousHarm: RiskOfSeriousHarm,
    completedAt: IsoInstant,
  }),
);
export type CoreScreenCompletedV1 = z.infer<typeof CoreScreenCompletedV1>;

export const ReferralSentV1 = eventSchema(
  'referral.referral.sent',
  1,
  z.object({
    referralId: z.uuid(),
    episode: z.number().int().min(1),
    agencyId: z.string().min(1),
    pathways: z.array(Pathway).min(1),
    sentAt: IsoInstant,
    acknowledgeBy: IsoInstant,
  }),
);
export type ReferralSentV1 = z.infer<typeof ReferralSentV1>;

export const ReferralAcknowledgedV1 = eventSchema(
  'referral.referral.acknowledged',
  1,
  z.object({
    referralId: z.uuid(),
    episode: z.number().int().min(1),
    agencyId: z.string().min(1),
    acknowledgedAt: IsoInstant,
    acknowledgedBy: z.string().min(1).max(200),
  }),
);
export type ReferralAcknowledgedV1 = z.infer<typeof ReferralAcknowledgedV1>;

export const PersonReleasedV1 = eventSchema(
  'custody.person.released',
  1,
  z.object({
    episode: z.number().int().min(1),
    establishmentCode: EstablishmentCode,
    reason: ReleaseReason,
    releasedAt: IsoInstant,
  }),
);
export type PersonReleasedV1 = z.infer<typeof PersonReleasedV1>;

export const AppointmentBookedV1 = eventSchema(
  'referral.appointment.booked',
  1,
  z.object({
    appointmentId: z.uuid(),
    episode: z.number().int().min(1),
    agencyId: z.string().min(1),
    dueBy: IsoInstant,
  }),
);
export type AppointmentBookedV1 = z.infer<typeof AppointmentBookedV1>;

export const AppointmentAttendanceRecordedV1 = eventSchema(
  'referral.appointment.attendance-recorded',
  1,
  z.object({
    appointmentId: z.uuid(),
    episode: z.number().int().min(1),
    attendance: Attendance,
    attendedAt: IsoInstant,
    reason: z.string().max(500).optional(),
  }),
);
export type AppointmentAttendanceRecordedV1 = z.infer<typeof AppointmentAttendanceRecordedV1>;

export const SlaBreachedV1 = eventSchema(
  'throughcare.sla.breached',
  1,
  z.object({
    breachId: z.string().min(1),
    episode: z.number().int().min(1),
    clock: z.string().min(1),
    owedBy: z.string().min(1),
    owedTo: z.string().min(1),
    dueAt: IsoInstant,
    breachedAt: IsoInstant,
  }),
);
export type SlaBreachedV1 = z.infer<typeof SlaBreachedV1>;

export const CaseClosedV1 = eventSchema(
  'throughcare.case.closed',
  1,
  z.object({ episode: z.number().int().min(1), closedAt: IsoInstant, reason: z.string().min(1) }),
);
export type CaseClosedV1 = z.infer<typeof CaseClosedV1>;

/** The expected release date of a custody episode moved (HDC, parole, early release, recalculation). */
export const ReleaseDateChangedV1 = eventSchema(
  'custody.release-date.changed',
  1,
  z.object({
    episode: z.number().int().min(1),
    expectedReleaseDate: IsoDate,
    previousExpectedReleaseDate: IsoDate,
    reason: ReleaseDateChangeReason,
    changedAt: IsoInstant,
  }),
);
export type ReleaseDateChangedV1 = z.infer<typeof ReleaseDateChangedV1>;

/** A gate pick-up (transport from the prison gate on liberation day) was booked. */
export const GatePickupBookedV1 = eventSchema(
  'custody.gate-pickup.booked',
  1,
  z.object({
    bookingId: z.uuid(),
    episode: z.number().int().min(1),
    establishmentCode: EstablishmentCode,
    liberationDate: IsoDate,
  }),
);
export type GatePickupBookedV1 = z.infer<typeof GatePickupBookedV1>;

/** A gate pick-up was cancelled (its liberation date no longer holds). */
export const GatePickupCancelledV1 = eventSchema(
  'custody.gate-pickup.cancelled',
  1,
  z.object({ bookingId: z.uuid(), episode: z.number().int().min(1), reason: z.string().min(1).max(500) }),
);
export type GatePickupCancelledV1 = z.infer<typeof GatePickupCancelledV1>;

/** An involved agency was told of a change in the plan (once per change). */
export const AgencyNotifiedV1 = eventSchema(
  'referral.agency.notified',
  1,
  z.object({
    notificationId: z.uuid(),
    episode: z.number().int().min(1),
    agencyId: z.string().min(1),
    subject: z.enum(['LIBERATION_DATE_CHANGED']),
    liberationDate: IsoDate,
    previousLiberationDate: IsoDate.optional(),
  }),
);
export type AgencyNotifiedV1 = z.infer<typeof AgencyNotifiedV1>;

/** Every event the platform knows, by type and version. */
export const EventCatalogue = {
  'custody.person.received@1': PersonReceivedV1,
  'custody.person.released@1': PersonReleasedV1,
  'assessment.core-screen.requested@1': CoreScreenRequestedV1,
  'assessment.core-screen.completed@1': CoreScreenCompletedV1,
  'referral.referral.sent@1': ReferralSentV1,
  'referral.referral.acknowledged@1': ReferralAcknowledgedV1,
  'referral.appointment.booked@1': AppointmentBookedV1,
  'referral.appointment.attendance-recorded@1': AppointmentAttendanceRecordedV1,
  'throughcare.sla.breached@1': SlaBreachedV1,
  'throughcare.case.closed@1': CaseClosedV1,
  'custody.release-date.changed@1': ReleaseDateChangedV1,
  'custody.gate-pickup.booked@1': GatePickupBookedV1,
  'custody.gate-pickup.cancelled@1': GatePickupCancelledV1,
  'referral.agency.notified@1': AgencyNotifiedV1,
} as const;
export type KnownEventKey = keyof typeof EventCatalogue;
export type KnownEvent = z.infer<(typeof EventCatalogue)[KnownEventKey]>;
