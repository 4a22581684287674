import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { EstablishmentCode } from '@throughcare/contracts';
import { keysetCursor } from '@throughcare/platform-http';
import { whereEstablishment, type EstablishmentScope } from './prison-scope';
import { TemporaryAbsence } from './temporary-absence.entity';
import type { AbsenceView } from './temporary-absence.schemas';
import { absenceView } from './temporary-absences.service';

// Issue 10 ("nobody silently lost"): a temporary absence past its due-back time with no return is
// work for the prison that let the person out, not a row nobody reads.

export const OverdueAbsenceCursor = keysetCursor(z.object({ dueBackAt: z.iso.datetime(), id: z.uuid() }));
export const ListOverdueAbsencesQuerySchema = z
  .object({
    establishmentCode: EstablishmentCode.optional().describe(
      "Only absences from this establishment (one of the caller's); omitted: every establishment of the caller's",
    ),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: OverdueAbsenceCursor.schema.optional().describe('nextCursor from the previous page'),
  })
  .strict();
export type ListOverdueAbsencesQuery = z.output<typeof ListOverdueAbsencesQuerySchema>;

export interface OverdueAbsenceView extends AbsenceView {
  /** Whole minutes since `dueBackAt`, at the time of the answer. */
  overdueMinutes: number;
}

export interface OverdueAbsencePage {
  items: OverdueAbsenceView[];
  nextCursor: string | null;
}

/**
 * Absences still open (departure standing, no return standing, not ended by a release or
 * transfer) whose `dueBackAt` has passed, from the caller's establishments, longest overdue
 * first. An absence with no `dueBackAt` is never overdue (none was given).
 */
@Injectable()
export class OverdueAbsencesService {
  constructor(private readonly dataSource: DataSource) {}

  async list(
    scope: EstablishmentScope,
    query: ListOverdueAbsencesQuery,
    now = new Date(),
  ): Promise<OverdueAbsencePage> {
    const q = this.dataSource
      .getRepository(TemporaryAbsence)
      .createQueryBuilder('a')
      .where('a.departure_reversed_at IS NULL')
      .andWhere('(a.returned_at IS NULL OR a.return_reversed_at IS NOT NULL)')
      .andWhere('a.ended_by_movement_at IS NULL')
      .andWhere('a.due_back_at < :now', { now })
      .orderBy('a.due_back_at', 'ASC')
      .addOrderBy('a.id', 'ASC')
      .limit(query.limit + 1);
    if (!whereEstablishment(q, 'a.establishment_code', scope, query.establishmentCode))
      return { items: [], nextCursor: null };
    if (query.cursor)
      q.andWhere('(a.due_back_at, a.id) > (:afterAt::timestamptz, :afterId::uuid)', {
        afterAt: query.cursor.dueBackAt,
        afterId: query.cursor.id,
      });
    const rows = await q.getMany();
    const { items, nextCursor } = OverdueAbsenceCursor.page(rows, query.limit, (last) => ({
      dueBackAt: last.dueBackAt!.toISOString(),
      id: last.id,
    }));
    return {
      items: items.map((a) => ({
        ...absenceView(a),
        overdueMinutes: Math.floor((now.getTime() - a.dueBackAt!.getTime()) / 60_000),
      })),
      nextCursor,
    };
  }
}
