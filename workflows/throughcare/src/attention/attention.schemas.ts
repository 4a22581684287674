import { z } from 'zod';
import { AttentionOptions, IsoInstant } from '@throughcare/contracts';
import { parseOrThrow } from '@throughcare/platform-errors';
import { BOUNDED_HEADER_SCHEMA, keysetCursor } from '@throughcare/platform-http';

const PersonId = z.string().regex(/^p[0-9a-f]{20}$/, 'must be a pseudonymous person id');

/** Keyset over (since, person, episode, item), oldest first. */
export const AttentionCursor = keysetCursor(
  z.object({
    since: IsoInstant,
    personId: PersonId,
    episode: z.number().int().min(1),
    itemId: z.string().min(1).max(40),
  }),
);
const CursorSchema = AttentionCursor.schema;

export const ListAttentionQuerySchema = z
  .object({
    status: z.enum(['OPEN', 'RESOLVED']).default('OPEN'),
    personId: PersonId.optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: CursorSchema.optional().describe('nextCursor from the previous page'),
  })
  .strict();
export type ListAttentionQuery = z.output<typeof ListAttentionQuerySchema>;

export const AttentionParamsSchema = z
  .object({
    personId: PersonId,
    episode: z.coerce.number().int().min(1),
    itemId: z.string().regex(/^att-[0-9]{1,6}$/, 'must be an attention item id (att-<n>)'),
  })
  .strict();
export type AttentionParams = z.output<typeof AttentionParamsSchema>;

export const ResolveAttentionBodySchema = z
  .object({
    option: z
      .enum(AttentionOptions)
      .describe('RETRY: try the step again; SKIP: leave it undone (reason required)'),
    by: z.string().max(200).trim().min(1).describe('The operator deciding'),
    reason: z.string().max(2000).trim().min(1).optional(),
  })
  .strict()
  .refine((b) => b.option !== 'SKIP' || b.reason !== undefined, {
    message: 'skipping a step needs a reason',
    path: ['reason'],
  });
export type ResolveAttentionBody = z.output<typeof ResolveAttentionBodySchema>;

export const AttentionViewSchema = z.object({
  personId: z.string(),
  episode: z.number().int(),
  itemId: z.string(),
  action: z.string().describe('The step that failed, e.g. book:gate-pickup'),
  what: z.string(),
  errorType: z
    .string()
    .nullable()
    .describe(
      "The kind of item: a failed step's error type, or one the journey raises itself: NEED_GAP, NEED_NO_LONGER_INDICATED, NEED_REFERRAL_HELD, PRE_RELEASE_MEETING_IMPOSSIBLE, PRE_RELEASE_MEETING_NOT_HELD, VISITS_DO_NOT_FIT, RISK_ESCALATED, GATE_ARRANGEMENT_RECONFIRMATION (the gate arrangement was made for another liberation date than the one now: confirm it again with whoever collects and record it for the new date, which closes the item; action gate-reconfirm:<liberation date>:v<arrangement version>, for the prison; see GET /gate-arrangements?needsReconfirmation=true in the liberation API)",
    ),
  mustAct: z.string().describe('Who must act'),
  since: IsoInstant,
  options: z.array(z.enum(AttentionOptions)),
  status: z.enum(['OPEN', 'RESOLVED']),
  resolution: z
    .object({
      option: z.enum(AttentionOptions),
      by: z.string(),
      reason: z.string().optional(),
      at: IsoInstant,
    })
    .nullable(),
});
export type AttentionView = z.infer<typeof AttentionViewSchema>;

export const AttentionPageSchema = z.object({
  items: z.array(AttentionViewSchema),
  nextCursor: z.string().nullable().describe('Pass as cursor for the next page; null on the last'),
});
export type AttentionPage = z.infer<typeof AttentionPageSchema>;

export const IDEMPOTENCY_HEADER = 'idempotency-key';

/** The resolution's optional Idempotency-Key: 1-200 characters once trimmed (a blank one is refused). */
export const ResolveAttentionHeadersSchema = z.object({
  [IDEMPOTENCY_HEADER]: z.string().max(200).trim().min(1).optional(),
});

/** The request's Idempotency-Key (first value if repeated), checked; undefined when not sent. */
export function idempotencyKeyOf(headers: Record<string, string | string[] | undefined>): string | undefined {
  const raw = headers[IDEMPOTENCY_HEADER];
  return parseOrThrow(
    ResolveAttentionHeadersSchema,
    { [IDEMPOTENCY_HEADER]: Array.isArray(raw) ? raw[0] : raw },
    'headers',
  )[IDEMPOTENCY_HEADER];
}

/**
 * The optional Idempotency-Key of a change sent to a journey as an update, for `@ApiHeader`
 * (optional, as the code has it: a header named in `@Headers('…')` would be documented required).
 */
export const JOURNEY_UPDATE_IDEMPOTENCY_HEADER = {
  name: IDEMPOTENCY_HEADER,
  required: false,
  schema: BOUNDED_HEADER_SCHEMA,
  description: 'A retry with the same key answers as the first request did (the same update of the journey)',
};
