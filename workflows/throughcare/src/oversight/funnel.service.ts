import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ClosureReason } from '@throughcare/contracts';
import {
  FunnelCursor,
  FunnelSteps,
  TIME_TO_STEP_BUCKETS,
  TimeToStepIntervals,
  type TimeToStep,
  type Funnel,
  type FunnelCase,
  type FunnelCasesPage,
  type FunnelCasesQuery,
  type FunnelFilter,
  type FunnelQuery,
  type FunnelStep,
  type ReleaseType,
} from './funnel.schemas';

/**
 * Each step's own condition on an episode row `f` (the steps before it are ANDed in). Engagement
 * is an attended appointment (on time or late) in a window after release: the first four weeks for
 * ENGAGED_4_WEEKS, weeks 9 to 12 for ENGAGED_12_WEEKS (still engaged three months on).
 */
const attendedBetween = (fromDays: number | null, toDays: number | null) =>
  `EXISTS (SELECT 1 FROM "throughcare"."funnel_attendance" a
            WHERE a.person_id = f.person_id AND a.episode = f.episode AND a.attended${
              fromDays === null
                ? ''
                : ` AND f.released_at IS NOT NULL
              AND a.attended_at > f.released_at + interval '${fromDays} days'
              AND a.attended_at <= f.released_at + interval '${toDays} days'`
            })`;
const STEP_CONDITION: Record<FunnelStep, string> = {
  RECEIVED: 'true',
  CORE_SCREEN: 'f.core_screen_at IS NOT NULL',
  COMPREHENSIVE_SCREEN: 'f.comprehensive_at IS NOT NULL',
  REFERRED: 'f.referred_at IS NOT NULL',
  ACCEPTED: 'f.accepted_at IS NOT NULL',
  FIRST_APPOINTMENT_ATTENDED: attendedBetween(null, null),
  ENGAGED_4_WEEKS: attendedBetween(0, 28),
  ENGAGED_12_WEEKS: attendedBetween(56, 84),
  CLOSED: 'f.closed_at IS NOT NULL',
};
/**
 * Closures that are not drop-out: the person died, was deported or moved out of the jurisdiction,
 * went back into custody (a new episode follows), or the episode was void. Counted apart.
 */
export const NOT_DROP_OUT: readonly ClosureReason[] = [
  'DECEASED',
  'DEPORTED',
  'TRANSFERRED_OUT_OF_JURISDICTION',
  'RECALLED',
  'NEW_SENTENCE',
  'RECEIVED_IN_ERROR',
];
/** Steps that cannot be reached once their window after release has passed (days). */
const WINDOW_DAYS: Partial<Record<FunnelStep, number>> = { ENGAGED_4_WEEKS: 28, ENGAGED_12_WEEKS: 84 };
/**
 * Per episode `f`: `r<i>` it reached step i (and every step before it); `o<i>` the step is still
 * possible (case open, and its window after release, if it has one, not passed); `x<i>` the case
 * closed for a reason that is not drop-out.
 */
const STEP_COLUMNS = FunnelSteps.map((step, i) => {
  const conditions = FunnelSteps.slice(0, i + 1).map((s) => `(${STEP_CONDITION[s]})`);
  const days = WINDOW_DAYS[step];
  const windowEnd = `f.released_at + interval '${days} days'`;
  const possible = days ? ` AND (f.released_at IS NULL OR ${windowEnd} > now())` : '';
  // Closed otherwise: for an engagement step, only before its window ended (a person who had
  // already missed it, then died or was recalled, had dropped out). A closure of no known reason
  // is drop-out (coalesce: NULL would count it nowhere).
  const beforeWindowEnd = days ? ` AND (f.released_at IS NULL OR f.closed_at < ${windowEnd})` : '';
  return [
    `${conditions.join(' AND ')} AS r${i}`,
    `(f.closed_at IS NULL${possible}) AS o${i}`,
    `coalesce(f.closed_at IS NOT NULL AND f.close_reason IN (${NOT_DROP_OUT.map((r) => `'${r}'`).join(', ')})${beforeWindowEnd}, false) AS x${i}`,
  ].join(', ');
}).join(',\n       ');
/** Reached the step before `i` and not `i`, in `state`. */
const stoppedAt = (i: number, state: 'stillOpen' | 'dropped' | 'closedOtherwise') =>
  `r${i - 1} AND NOT r${i} AND ${state === 'stillOpen' ? `o${i}` : state === 'closedOtherwise' ? `x${i}` : `NOT o${i} AND NOT x${i}`}`;

/** How custody ended, from an episode row `e` (funnel.schemas.ts ReleaseType). */
export const RELEASE_TYPE_SQL = `CASE
    WHEN e.released_at IS NULL THEN 'NOT_RELEASED'
    WHEN e.release_reason = 'FROM_COURT' THEN 'FROM_COURT'
    WHEN e.release_reason = 'RELEASED_TO_HOSPITAL' THEN 'TO_HOSPITAL'
    WHEN e.release_date_reason = 'HDC_APPROVED' THEN 'HDC'
    WHEN e.release_date_reason = 'EARLY_RELEASE' THEN 'EARLY_RELEASE'
    WHEN e.release_date_reason = 'PAROLE' THEN 'PAROLE'
    ELSE 'STANDARD' END`;

const month = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM')`;
const GROUP_EXPRESSION: Record<FunnelQuery['groupBy'], string> = {
  none: 'NULL::text',
  establishment: 'f.establishment_code',
  localAuthority: 'f.local_authority',
  jurisdiction: 'f.jurisdiction',
  pathway: 'p.pathway',
  releaseType: 'f.release_type',
  receivedMonth: month('f.received_at'),
  releasedMonth: month('f.released_at'),
};

/** The episodes a filter selects, with their release type, as `f` (not voided, received). */
function selected(filter: FunnelFilter, params: unknown[]): string {
  const terms = ['NOT e.voided', 'e.received_at IS NOT NULL'];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    terms.push(sql.replace('?', `$${params.length}`));
  };
  if (filter.establishment) add('e.establishment_code = ?', filter.establishment);
  if (filter.localAuthority) add('e.local_authority = ?', filter.localAuthority);
  if (filter.jurisdiction) add('e.jurisdiction = ?', filter.jurisdiction);
  if (filter.pathway) add('? = ANY(e.needs)', filter.pathway);
  // A day is a UTC day: date → timestamp (no zone) → the instant it is in UTC.
  if (filter.receivedFrom)
    add(`e.received_at >= (?::date::timestamp AT TIME ZONE 'UTC')`, filter.receivedFrom);
  if (filter.receivedTo)
    add(`e.received_at < ((?::date + 1)::timestamp AT TIME ZONE 'UTC')`, filter.receivedTo);
  if (filter.releasedFrom)
    add(`e.released_at >= (?::date::timestamp AT TIME ZONE 'UTC')`, filter.releasedFrom);
  if (filter.releasedTo)
    add(`e.released_at < ((?::date + 1)::timestamp AT TIME ZONE 'UTC')`, filter.releasedTo);
  const typed = `(SELECT e.*, ${RELEASE_TYPE_SQL} AS release_type
       FROM "throughcare"."funnel_episode" e WHERE ${terms.join(' AND ')})`;
  if (!filter.releaseType) return typed;
  params.push(filter.releaseType);
  return `(SELECT * FROM ${typed} t WHERE t.release_type = $${params.length})`;
}

interface CaseRow {
  person_id: string;
  episode: number;
  establishment_code: string | null;
  local_authority: string | null;
  jurisdiction: string | null;
  release_type: ReleaseType;
  needs: string[];
  received_at: Date;
  core_screen_at: Date | null;
  comprehensive_at: Date | null;
  referred_at: Date | null;
  accepted_at: Date | null;
  released_at: Date | null;
  closed_at: Date | null;
  last_step: number;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

/** Each interval's end instants, from an episode row `f` (null when not reached). */
const INSTANT: Record<(typeof TimeToStepIntervals)[number]['from' | 'to'], string> = {
  RECEIVED: 'f.received_at',
  CORE_SCREEN: 'f.core_screen_at',
  COMPREHENSIVE_SCREEN: 'f.comprehensive_at',
  REFERRED: 'f.referred_at',
  ACCEPTED: 'f.accepted_at',
  RELEASED: 'f.released_at',
  FIRST_APPOINTMENT_AFTER_RELEASE: `(SELECT min(a.attended_at) FROM "throughcare"."funnel_attendance" a
      WHERE a.person_id = f.person_id AND a.episode = f.episode AND a.attended AND a.attended_at > f.released_at)`,
};

/** The attrition funnel: how many custody episodes reached each step, where they dropped out. */
@Injectable()
export class FunnelService {
  constructor(private readonly dataSource: DataSource) {}

  async funnel(query: FunnelQuery): Promise<Funnel> {
    const params: unknown[] = [];
    const from = selected(query, params);
    const pathways =
      query.groupBy === 'pathway'
        ? `CROSS JOIN LATERAL unnest(CASE WHEN cardinality(f.needs) = 0 THEN ARRAY[NULL::text] ELSE f.needs END) AS p(pathway)`
        : '';
    const counts = FunnelSteps.map((_, i) =>
      i === 0
        ? `count(*)::int AS reached0`
        : `count(*) FILTER (WHERE r${i})::int AS reached${i},
           count(*) FILTER (WHERE ${stoppedAt(i, 'stillOpen')})::int AS open${i},
           count(*) FILTER (WHERE ${stoppedAt(i, 'dropped')})::int AS dropped${i},
           count(*) FILTER (WHERE ${stoppedAt(i, 'closedOtherwise')})::int AS other${i}`,
    ).join(',\n           ');
    const rows: Record<string, number | string | null>[] = await this.dataSource.query(
      `WITH s AS (
         SELECT ${GROUP_EXPRESSION[query.groupBy]} AS grp,
                ${STEP_COLUMNS}
           FROM ${from} f ${pathways}
       )
       SELECT grp, ${counts}
         FROM s GROUP BY grp ORDER BY grp ASC NULLS LAST`,
      params,
    );
    if (query.groupBy === 'none' && rows.length === 0) rows.push({ grp: null, reached0: 0 });
    return {
      completeSince: await this.completeSince(),
      groupBy: query.groupBy,
      steps: [...FunnelSteps],
      groups: rows.map((r) => ({
        group: (r['grp'] as string | null) ?? null,
        steps: FunnelSteps.map((step, i) => {
          const reached = Number(r[`reached${i}`] ?? 0);
          const previous = i === 0 ? null : Number(r[`reached${i - 1}`] ?? 0);
          return {
            step,
            reached,
            conversion:
              previous === null || previous === 0 ? null : Math.round((reached / previous) * 1000) / 1000,
            stillOpen: i === 0 ? 0 : Number(r[`open${i}`] ?? 0),
            dropped: i === 0 ? 0 : Number(r[`dropped${i}`] ?? 0),
            closedOtherwise: i === 0 ? 0 : Number(r[`other${i}`] ?? 0),
          };
        }),
      })),
    };
  }

  /** Since when the funnel holds every episode (null: always; FunnelConsumer records it at a (re)build). */
  async completeSince(): Promise<string | null> {
    const [row] = (await this.dataSource.query(
      `SELECT complete_since FROM "throughcare"."read_model_origin" WHERE read_model = 'oversight-funnel'`,
    )) as { complete_since: Date | null }[];
    return row?.complete_since?.toISOString() ?? null;
  }

  /** How long journeys took from one step to another: count, median, 90th percentile and a histogram, in days. */
  async timeToStep(filter: FunnelFilter): Promise<TimeToStep> {
    const params: unknown[] = [];
    const from = selected(filter, params);
    const spans = TimeToStepIntervals.map(
      ({ from: a, to: b }, i) => `EXTRACT(EPOCH FROM (${INSTANT[b]} - ${INSTANT[a]})) / 86400.0 AS d${i}`,
    ).join(', ');
    const figures = TimeToStepIntervals.map((_, i) => {
      const within = `d${i} IS NOT NULL AND d${i} >= 0`;
      const buckets = TIME_TO_STEP_BUCKETS.map(
        (up, k) =>
          `count(*) FILTER (WHERE ${within} AND d${i} <= ${up}${k === 0 ? '' : ` AND d${i} > ${TIME_TO_STEP_BUCKETS[k - 1]}`})::int AS b${i}_${k}`,
      );
      return [
        `count(*) FILTER (WHERE ${within})::int AS n${i}`,
        `percentile_cont(0.5) WITHIN GROUP (ORDER BY d${i}) FILTER (WHERE ${within}) AS p50_${i}`,
        `percentile_cont(0.9) WITHIN GROUP (ORDER BY d${i}) FILTER (WHERE ${within}) AS p90_${i}`,
        ...buckets,
        `count(*) FILTER (WHERE ${within} AND d${i} > ${TIME_TO_STEP_BUCKETS.at(-1)})::int AS b${i}_${TIME_TO_STEP_BUCKETS.length}`,
      ].join(', ');
    }).join(',\n ');
    const [row] = (await this.dataSource.query(
      `WITH s AS (SELECT ${spans} FROM ${from} f) SELECT ${figures} FROM s`,
      params,
    )) as Record<string, number | null>[];
    const days = (v: number | null | undefined) =>
      v === null || v === undefined ? null : Math.round(v * 10) / 10;
    return {
      intervals: TimeToStepIntervals.map(({ from: a, to: b }, i) => ({
        from: a,
        to: b,
        count: Number(row?.[`n${i}`] ?? 0),
        p50Days: days(row?.[`p50_${i}`]),
        p90Days: days(row?.[`p90_${i}`]),
        buckets: [...TIME_TO_STEP_BUCKETS, null].map((upToDays, k) => ({
          upToDays,
          count: Number(row?.[`b${i}_${k}`] ?? 0),
        })),
      })),
    };
  }

  /** The episodes behind a figure: reached a step, or stopped before it (still open, or dropped). */
  async cases(query: FunnelCasesQuery): Promise<FunnelCasesPage> {
    const params: unknown[] = [];
    const from = selected(query, params);
    const i = FunnelSteps.indexOf(query.step);
    const state = query.state === 'reached' ? `r${i}` : i === 0 ? 'false' : stoppedAt(i, query.state);
    let where = `WHERE ${state}`;
    if (query.cursor) {
      params.push(query.cursor.personId, query.cursor.episode);
      where += ` AND (person_id, episode) > ($${params.length - 1}, $${params.length})`;
    }
    params.push(query.limit + 1);
    const lastStep = FunnelSteps.map((_, k) => `CASE WHEN r${k} THEN 1 ELSE 0 END`).join(' + ');
    const rows: CaseRow[] = await this.dataSource.query(
      `WITH s AS (SELECT f.*, ${STEP_COLUMNS} FROM ${from} f)
       SELECT *, (${lastStep}) - 1 AS last_step FROM s ${where}
        ORDER BY person_id, episode LIMIT $${params.length}`,
      params,
    );
    const { items, nextCursor } = FunnelCursor.page(rows, query.limit, (last) => ({
      personId: last.person_id,
      episode: last.episode,
    }));
    return {
      items: items.map(
        (r): FunnelCase => ({
          personId: r.person_id,
          episode: r.episode,
          lastStep: FunnelSteps[r.last_step]!,
          establishmentCode: r.establishment_code,
          localAuthority: r.local_authority,
          jurisdiction: r.jurisdiction,
          releaseType: r.release_type,
          needs: r.needs,
          receivedAt: r.received_at.toISOString(),
          coreScreenAt: iso(r.core_screen_at),
          comprehensiveScreenAt: iso(r.comprehensive_at),
          referredAt: iso(r.referred_at),
          acceptedAt: iso(r.accepted_at),
          releasedAt: iso(r.released_at),
          closedAt: iso(r.closed_at),
        }),
      ),
      nextCursor,
    };
  }
}
