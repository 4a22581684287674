import { Injectable } from '@nestjs/common';
import { DataSource, type SelectQueryBuilder } from 'typeorm';
import { z } from 'zod';
import { EstablishmentCode, IsoInstant } from '@throughcare/contracts';
import { keysetCursor } from '@throughcare/platform-http';
import { COURT_DAY_TIME_ZONE, ROTL_DEFAULT_DUE_BACK_HOURS } from './absence-due';
import { whereEstablishment, type EstablishmentScope } from './prison-scope';
import { TemporaryAbsence } from './temporary-absence.entity';
import type { AbsenceView } from './temporary-absence.schemas';
import { absenceView } from './temporary-absences.service';

// Issue 10 ("nobody silently lost"): a temporary absence past its due-back time with no return is
// work for the prison that let the person out, not a row nobody reads.

export { COURT_DAY_TIME_ZONE, ROTL_DEFAULT_DUE_BACK_HOURS } from './absence-due';

/**
 * The rule for absences with no `dueBackAt` (HMPPS departures never have one), as the OpenAPI
 * description and README say it.
 */
export const DEFAULT_DUE_BACK_RULE = `with no dueBackAt (every absence from HMPPS events), COURT is overdue from the end of the UK local day (${COURT_DAY_TIME_ZONE}) it left on, ROTL ${ROTL_DEFAULT_DUE_BACK_HOURS} h after it left; those are dueBackKnown false`;

/**
 * Open: departure standing, no return standing, not ended by a release or transfer. Written as
 * the partial index `temporary_absence_open_by_due_back` (migration 1900) is, so the planner
 * proves the index covers the query.
 */
const OPEN =
  'a.departure_reversed_at IS NULL AND (a.returned_at IS NULL OR a.return_reversed_at IS NOT NULL) AND a.ended_by_movement_at IS NULL';
/** When the absence is overdue from: its dueBackAt, else the default of its kind (next local midnight for COURT); `absenceDueBy` in TS. */
const DUE_BY = `COALESCE(a.due_back_at, CASE a.kind
  WHEN 'COURT' THEN (date_trunc('day', a.left_at AT TIME ZONE :zone) + interval '1 day') AT TIME ZONE :zone
  ELSE a.left_at + make_interval(hours => :rotlHours) END)`;

export const OverdueAbsenceCursor = keysetCursor(z.object({ dueBy: IsoInstant, id: z.uuid() }));
export const ListOverdueAbsencesQuerySchema = z
  .object({
    establishmentCode: EstablishmentCode.optional().describe(
      "Only absences from this establishment (one of the caller's); omitted: every establishment of the caller's",
    ),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: OverdueAbsenceCursor.schema
      .optional()
      .describe(
        'nextCursor from the previous page. Changed (review stop 37, M4): the cursor now encodes the position by overdueSince ({dueBy, id}); a cursor issued before that change (keyed on dueBackAt) is refused 400: start again without one',
      ),
  })
  .strict();
export type ListOverdueAbsencesQuery = z.output<typeof ListOverdueAbsencesQuerySchema>;

export interface OverdueAbsenceView extends AbsenceView {
  /** When the absence became overdue: its dueBackAt, or (none given) the default of its kind. */
  overdueSince: string;
  /** True: overdueSince is the dueBackAt given; false: none was given, overdueSince is the default. */
  dueBackKnown: boolean;
  /** Whole minutes since `overdueSince`, at the time of the answer. */
  overdueMinutes: number;
}

export interface OverdueAbsencePage {
  items: OverdueAbsenceView[];
  nextCursor: string | null;
}

/**
 * Absences still open (departure standing, no return standing, not ended by a release or
 * transfer) past their `dueBackAt`, or, with none given, past the default of their kind
 * ({@link DEFAULT_DUE_BACK_RULE}), from the caller's establishments, longest overdue first.
 */
@Injectable()
export class OverdueAbsencesService {
  constructor(private readonly dataSource: DataSource) {}

  async list(
    scope: EstablishmentScope,
    query: ListOverdueAbsencesQuery,
    now = new Date(),
  ): Promise<OverdueAbsencePage> {
    const q = overdueAbsencesQuery(this.dataSource, scope, query, now);
    if (!q) return { items: [], nextCursor: null };
    const { entities, raw } = await q.getRawAndEntities<{ a_id: string; due_by: Date }>();
    const dueBy = new Map(raw.map((r) => [r.a_id, new Date(r.due_by)]));
    const rows = entities.map((a) => ({ a, dueBy: dueBy.get(a.id)! }));
    const { items, nextCursor } = OverdueAbsenceCursor.page(rows, query.limit, (last) => ({
      dueBy: last.dueBy.toISOString(),
      id: last.a.id,
    }));
    return {
      items: items.map(({ a, dueBy: since }) => ({
        ...absenceView(a),
        overdueSince: since.toISOString(),
        dueBackKnown: a.dueBackAt !== null,
        overdueMinutes: Math.floor((now.getTime() - since.getTime()) / 60_000),
      })),
      nextCursor,
    };
  }
}

/**
 * The query of a page of overdue absences (null: nothing in scope can match). Exported so that a
 * spec can check its plan uses the partial index of migration 1900.
 */
export function overdueAbsencesQuery(
  dataSource: DataSource,
  scope: EstablishmentScope,
  query: Pick<ListOverdueAbsencesQuery, 'establishmentCode' | 'limit' | 'cursor'>,
  now: Date,
): SelectQueryBuilder<TemporaryAbsence> | null {
  const q = dataSource
    .getRepository(TemporaryAbsence)
    .createQueryBuilder('a')
    .addSelect(DUE_BY, 'due_by')
    .where(OPEN)
    .andWhere(`(a.due_back_at < :now OR (a.due_back_at IS NULL AND ${DUE_BY} < :now))`, {
      now,
      zone: COURT_DAY_TIME_ZONE,
      rotlHours: ROTL_DEFAULT_DUE_BACK_HOURS,
    })
    .orderBy('due_by', 'ASC')
    .addOrderBy('a.id', 'ASC')
    .limit(query.limit + 1);
  if (!whereEstablishment(q, 'a.establishment_code', scope, query.establishmentCode)) return null;
  if (query.cursor)
    q.andWhere(`(${DUE_BY}, a.id) > (:afterAt::timestamptz, :afterId::uuid)`, {
      afterAt: query.cursor.dueBy,
      afterId: query.cursor.id,
    });
  return q;
}
