import { z } from 'zod';
import { IsoInstant, Pathway } from '@throughcare/contracts';
import { keysetCursor } from '@throughcare/platform-http';

/** Keyset over (breached_at, id), newest first. */
export const BreachCursor = keysetCursor(z.object({ breachedAt: IsoInstant, id: z.uuid() }));
// Suffixed `Schema`: a parameter type sharing a zod value's name breaks Swagger's metadata.
const CursorSchema = BreachCursor.schema;

export const ListBreachesQuerySchema = z
  .object({
    status: z.enum(['OPEN', 'MET_LATE']).optional(),
    clock: z
      .string()
      .regex(/^[a-zA-Z]+$/)
      .max(60)
      .optional(),
    personId: z
      .string()
      .regex(/^p[0-9a-f]{20}$/, 'must be a pseudonymous person id')
      .optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: CursorSchema.optional().describe('nextCursor from the previous page'),
  })
  .strict();
export type ListBreachesQuery = z.output<typeof ListBreachesQuerySchema>;

export const JourneyParamsSchema = z
  .object({
    personId: z.string().regex(/^p[0-9a-f]{20}$/, 'must be a pseudonymous person id'),
    episode: z.coerce.number().int().min(1),
  })
  .strict();
export type JourneyParams = z.output<typeof JourneyParamsSchema>;

/** One need of one journey: `/journeys/:personId/episodes/:episode/needs/:pathway`. */
export const JourneyNeedParamsSchema = z
  .object({
    personId: z.string().regex(/^p[0-9a-f]{20}$/, 'must be a pseudonymous person id'),
    episode: z.coerce.number().int().min(1),
    pathway: Pathway,
  })
  .strict();
export type JourneyNeedParams = z.output<typeof JourneyNeedParamsSchema>;

/** A body of one reason, as prison staff give it for a change to what a journey refers. */
const reasonBody = (description: string) =>
  z.object({ reason: z.string().max(2000).trim().min(1).describe(description) }).strict();

/** Prison staff stop referring a need: why (the agencies holding it are told). */
export const StopNeedBodySchema = reasonBody(
  'Why the need is no longer referred (arranged outside the platform, no longer a need, the person refuses it): the agencies whose referrals are withdrawn are told it',
);
export type StopNeedBody = z.output<typeof StopNeedBodySchema>;

/** Prison staff keep referring a need the latest assessment no longer indicates: why. */
export const KeepNeedBodySchema = reasonBody(
  'Why the need is referred all the same although the latest assessment of its pathway does not indicate it (the person asked for the support after all, the assessment is out of date): kept on the journey item',
);
export type KeepNeedBody = z.output<typeof KeepNeedBodySchema>;

/** One SLA breach as `/breaches` returns it. */
export const BreachViewSchema = z.object({
  id: z.uuid(),
  personId: z.string(),
  episode: z.number().int(),
  clock: z.string(),
  owedBy: z.string(),
  owedTo: z.string(),
  dueAt: IsoInstant,
  breachedAt: IsoInstant,
  metAt: IsoInstant.nullable(),
  latenessMinutes: z.number().int().nullable().describe('Minutes late when met late; null while still open'),
  status: z.enum(['OPEN', 'MET_LATE']),
  note: z
    .string()
    .nullable()
    .describe(
      'Why, when the breach was recorded without waiting for its deadline (e.g. the meeting can no longer be held before release); null otherwise',
    ),
});
export type BreachView = z.infer<typeof BreachViewSchema>;

export const BreachPageSchema = z.object({
  items: z.array(BreachViewSchema),
  nextCursor: z
    .string()
    .nullable()
    .describe('Pass back as `cursor` for the next page; null on the last page'),
});
export type BreachPage = z.infer<typeof BreachPageSchema>;
