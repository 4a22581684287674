import { z } from 'zod';
import {
  EstablishmentCode,
  IsoDate,
  IsoInstant,
  Jurisdiction,
  LocalAuthorityCode,
  Pathway,
} from '@throughcare/contracts';
import { keysetCursor } from '@throughcare/platform-http';

export const LedgerStatus = z.enum(['OPEN', 'MET', 'MET_LATE', 'BREACHED', 'CANCELLED']);
export const OwnerKind = z.enum(['PRISON', 'AGENCY', 'PRISON_AND_AGENCY', 'OTHER']);

/** Keyset over (due_at, journey, clock_key), latest due first. */
export const LedgerCursor = keysetCursor(
  z.object({ dueAt: IsoInstant, journey: z.string().max(300), key: z.string().max(300) }),
);
const CursorSchema = LedgerCursor.schema;

/** The filters every ledger read takes (list, CSV export, summary). */
export const LedgerFilterShape = {
  status: z
    .string()
    .transform((raw) => raw.split(','))
    .pipe(z.array(LedgerStatus).min(1))
    .optional()
    .describe(
      'One status or several, comma-separated: OPEN, MET, MET_LATE (met after it was breached), BREACHED (breached, not met yet), CANCELLED (no longer applies)',
    ),
  clock: z
    .string()
    .regex(/^[a-zA-Z]{1,60}$/, 'must be a clock name')
    .optional(),
  ownerKind: OwnerKind.optional().describe(
    'Who owes the clock: the prison, an agency, or both (the meeting)',
  ),
  agencyId: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,120}$/, 'must be an agency id')
    .optional(),
  establishment: EstablishmentCode.optional(),
  localAuthority: LocalAuthorityCode.optional(),
  jurisdiction: Jurisdiction.optional(),
  pathway: Pathway.optional(),
  policyId: z
    .string()
    .regex(/^[a-z0-9-]{1,100}$/, 'must be a policy id such as scotland-2026')
    .optional(),
  policyVersion: z.coerce.number().int().min(1).max(1000).optional(),
  personId: z
    .string()
    .regex(/^p[0-9a-f]{20}$/, 'must be a pseudonymous person id')
    .optional(),
  dueFrom: IsoDate.optional().describe('Due on or after this day (UTC)'),
  dueTo: IsoDate.optional().describe('Due on or before this day (UTC)'),
};
const dueRange = (q: { dueFrom?: string; dueTo?: string }) => !q.dueFrom || !q.dueTo || q.dueFrom <= q.dueTo;
const dueRangeIssue = { message: 'dueFrom must not be after dueTo', path: ['dueFrom'] };

export const LedgerFilterSchema = z.object(LedgerFilterShape).strict().refine(dueRange, dueRangeIssue);
export type LedgerFilter = z.output<typeof LedgerFilterSchema>;

export const ListLedgerQuerySchema = z
  .object({
    ...LedgerFilterShape,
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: CursorSchema.optional().describe('nextCursor from the previous page'),
  })
  .strict()
  .refine(dueRange, dueRangeIssue);
export type ListLedgerQuery = z.output<typeof ListLedgerQuerySchema>;

/** The summary names no person: no `personId` filter (its counts of one person would be unaudited). */
const { personId: _person, ...SummaryFilterShape } = LedgerFilterShape;
export type LedgerSummaryFilter = Omit<LedgerFilter, 'personId'>;

export const SummaryGroups = [
  'owner',
  'agency',
  'establishment',
  'localAuthority',
  'pathway',
  'clock',
  'policyVersion',
  'dueMonth',
] as const;
export const LedgerSummaryQuerySchema = z
  .object({ ...SummaryFilterShape, groupBy: z.enum(SummaryGroups).default('owner') })
  .strict()
  .refine(dueRange, dueRangeIssue);
export type LedgerSummaryQuery = z.output<typeof LedgerSummaryQuerySchema>;

export const LedgerClockSchema = z.object({
  personId: z.string(),
  episode: z.number().int(),
  journey: z.string().describe('The journey (Temporal workflow id) the clock belongs to'),
  key: z.string().describe("The clock's key in its journey"),
  clock: z.string(),
  status: LedgerStatus,
  ownerKind: OwnerKind,
  owedBy: z.string(),
  owedTo: z.string(),
  agencyId: z.string().nullable(),
  establishmentCode: z.string(),
  localAuthority: z.string(),
  jurisdiction: Jurisdiction,
  pathway: z.string().nullable(),
  policy: z.object({ id: z.string(), version: z.number().int() }),
  startedAt: IsoInstant,
  dueAt: IsoInstant,
  metAt: IsoInstant.nullable(),
  breachedAt: IsoInstant.nullable().describe('When the journey detected and recorded the breach'),
  latenessMinutes: z
    .number()
    .int()
    .nullable()
    .describe(
      'Minutes late: met − due when met late; while breached, now (or the case closure) − due; null otherwise',
    ),
  note: z.string().nullable(),
  reportedAt: IsoInstant.describe('When the journey last reported its clocks'),
  journeyClosedAt: IsoInstant.nullable().describe(
    "When the journey's case closed (its clocks change no more); null while open",
  ),
});
export type LedgerClock = z.infer<typeof LedgerClockSchema>;

export const LedgerPageSchema = z.object({
  items: z.array(LedgerClockSchema),
  nextCursor: z
    .string()
    .nullable()
    .describe('Pass back as `cursor` for the next page; null on the last page'),
});
export type LedgerPage = z.infer<typeof LedgerPageSchema>;

export const LedgerSummaryRowSchema = z.object({
  group: z.string().nullable().describe('The value grouped by (null: none, e.g. a clock of no pathway)'),
  total: z.number().int(),
  open: z.number().int(),
  met: z.number().int(),
  metLate: z.number().int(),
  breached: z.number().int(),
  cancelled: z.number().int(),
  breachRate: z
    .number()
    .nullable()
    .describe('(breached + met late) / (met + met late + breached): null when none has come due'),
});
export const LedgerSummarySchema = z.object({
  groupBy: z.enum(SummaryGroups),
  rows: z.array(LedgerSummaryRowSchema),
});
export type LedgerSummary = z.infer<typeof LedgerSummarySchema>;
