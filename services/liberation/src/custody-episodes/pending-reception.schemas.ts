import { keysetCursor } from '@throughcare/platform-http';
import { z } from 'zod';
import { EstablishmentCode, IsoInstant, PersonReceivedV1 } from '@throughcare/contracts';
import type { EpisodeLinks } from './custody-episode.schemas';
import type { PendingReceptionStatus } from './pending-reception.entity';

export const PendingReceptionCursor = keysetCursor(z.object({ receivedAt: IsoInstant, id: z.uuid() }));

export const ListPendingReceptionsQuerySchema = z
  .object({
    establishmentCode: EstablishmentCode.optional().describe(
      "Only this establishment's (one of the caller's); omitted: every establishment of the caller's",
    ),
    status: z
      .enum(['PENDING', 'COMPLETED', 'DISMISSED', 'VOID'])
      .default('PENDING')
      .describe(
        'PENDING (the default): still to complete; VOID: closed by the reversal of the reception that completed it, the admission itself in error',
      ),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: PendingReceptionCursor.schema.optional().describe('nextCursor from the previous page'),
  })
  .strict();
export type ListPendingReceptionsQuery = z.output<typeof ListPendingReceptionsQuerySchema>;

export const PendingReceptionPathSchema = z.object({ id: z.uuid() });
export type PendingReceptionPath = z.output<typeof PendingReceptionPathSchema>;

/**
 * What staff add to complete a pending reception: the facts the HMPPS event does not carry. The
 * prison number, establishment, reason and instant are the event's; the jurisdiction is England
 * and Wales (HMPPS events speak for it only). Checked as `POST /receptions` checks a reception.
 */
export const CompletePendingReceptionBodySchema = PersonReceivedV1.shape.data
  .pick({
    homeLocalAuthority: true,
    sentenceDate: true,
    sentenceLengthDays: true,
    expectedReleaseDate: true,
    returnToCustody: true,
    sex: true,
    dateOfBirth: true,
  })
  .strict();
export type CompletePendingReceptionBody = z.output<typeof CompletePendingReceptionBodySchema>;

export const DismissPendingReceptionBodySchema = z
  .object({
    reason: z
      .string()
      .max(500)
      .trim()
      .min(1)
      .describe(
        'Why no episode is opened from it (e.g. "recorded by hand as episode 2", "not our prison\'s case")',
      ),
  })
  .strict();
export type DismissPendingReceptionBody = z.output<typeof DismissPendingReceptionBodySchema>;

export interface PendingReceptionView {
  id: string;
  personId: string;
  prisonNumber: string;
  establishmentCode: string;
  reason: 'ADMISSION' | 'READMISSION';
  movementReasonCode: string | null;
  receivedAt: string;
  status: PendingReceptionStatus;
  /** Since when it has been waiting (when the adapter recorded it). */
  pendingSince: string;
  /** The episode its completion opened (COMPLETED), or the void one (VOID), with its links. */
  episode: number | null;
  links: EpisodeLinks | null;
  /** Who completed (COMPLETED, VOID) or dismissed it, and when. */
  resolvedBy: string | null;
  resolvedAt: string | null;
  /** VOID: who reversed the reception as in error, and when (null otherwise). */
  voidedBy: string | null;
  voidedAt: string | null;
  dismissalReason: string | null;
  /**
   * The episode whose reception had completed it and was then reversed as recorded in error: the
   * reversal put it back to PENDING, to complete again or dismiss. Null: never reopened.
   */
  reopenedAfterEpisode: number | null;
  /**
   * Its opening's ETag (also the ETag header): `"pending-reception-v1"` as announced, another once a
   * reception reversal reopened it. Send it as If-Match to complete it (required once reopened).
   */
  etag: string;
}

export interface PendingReceptionPage {
  items: PendingReceptionView[];
  nextCursor: string | null;
}
