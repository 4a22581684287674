import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ConvictionSeriousness } from '@throughcare/contracts';
import { RELEASE_TYPE_SQL } from './funnel.service';
import type { Reconviction, ReconvictionQuery } from './outcomes.schemas';

const GROUP_EXPRESSION: Record<ReconvictionQuery['groupBy'], string> = {
  none: 'NULL::text',
  establishment: 'r.establishment_code',
  localAuthority: 'r.local_authority',
  jurisdiction: 'r.jurisdiction',
  releaseType: 'r.release_type',
  releasedYear: `to_char(r.released_on, 'YYYY')`,
  pathway: 'g.value',
  agency: 'g.value',
};
/** Rows per release for the groups of a list (each need, each agency; null when none). */
const UNNEST: Partial<Record<ReconvictionQuery['groupBy'], string>> = {
  pathway: `CROSS JOIN LATERAL unnest(CASE WHEN cardinality(r.needs) = 0 THEN ARRAY[NULL::text] ELSE r.needs END) AS g(value)`,
  agency: `CROSS JOIN LATERAL unnest(CASE WHEN cardinality(r.agencies_received) = 0 THEN ARRAY[NULL::text] ELSE r.agencies_received END) AS g(value)`,
};
const RANK = `CASE c.seriousness WHEN 'MINOR' THEN 1 WHEN 'MODERATE' THEN 2 WHEN 'SERIOUS' THEN 3 ELSE 4 END`;

const today = () => new Date().toISOString().slice(0, 10);
/**
 * Convictions take months to come through: one counts when it was made within the window and
 * this many months after it (6, as the Ministry of Justice's proven re-offending and Scotland's
 * reconviction statistics allow), and a release enters the cohort once that time is over.
 */
export const WAITING_MONTHS = 6;
/** Groups of fewer releases than this show the count only: a narrow filter must not single a person out. */
export const SMALLEST_SHOWN = 5;
const round = (v: number | null, places: number) =>
  v === null ? null : Math.round(v * 10 ** places) / 10 ** places;

/**
 * Reconviction outcomes (issue 11; seed 001 §5.6), from the funnel's releases and the convictions
 * on the bus: of the releases whose follow-up window (and waiting period) has ended, how many were reconvicted of
 * an offence committed in that window (not before the release: a conviction after release for an
 * earlier offence is counted apart, as excluded), how quickly, how often, and how seriously.
 */
@Injectable()
export class OutcomesService {
  constructor(private readonly dataSource: DataSource) {}

  async reconviction(query: ReconvictionQuery): Promise<Reconviction> {
    const asOf = query.asOf ?? today();
    const params: unknown[] = [query.windowYears, asOf];
    const terms = [
      'NOT e.voided',
      'e.released_at IS NOT NULL',
      // The window and the waiting period after it have ended by asOf: a release too recent would
      // show too few reconvictions (an offence late in the window is convicted months later).
      `(e.released_at AT TIME ZONE 'UTC')::date + make_interval(years => $1, months => ${WAITING_MONTHS}) <= $2::date`,
    ];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      terms.push(sql.replace('?', `$${params.length}`));
    };
    if (query.establishment) add('e.establishment_code = ?', query.establishment);
    if (query.localAuthority) add('e.local_authority = ?', query.localAuthority);
    if (query.jurisdiction) add('e.jurisdiction = ?', query.jurisdiction);
    if (query.pathway) add('? = ANY(e.needs)', query.pathway);
    if (query.agencyId) add('? = ANY(e.agencies_received)', query.agencyId);
    // A day is a UTC day, compared as instants (the index on released_at serves it).
    if (query.releasedFrom)
      add(`e.released_at >= (?::date::timestamp AT TIME ZONE 'UTC')`, query.releasedFrom);
    if (query.releasedTo)
      add(`e.released_at < ((?::date + 1)::timestamp AT TIME ZONE 'UTC')`, query.releasedTo);
    let releases = `SELECT e.*, (e.released_at AT TIME ZONE 'UTC')::date AS released_on, ${RELEASE_TYPE_SQL} AS release_type
       FROM "throughcare"."funnel_episode" e WHERE ${terms.join(' AND ')}`;
    if (query.releaseType) {
      params.push(query.releaseType);
      releases = `SELECT * FROM (${releases}) t WHERE t.release_type = $${params.length}`;
    } else {
      // A liberation from court (often from remand) is not a release from a sentence: out of the
      // cohort unless asked for (releaseType=FROM_COURT).
      releases = `SELECT * FROM (${releases}) t WHERE t.release_type <> 'FROM_COURT'`;
    }
    const bands = ConvictionSeriousness.options;
    const rows: Record<string, string | number | null>[] = await this.dataSource.query(
      `WITH r AS (${releases}),
       -- Per release, its convictions: counted (offence in the window after it, convicted by the
       -- window's end and the waiting period), excluded (offence before it, convicted in that time
       -- after it). A conviction belongs to the person's latest release on or before its offence
       -- (two releases whose windows overlap do not both count it). An aggregate with no GROUP BY:
       -- one row per release.
       per AS (
         SELECT r.*, a.*
           FROM r
           CROSS JOIN LATERAL (
             SELECT count(*) FILTER (WHERE c.counted)::int AS n,
                    min(c.offence_date) FILTER (WHERE c.counted) AS first_offence,
                    coalesce(sum(c.rank) FILTER (WHERE c.counted), 0)::int AS rank_sum,
                    ${bands.map((b) => `count(*) FILTER (WHERE c.counted AND c.seriousness = '${b}')::int AS "s_${b}"`).join(', ')},
                    count(*) FILTER (WHERE c.excluded)::int AS excluded
               FROM (
                 SELECT c.seriousness, c.offence_date, ${RANK} AS rank,
                        c.offence_date >= r.released_on AND c.offence_date < r.released_on + make_interval(years => $1)
                          AND NOT EXISTS (
                            SELECT 1 FROM "throughcare"."funnel_episode" later
                             WHERE later.person_id = r.person_id AND NOT later.voided AND later.released_at IS NOT NULL
                               AND (later.released_at AT TIME ZONE 'UTC')::date > r.released_on
                               AND (later.released_at AT TIME ZONE 'UTC')::date <= c.offence_date) AS counted,
                        c.offence_date < r.released_on AND c.convicted_on >= r.released_on AS excluded
                   FROM "throughcare"."outcome_conviction" c
                  WHERE c.person_id = r.person_id AND c.convicted_on <= $2::date
                    AND c.convicted_on < r.released_on + make_interval(years => $1, months => ${WAITING_MONTHS})
               ) c
           ) a
       )
       SELECT ${GROUP_EXPRESSION[query.groupBy]} AS grp,
              count(*)::int AS released,
              count(*) FILTER (WHERE r.n > 0)::int AS reconvicted,
              coalesce(sum(r.n), 0)::int AS convictions,
              coalesce(sum(r.rank_sum), 0)::int AS rank_sum,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY r.first_offence - r.released_on) FILTER (WHERE r.n > 0) AS median_days,
              ${bands.map((b) => `coalesce(sum(r."s_${b}"), 0)::int AS "s_${b}"`).join(', ')},
              coalesce(sum(r.excluded), 0)::int AS excluded
         FROM per r ${UNNEST[query.groupBy] ?? ''}
        GROUP BY 1 ORDER BY 1 ASC NULLS LAST`,
      params,
    );
    if (query.groupBy === 'none' && rows.length === 0) rows.push({ grp: null, released: 0 });
    return {
      windowYears: query.windowYears,
      asOf,
      groupBy: query.groupBy,
      groups: rows.map((r) => {
        const released = Number(r['released'] ?? 0);
        const group = (r['grp'] as string | null) ?? null;
        // Criminal offence data about very few people: the count of releases only.
        if (released < SMALLEST_SHOWN)
          return {
            group,
            released,
            suppressed: true,
            reconvicted: null,
            rate: null,
            convictions: null,
            convictionsPer100: null,
            medianDaysToFirstOffence: null,
            meanSeriousness: null,
            bySeriousness: null,
            excludedOffencesBeforeRelease: null,
          };
        const reconvicted = Number(r['reconvicted'] ?? 0);
        const convictions = Number(r['convictions'] ?? 0);
        return {
          group,
          released,
          suppressed: false,
          reconvicted,
          rate: round(reconvicted / released, 3),
          convictions,
          convictionsPer100: round((convictions / released) * 100, 1),
          medianDaysToFirstOffence:
            r['median_days'] === null || r['median_days'] === undefined ? null : Number(r['median_days']),
          meanSeriousness: convictions === 0 ? null : round(Number(r['rank_sum']) / convictions, 2),
          bySeriousness: Object.fromEntries(bands.map((b) => [b, Number(r[`s_${b}`] ?? 0)])) as Record<
            ConvictionSeriousness,
            number
          >,
          excludedOffencesBeforeRelease: Number(r['excluded'] ?? 0),
        };
      }),
    };
  }
}
