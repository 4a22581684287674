import { z } from 'zod';
import { IsoInstant } from '@throughcare/contracts';
import { keysetCursor } from '@throughcare/platform-http';

export const RepairStatuses = ['PENDING', 'RESETTING', 'RESET', 'INCOMPLETE', 'REFUSED', 'SKIPPED'] as const;
export type RepairStatus = (typeof RepairStatuses)[number];

/** Keyset over (detected, run), newest first. */
export const RepairCursor = keysetCursor(z.object({ at: IsoInstant, runId: z.uuid() }));

export const ListRepairsQuerySchema = z
  .object({
    status: z.enum(RepairStatuses).optional().describe('Only repairs in this status'),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: RepairCursor.schema.optional().describe('nextCursor from the previous page'),
  })
  .strict();
export type ListRepairsQuery = z.output<typeof ListRepairsQuerySchema>;

export const RepairViewSchema = z.object({
  runId: z.string().describe('The run its worker could not replay'),
  workflowId: z.string().nullable().describe('Null until the run is looked up'),
  personId: z.string().nullable().describe("The journey's pseudonymous person id"),
  episode: z.number().int().nullable(),
  status: z
    .enum(RepairStatuses)
    .describe(
      'PENDING: detected, being worked; RESETTING: reset, the new run checked for the updates it must carry; ' +
        'RESET: done; INCOMPLETE: the new run did not take updatesMissing (re-publish those facts); ' +
        'REFUSED: not the SDK defect, or over a bound (an operator acts); SKIPPED: nothing to do (why)',
    ),
  why: z.string().nullable(),
  refused: z
    .string()
    .nullable()
    .describe(
      'NO_EVENT_NAMED, EVENT_NOT_IN_HISTORY, NOT_UPDATE_ORDERING, CODE_CHANGED, RESET_TOO_OFTEN or TOO_MANY_RESETS',
    ),
  failure: z.string().describe("The SDK's non-determinism message"),
  failingEventId: z.number().int().nullable(),
  resetToEventId: z.number().int().nullable(),
  updateIds: z
    .array(z.string())
    .describe('The updates accepted from the reset point on, which the new run must take'),
  updatesMissing: z.array(z.string()).describe('Those the new run has not taken (yet)'),
  newRunId: z.string().nullable(),
  detectedAt: IsoInstant,
  updatedAt: IsoInstant,
});
export type RepairView = z.infer<typeof RepairViewSchema>;

export const RepairPageSchema = z.object({
  items: z.array(RepairViewSchema),
  nextCursor: z.string().nullable().describe('Pass as cursor for the next page; null on the last'),
});
export type RepairPage = z.infer<typeof RepairPageSchema>;
