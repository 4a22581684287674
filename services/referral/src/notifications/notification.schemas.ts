import { z } from 'zod';
import { EstablishmentCode, IsoDate, NotificationSubject as Subjects } from '@throughcare/contracts';
import { PersonIdSchema } from '../referrals/referral.schemas';

// HTTP and activity DTOs (see referral.schemas.ts for why every schema ends in `Schema`).

/** What changed in the plan (AgencyNotifiedV2 `subject`): the contract's NotificationSubject. */
export const NotificationSubjectSchema = Subjects;
export type NotificationSubject = z.infer<typeof NotificationSubjectSchema>;

/** Why an agency other than the one the journey told got its copy (`alsoTell`). */
export const NOTIFICATION_COPY_BASES = ['GATE_COLLECTOR'] as const;
/**
 * Why the agency holds the notice (migration 2500): ADDRESSED, the agency the journey told;
 * OPEN_REFERRAL, a copy for an agency holding an open referral of the episode; GATE_COLLECTOR, a
 * copy for the agency collecting the person at the gate (`reference`: the arrangement's version).
 */
export const NOTIFICATION_BASES = ['ADDRESSED', 'OPEN_REFERRAL', ...NOTIFICATION_COPY_BASES] as const;
export type NotificationBasis = (typeof NOTIFICATION_BASES)[number];

/** Longest message the v2 event carries. */
export const NOTIFICATION_MESSAGE_MAX = 1000;

/** Input of the `notifyAgency` activity (ReferralActivities), checked at the worker's edge. */
export const NotifyAgencyInputSchema = z
  .object({
    idempotencyKey: z.string().min(1).max(500),
    personId: PersonIdSchema,
    episode: z.number().int().min(1),
    agencyId: z.string().min(1).max(200),
    subject: NotificationSubjectSchema,
    /** When absent, a message is written from the subject and the dates and establishments given. */
    message: z.string().max(NOTIFICATION_MESSAGE_MAX).trim().min(1).optional(),
    liberationDate: IsoDate.optional(),
    previousLiberationDate: IsoDate.optional(),
    establishmentCode: EstablishmentCode.optional(),
    previousEstablishmentCode: EstablishmentCode.optional(),
    /** The pre-release meeting booked (with a changed liberation date): its day and prison, both or neither. */
    preReleaseMeetingDate: IsoDate.optional(),
    preReleaseMeetingEstablishmentCode: EstablishmentCode.optional(),
    /**
     * Agencies that get their own copy of a change every agency hears of, besides those holding an
     * open referral of the episode, each with the basis of the disclosure (the agency collecting
     * the person at the gate, and the arrangement version): one copy each, kept with its basis and
     * audited (review stop 42, M5).
     */
    alsoTell: z
      .array(
        z
          .object({
            agencyId: z.string().min(1).max(200),
            because: z.enum(NOTIFICATION_COPY_BASES),
            // Only what the basis rests on: it is written into the audit record's object.
            reference: z
              .string()
              .regex(/^gate-arrangement-v[1-9]\d{0,8}$/, 'must read gate-arrangement-v<version>'),
          })
          .strict(),
      )
      .max(20)
      .optional(),
    correlationId: z.string().min(1).max(200),
  })
  .superRefine((input, ctx) => {
    // The gate collector's basis is the liberation date it collects on, nothing else (review stop 43, N3).
    if (input.alsoTell !== undefined && input.subject !== 'LIBERATION_DATE_CHANGED') {
      ctx.addIssue({
        code: 'custom',
        path: ['alsoTell'],
        message: 'only with LIBERATION_DATE_CHANGED (the gate collector hears the date it collects on)',
      });
    }
    if (input.previousLiberationDate !== undefined && input.liberationDate === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['liberationDate'],
        message: 'required with previousLiberationDate',
      });
    }
    if (input.previousEstablishmentCode !== undefined && input.establishmentCode === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['establishmentCode'],
        message: 'required with previousEstablishmentCode',
      });
    }
    if (
      (input.preReleaseMeetingDate === undefined) !==
      (input.preReleaseMeetingEstablishmentCode === undefined)
    ) {
      ctx.addIssue({
        code: 'custom',
        path: [
          input.preReleaseMeetingDate === undefined
            ? 'preReleaseMeetingDate'
            : 'preReleaseMeetingEstablishmentCode',
        ],
        message: 'the pre-release meeting is named by its day and its prison together',
      });
    }
    if (input.preReleaseMeetingDate !== undefined) {
      if (input.subject !== 'LIBERATION_DATE_CHANGED')
        ctx.addIssue({
          code: 'custom',
          path: ['preReleaseMeetingDate'],
          message: 'a pre-release meeting is named with LIBERATION_DATE_CHANGED only',
        });
      else if (input.liberationDate !== undefined && input.preReleaseMeetingDate >= input.liberationDate)
        ctx.addIssue({
          code: 'custom',
          path: ['preReleaseMeetingDate'],
          message: `must be before the liberation date (${input.liberationDate})`,
        });
    }
    if (input.subject === 'LIBERATION_DATE_CHANGED') {
      if (input.liberationDate === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['liberationDate'],
          message: 'required when the subject is LIBERATION_DATE_CHANGED: the new date',
        });
      } else if (input.previousLiberationDate === input.liberationDate) {
        ctx.addIssue({
          code: 'custom',
          path: ['previousLiberationDate'],
          message: 'must differ from liberationDate: a change notice names a change',
        });
      }
    }
    if (input.subject === 'TRANSFERRED') {
      if (input.establishmentCode === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['establishmentCode'],
          message: 'required when the subject is TRANSFERRED: the establishment the person is now in',
        });
      } else if (input.previousEstablishmentCode === input.establishmentCode) {
        ctx.addIssue({
          code: 'custom',
          path: ['previousEstablishmentCode'],
          message: 'must differ from establishmentCode: a transfer moves the person',
        });
      }
    }
    if (input.subject === 'RELEASED') {
      if (input.liberationDate === undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['liberationDate'],
          message: 'required when the subject is RELEASED: the day the person was released',
        });
      if (input.establishmentCode === undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['establishmentCode'],
          message: 'required when the subject is RELEASED: the establishment released from',
        });
    }
  });
export type NotifyAgencyInput = z.output<typeof NotifyAgencyInputSchema>;

export const ListNotificationsQuerySchema = z
  .object({
    unread: z
      .enum(['true', 'false'])
      .transform((value) => value === 'true')
      .optional()
      .describe('true: only the unread; false: only the read; omitted: all'),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().min(1).max(500).optional().describe('nextCursor from the previous page'),
  })
  .strict();
export type ListNotificationsQuery = z.output<typeof ListNotificationsQuerySchema>;

export const NotificationIdSchema = z.uuid();

export const MarkNotificationReadBodySchema = z
  .object({
    readBy: z
      .string()
      .max(200)
      .trim()
      .min(1)
      .describe('The role or team reading (e.g. "Justice Social Work duty team"), never a named person'),
  })
  .strict();
export type MarkNotificationReadBody = z.output<typeof MarkNotificationReadBodySchema>;

export interface NotificationReadView {
  readAt: string;
  readBy: string;
}

export interface NotificationView {
  id: string;
  personId: string;
  episode: number;
  agencyId: string;
  subject: NotificationSubject;
  /** What happened, in words for the agency's staff (given by the journey, or written from the facts). */
  message: string;
  /** The liberation date (YYYY-MM-DD) as it now stands, when the notice names one. */
  liberationDate: string | null;
  /** The date it replaces, when there was one. */
  previousLiberationDate: string | null;
  /** The establishment the person is now in (e.g. after a transfer), when the notice names one. */
  establishmentCode: string | null;
  /** The establishment it replaces, when there was one. */
  previousEstablishmentCode: string | null;
  /** The pre-release meeting booked, when the notice names it (a changed liberation date): its day and prison. */
  preReleaseMeeting: { date: string; establishmentCode: string } | null;
  /**
   * Why this agency holds the notice (NOTIFICATION_BASES), with what the basis rests on (e.g.
   * `gate-arrangement-v2`); null for notices made before the basis was kept (migration 2500).
   */
  basis: { because: NotificationBasis; reference: string | null } | null;
  notifiedAt: string;
  /** Null while unread; the first read is kept. */
  read: NotificationReadView | null;
}
