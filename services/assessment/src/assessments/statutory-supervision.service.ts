import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { noteAuditObject } from '@throughcare/platform-audit';
import { ValidationFailedError } from '@throughcare/platform-errors';
import { EpisodeNotFoundError } from './assessment.errors';
import { episodeInScope } from './assessments.service';
import type { Caller, EstablishmentScope } from './establishment-scope';
import type {
  RecordSupervisionBody,
  SupervisionFact,
  SupervisionList,
} from './statutory-supervision.schemas';

interface SupervisionRow {
  id: string;
  person_id: string;
  episode: number;
  agency_id: string;
  kind: 'LICENCE';
  starts_at: Date;
  ends_at: Date;
  recorded_by: string;
  recorded_at: Date;
  in_force: boolean;
}

const COLUMNS = `f.id, f.person_id, f.episode, f.agency_id, f.kind, f.starts_at, f.ends_at, f.recorded_by, f.recorded_at,
  f.id = (SELECT l.id FROM "assessment"."statutory_supervision" l
           WHERE l.person_id = f.person_id AND l.episode = f.episode AND l.agency_id = f.agency_id
           ORDER BY l.recorded_at DESC, l.id DESC LIMIT 1) AS in_force`;

/**
 * The statutory supervision the calling agency holds of the episode now, if any: its latest fact
 * for the episode (a later one corrects or ends an earlier) whose period holds `now`, [startsAt,
 * endsAt). Read with `manager` (the agency read reads it unrestricted). The SQL function
 * `episode_supervising_agencies` (migration 1201) applies the same rule.
 */
export async function supervisionOf(
  manager: EntityManager,
  personId: string,
  episode: number,
  agencyId: string,
  now: Date = new Date(),
): Promise<{ endsAt: Date } | null> {
  const [latest] = await manager.query<Array<{ starts_at: Date; ends_at: Date }>>(
    `SELECT starts_at, ends_at FROM "assessment"."statutory_supervision"
      WHERE person_id = $1 AND episode = $2 AND agency_id = $3
      ORDER BY recorded_at DESC, id DESC LIMIT 1`,
    [personId, episode, agencyId],
  );
  if (!latest) return null;
  const [startsAt, endsAt] = [new Date(latest.starts_at), new Date(latest.ends_at)];
  return startsAt.getTime() <= now.getTime() && now.getTime() < endsAt.getTime() ? { endsAt } : null;
}

/**
 * Statutory supervision of a custody episode (review stop 41 follow-up, migration 1201): recorded
 * by prison staff of one of the episode's establishments from the licence issued at release; any
 * other episode is unknown to them (404). Facts are appended, never changed.
 */
@Injectable()
export class StatutorySupervisionService {
  constructor(private readonly dataSource: DataSource) {}

  async record(
    caller: Caller,
    personId: string,
    episode: number,
    body: RecordSupervisionBody,
    actor: string,
  ): Promise<SupervisionFact> {
    const [startsAt, endsAt] = [new Date(body.startsAt), new Date(body.endsAt)];
    if (endsAt.getTime() <= startsAt.getTime())
      throw new ValidationFailedError('endsAt must be after startsAt', [
        { field: 'body.endsAt', message: 'must be after startsAt' },
      ]);
    return this.dataSource.transaction(async (tx) => {
      if (!(await episodeInScope(tx, caller, personId, episode)))
        throw new EpisodeNotFoundError(personId, episode);
      const id = randomUUID();
      await tx.query(
        `INSERT INTO "assessment"."statutory_supervision"
           (id, person_id, episode, agency_id, kind, starts_at, ends_at, recorded_by, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, clock_timestamp())`,
        [id, personId, episode, body.agencyId, body.kind, startsAt, endsAt, actor],
      );
      noteAuditObject(`${personId}/${episode}/${id}?agency=${body.agencyId}`);
      const [row] = await tx.query<SupervisionRow[]>(
        `SELECT ${COLUMNS} FROM "assessment"."statutory_supervision" f WHERE f.id = $1`,
        [id],
      );
      return factOf(row!);
    });
  }

  async list(scope: EstablishmentScope, personId: string, episode: number): Promise<SupervisionList> {
    return this.dataSource.transaction(async (tx) => {
      if (!(await episodeInScope(tx, scope, personId, episode)))
        throw new EpisodeNotFoundError(personId, episode);
      const rows = await tx.query<SupervisionRow[]>(
        `SELECT ${COLUMNS} FROM "assessment"."statutory_supervision" f
          WHERE f.person_id = $1 AND f.episode = $2 ORDER BY f.recorded_at DESC, f.id DESC LIMIT 200`,
        [personId, episode],
      );
      return { items: rows.map(factOf) };
    });
  }
}

function factOf(row: SupervisionRow): SupervisionFact {
  return {
    id: row.id,
    personId: row.person_id,
    episode: row.episode,
    agencyId: row.agency_id,
    kind: row.kind,
    startsAt: new Date(row.starts_at).toISOString(),
    endsAt: new Date(row.ends_at).toISOString(),
    recordedBy: row.recorded_by,
    recordedAt: new Date(row.recorded_at).toISOString(),
    inForce: row.in_force,
  };
}
