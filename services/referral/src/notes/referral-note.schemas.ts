import { z } from 'zod';
import { IsoInstant } from '@throughcare/contracts';
import {
  PAGE_QUERY,
  PersonIdSchema,
  ReferralStatusSchema,
  RoleOrTeamSchema,
} from '../referrals/referral.schemas';
import { NOTE_AUDIENCES, type NoteAudience } from './referral-note.entity';

/** The longest case note (characters, after trimming): migration 1100's CHECK. */
export const NOTE_TEXT_MAX = 4000;

export const AddNoteBodySchema = z
  .object({
    text: z
      .string()
      .max(NOTE_TEXT_MAX)
      .trim()
      .min(1)
      .describe(`The note, 1–${NOTE_TEXT_MAX} characters; kept in this service, never on the bus`),
    audience: z
      .enum(NOTE_AUDIENCES)
      .describe(
        "AGENCY: the agency's own record; REFERRER: shared with prison staff (the prison the referral was sent from, or the one holding the person after a transfer)",
      ),
    writtenBy: RoleOrTeamSchema.describe('The role or team writing the note, never a named person'),
    writtenAt: IsoInstant.optional().describe(
      'When the note was written; defaults to now. Not before the referral was sent, nor in the future',
    ),
  })
  .strict();
export type AddNoteBody = z.output<typeof AddNoteBodySchema>;

export const ListNotesQuerySchema = z.object(PAGE_QUERY).strict();
export type ListNotesQuery = z.output<typeof ListNotesQuerySchema>;

export const ListPrisonReferralsQuerySchema = z
  .object({
    personId: PersonIdSchema.optional().describe("One person's referrals (pseudonymous THROUGHCARE_ID)"),
    episode: z.coerce
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .optional()
      .describe("One custody episode's referrals"),
    status: ReferralStatusSchema.optional(),
    ...PAGE_QUERY,
  })
  .strict();
export type ListPrisonReferralsQuery = z.output<typeof ListPrisonReferralsQuerySchema>;

export interface NoteView {
  id: string;
  referralId: string;
  agencyId: string;
  audience: NoteAudience;
  text: string;
  writtenBy: string;
  writtenAt: string;
  recordedAt: string;
}
