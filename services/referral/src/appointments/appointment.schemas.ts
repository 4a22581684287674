import { z } from 'zod';
import {
  AppointmentCancellationReason,
  AppointmentPlaceKind,
  Attendance,
  ScheduleChangeReason,
  type ScheduleChange,
  type ScheduleChangeReason as ScheduleChangeReasonValue,
  IsoInstant,
  type AppointmentPlaceKind as AppointmentPlaceKindValue,
  type Attendance as AttendanceValue,
} from '@throughcare/contracts';
import { AgencyTextSchema, PersonIdSchema, RoleOrTeamSchema } from '../referrals/referral.schemas';

// HTTP and activity DTOs (see referral.schemas.ts for why every schema ends in `Schema`).

/** Why a session did not happen (hmpps-interventions-service); POP = person on probation. */
export const NonAttendanceReasonSchema = z.enum(['POP_ACCEPTABLE', 'POP_UNACCEPTABLE', 'LOGISTICS']);
export type NonAttendanceReason = z.infer<typeof NonAttendanceReasonSchema>;

/** Derived from the attendance and cancellation facts. */
export const AppointmentStatusSchema = z.enum([
  'AWAITING_ATTENDANCE',
  'ATTENDED',
  'DID_NOT_ATTEND',
  'CANCELLED',
]);
export type AppointmentStatus = z.infer<typeof AppointmentStatusSchema>;

/**
 * Why it was booked: the journey's first community appointment, or its follow-up after a missed
 * one; or by the agency against its referral.
 */
export const AppointmentPurposeSchema = z.enum([
  'FIRST_APPOINTMENT',
  'MISSED_APPOINTMENT_FOLLOW_UP',
  'REFERRAL_APPOINTMENT',
]);
export type AppointmentPurpose = z.infer<typeof AppointmentPurposeSchema>;

/** Input of the `bookFirstAppointment` activity (ReferralActivities), checked at the worker's edge. */
export const BookFirstAppointmentInputSchema = z.object({
  idempotencyKey: z.string().min(1).max(500),
  personId: PersonIdSchema,
  episode: z.number().int().min(1),
  agencyId: z.string().min(1).max(200),
  dueBy: IsoInstant,
  /** FIRST_APPOINTMENT when absent. */
  purpose: AppointmentPurposeSchema.exclude(['REFERRAL_APPOINTMENT']).optional(),
  correlationId: z.string().min(1).max(200),
});
export type BookFirstAppointmentInput = z.output<typeof BookFirstAppointmentInputSchema>;

/** Input of the `cancelAppointment` activity (ReferralActivities), checked at the worker's edge. */
export const CancelAppointmentInputSchema = z.object({
  idempotencyKey: z.string().min(1).max(500),
  appointmentId: z.uuid(),
  reason: z.string().max(500).trim().min(1),
  correlationId: z.string().min(1).max(200),
});
export type CancelAppointmentInput = z.output<typeof CancelAppointmentInputSchema>;

export const ListAppointmentsQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().min(1).max(500).optional().describe('nextCursor from the previous page'),
  })
  .strict();
export type ListAppointmentsQuery = z.output<typeof ListAppointmentsQuerySchema>;

export const AppointmentIdSchema = z.uuid();

export const AppointmentPlaceKindSchema = AppointmentPlaceKind;
export type { AppointmentPlaceKindValue as AppointmentPlaceKind };

export const ScheduleAppointmentBodySchema = z
  .object({
    startsAt: IsoInstant.describe(
      'When the appointment starts: not before it was booked, nor more than a year ahead; a move goes to a time to come (a first time set after the event is recorded as retrospective)',
    ),
    durationMinutes: z.number().int().min(5).max(480).optional(),
    placeKind: AppointmentPlaceKindSchema,
    place: AgencyTextSchema.describe(
      'The office, the prison and room, the address of a home visit, or how to join a call',
    ),
    scheduledBy: RoleOrTeamSchema.describe('The role or team setting it, never a named person'),
    reasonCode: ScheduleChangeReason.optional().describe(
      'Why the time or place changes: required when the appointment already has one (ignored for the first). CORRECTION corrects the same appointment (also for a time gone by, or after attendance, up to when it was attended); any other code moves it to a time to come. A time gone by with no attendance recorded is not turned into a time to come either way',
    ),
    reason: AgencyTextSchema.optional().describe(
      "The agency's own words: kept with its record, never sent on the bus",
    ),
  })
  .strict();
export type ScheduleAppointmentBody = z.output<typeof ScheduleAppointmentBodySchema>;

export const BookReferralAppointmentBodySchema = ScheduleAppointmentBodySchema.omit({
  scheduledBy: true,
  reasonCode: true,
  reason: true,
})
  .extend({
    startsAt: IsoInstant.describe(
      'When the appointment starts: from now (a time gone by is refused) to a year ahead',
    ),
    bookedBy: RoleOrTeamSchema.describe('The role or team booking it, never a named person'),
  })
  .strict();
export type BookReferralAppointmentBody = z.output<typeof BookReferralAppointmentBodySchema>;

export const CancelAppointmentBodySchema = z
  .object({
    reasonCode: AppointmentCancellationReason.describe(
      'Why the agency cancels it (the code goes on the bus)',
    ),
    cancelledBy: RoleOrTeamSchema.describe(
      'The role or team cancelling it, never a named person (kept here only)',
    ),
  })
  .strict();
export type CancelAppointmentBody = z.output<typeof CancelAppointmentBodySchema>;

export const RecordAttendanceBodySchema = z
  .object({
    attendance: Attendance,
    attendedAt: IsoInstant.describe(
      'When the appointment took place (or was due, when NO); not before it was booked',
    ),
    reason: NonAttendanceReasonSchema.optional().describe(
      'Required when attendance is NO; not allowed otherwise',
    ),
    recordedBy: RoleOrTeamSchema.describe('The role or team recording attendance, never a named person'),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.attendance === 'NO' && body.reason === undefined) {
      ctx.addIssue({ code: 'custom', path: ['reason'], message: 'required when attendance is NO' });
    }
    if (body.attendance !== 'NO' && body.reason !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['reason'], message: 'only allowed when attendance is NO' });
    }
  });
export type RecordAttendanceBody = z.output<typeof RecordAttendanceBodySchema>;

export interface AttendanceView {
  attendance: AttendanceValue;
  attendedAt: string;
  reason: NonAttendanceReason | null;
  recordedAt: string;
  recordedBy: string;
}

export interface ScheduleView {
  startsAt: string;
  durationMinutes: number | null;
  placeKind: AppointmentPlaceKind;
  place: string;
  change: ScheduleChange;
  /** Why it changed (null for the first). */
  reasonCode: ScheduleChangeReasonValue | null;
  reason: string | null;
  /** Set after its start (recorded after the event). */
  retrospective: boolean;
  scheduledAt: string;
  scheduledBy: string;
  /** Whether it starts by the appointment's dueBy (the journey's clock). */
  withinDueBy: boolean;
}

export interface CancellationView {
  cancelledAt: string;
  /** The agency's reason code, the referral's end (the cascade), or the journey's compensation. */
  reason: string;
  /** Who at the agency cancelled it: its own cancellation only (null for the cascade and the journey). */
  cancelledBy: string | null;
}

export interface AppointmentView {
  id: string;
  personId: string;
  episode: number;
  agencyId: string;
  purpose: AppointmentPurpose;
  /** The referral the agency booked it against (REFERRAL_APPOINTMENT); null for the journey's own. */
  referralId: string | null;
  /** The journey's clock; for a referral appointment, the time first agreed. */
  dueBy: string;
  bookedAt: string;
  status: AppointmentStatus;
  attendance: AttendanceView | null;
  /** Null unless the appointment was cancelled (then no attendance can be recorded). */
  cancellation: CancellationView | null;
  /** When and where, as the agency last set it; null until it does. */
  schedule: ScheduleView | null;
  /** Every time and place set, in order (the last is `schedule`); on one appointment's answers, not in lists. */
  schedules?: ScheduleView[];
}
