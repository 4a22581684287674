import { z } from 'zod';
import { IsoDate } from '@throughcare/contracts';
import { PersonIdSchema } from '../referrals/referral.schemas';

// HTTP and activity DTOs (see referral.schemas.ts for why every schema ends in `Schema`).

/** What changed in the plan (AgencyNotifiedV1 `subject`). */
export const NotificationSubjectSchema = z.enum(['LIBERATION_DATE_CHANGED']);
export type NotificationSubject = z.infer<typeof NotificationSubjectSchema>;

/** Input of the `notifyAgency` activity (ReferralActivities), checked at the worker's edge. */
export const NotifyAgencyInputSchema = z
  .object({
    idempotencyKey: z.string().min(1).max(500),
    personId: PersonIdSchema,
    episode: z.number().int().min(1),
    agencyId: z.string().min(1).max(200),
    subject: NotificationSubjectSchema,
    liberationDate: IsoDate,
    previousLiberationDate: IsoDate.optional(),
    correlationId: z.string().min(1).max(200),
  })
  .refine((input) => input.previousLiberationDate !== input.liberationDate, {
    path: ['previousLiberationDate'],
    message: 'must differ from liberationDate: a change notice names a change',
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
      .trim()
      .min(1)
      .max(200)
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
  /** The new liberation date (YYYY-MM-DD). */
  liberationDate: string;
  /** The date it replaces, when there was one. */
  previousLiberationDate: string | null;
  notifiedAt: string;
  /** Null while unread; the first read is kept. */
  read: NotificationReadView | null;
}
