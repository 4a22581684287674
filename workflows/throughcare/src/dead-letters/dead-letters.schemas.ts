import { z } from 'zod';

// Suffixed `Schema`: a parameter type sharing a zod value's name breaks Swagger's metadata.

const Consumer = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,100}$/, 'must be a consumer name (letters, digits, - and _)');
const Code = z.string().regex(/^[A-Z0-9_]{1,60}$/, 'must be a dead-letter code, e.g. UPDATE_REJECTED');
const Operator = z.string().max(100).trim().min(1).describe('Who does it (an operator id or name)');

export const ListDeadLettersQuerySchema = z
  .object({
    consumer: Consumer.optional(),
    code: Code.optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.coerce.number().int().min(1).optional().describe('nextCursor from the previous page'),
  })
  .strict();
export type ListDeadLettersQuery = z.output<typeof ListDeadLettersQuerySchema>;

export const DeadLetterParamsSchema = z
  .object({ seq: z.coerce.number().int().min(1).describe('Sequence of the letter in THROUGHCARE_DLQ') })
  .strict();
export type DeadLetterParams = z.output<typeof DeadLetterParamsSchema>;

const ReplayReason = z.string().max(1000).trim().min(1);

export const ReplayBodySchema = z
  .object({
    by: Operator,
    reason: ReplayReason.optional(),
    // A JSON boolean, not coerced.
    force: z
      .boolean()
      .optional()
      .describe(
        "Replay an event that opens an episode (a reception, a liberation from court) older than Temporal's retention of closed workflows: the tombstone a reversal of that episode left may be gone, so check first that the liberation service does not hold the episode as void; needs a reason",
      ),
  })
  .strict()
  .refine((b) => !b.force || b.reason !== undefined, {
    path: ['reason'],
    message: 'a forced replay needs a reason',
  });
export type ReplayBody = z.output<typeof ReplayBodySchema>;

export const ReplayAllBodySchema = z
  .object({
    by: Operator,
    reason: ReplayReason.optional(),
    consumer: Consumer.optional(),
    code: Code.optional(),
    // A JSON number, not coerced: `true` or "12" is refused (the CI fuzz of f1e6076 found `true` taken as 1).
    upToSeq: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe(
        'Only letters at or below this sequence: the `upToSeq` of the first request, when `more` asks again',
      ),
  })
  .strict();
export type ReplayAllBody = z.output<typeof ReplayAllBodySchema>;

export const DiscardBodySchema = z
  .object({ by: Operator, reason: z.string().max(1000).trim().min(1).describe('Why it is discarded') })
  .strict();
export type DiscardBody = z.output<typeof DiscardBodySchema>;

const Headers = z.record(z.string(), z.array(z.string()));

export const DeadLetterSummarySchema = z.object({
  seq: z.number().int(),
  consumer: z.string().nullable(),
  code: z.string().nullable(),
  reason: z.string().nullable(),
  originalSubject: z.string().nullable(),
  eventId: z.string().nullable(),
  eventType: z.string().nullable(),
  personId: z
    .string()
    .nullable()
    .describe("The event's pseudonymous person id (THROUGHCARE_ID), if it names one"),
  deadLetteredAt: z.string(),
  deliveryCount: z.number().int().nullable(),
  attempts: z.number().int().nullable(),
});
export type DeadLetterSummary = z.infer<typeof DeadLetterSummarySchema>;

export const DeadLetterPageSchema = z.object({
  items: z.array(DeadLetterSummarySchema),
  nextCursor: z
    .number()
    .int()
    .nullable()
    .describe('Pass back as `cursor` for the next page; null on the last'),
});
export type DeadLetterPage = z.infer<typeof DeadLetterPageSchema>;

export const DeadLetterActionSchema = z.object({
  action: z.enum(['REPLAYED', 'DISCARDED']),
  by: z.string(),
  reason: z.string().nullable(),
  at: z.string(),
  replayedAsSeq: z
    .number()
    .int()
    .nullable()
    .describe('Sequence of the re-published event in THROUGHCARE_EVENTS'),
});
export type DeadLetterAction = z.infer<typeof DeadLetterActionSchema>;

export const DeadLetterViewSchema = DeadLetterSummarySchema.extend({
  status: z.enum(['OPEN', 'REPLAYED', 'DISCARDED']),
  headers: Headers.describe('The dead letter headers (reason, code, consumer, original subject …)'),
  originalHeaders: Headers.describe('The headers the event was published with (Nats-Msg-Id included)'),
  event: z
    .record(z.string(), z.unknown())
    .nullable()
    .describe(
      'The event with every value that could name or describe a person replaced by "[redacted]" (prison number, CRN, PNC, free text, unknown fields); null when the payload is not a JSON object',
    ),
  payloadBytes: z.number().int().describe('Size of the stored payload (replayed unchanged)'),
  payloadSha256: z.string().describe('SHA-256 of the stored payload, hex (its bytes are not shown)'),
  action: DeadLetterActionSchema.nullable(),
});
export type DeadLetterView = z.infer<typeof DeadLetterViewSchema>;

export const ReplayAllResultSchema = z.object({
  replayed: z.array(z.object({ seq: z.number().int(), replayedAsSeq: z.number().int() })),
  /**
   * Letters left open: an event opening an episode older than Temporal's retention
   * (REPLAY_PAST_RETENTION) is never replayed in bulk; replay it alone, with `force`, once checked.
   * Nor is a letter asking an operator to act (REPLAY_DISCARD_ONLY: EPISODE_NOT_RESUMED): discard it.
   */
  skipped: z.array(z.object({ seq: z.number().int(), code: z.string(), reason: z.string() })),
  /** At most 100 are replayed per request: true when matching letters are left (ask again). */
  more: z.boolean(),
  /** The last sequence this request considered: pass it as `upToSeq` when asking again. */
  upToSeq: z.number().int(),
});
export type ReplayAllResult = z.infer<typeof ReplayAllResultSchema>;
