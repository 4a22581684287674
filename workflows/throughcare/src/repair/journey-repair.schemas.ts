import { z } from 'zod';
import { IsoInstant } from '@throughcare/contracts';
import { keysetCursor } from '@throughcare/platform-http';

/** Keyset over (at, run), newest first. */
export const RepairCursor = keysetCursor(z.object({ at: z.iso.datetime({ offset: true }), runId: z.uuid() }));

export const ListRepairsQuerySchema = z
  .object({
    outcome: z.enum(['CLAIMED', 'RESET', 'REFUSED']).optional().describe('Only repairs with this outcome'),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: RepairCursor.schema.optional().describe('nextCursor from the previous page'),
  })
  .strict();
export type ListRepairsQuery = z.output<typeof ListRepairsQuerySchema>;

export const RepairViewSchema = z.object({
  workflowId: z.string(),
  personId: z.string().nullable().describe("The journey's pseudonymous person id"),
  episode: z.number().int().nullable(),
  runId: z.string().describe('The run its worker could not replay'),
  outcome: z
    .enum(['CLAIMED', 'RESET', 'REFUSED'])
    .describe(
      'RESET: run again from resetToEventId; REFUSED: not the SDK defect, or over a bound (an operator acts); CLAIMED: under way',
    ),
  refused: z
    .string()
    .nullable()
    .describe(
      'NO_EVENT_NAMED, EVENT_NOT_IN_HISTORY, NOT_UPDATE_ORDERING, RESET_TOO_OFTEN or TOO_MANY_RESETS',
    ),
  failure: z.string().describe("The SDK's non-determinism message"),
  failingEventId: z.number().int().nullable(),
  resetToEventId: z.number().int().nullable(),
  updateIds: z.array(z.string()).describe('The updates the reset reapplied'),
  newRunId: z.string().nullable(),
  at: IsoInstant,
});
export type RepairView = z.infer<typeof RepairViewSchema>;

export const RepairPageSchema = z.object({
  items: z.array(RepairViewSchema),
  nextCursor: z.string().nullable().describe('Pass as cursor for the next page; null on the last'),
});
export type RepairPage = z.infer<typeof RepairPageSchema>;
