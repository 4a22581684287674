import { randomUUID } from 'node:crypto';
import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { ConsentPresumptionLapsingV1 } from '@throughcare/contracts';
import { DataSource } from 'typeorm';
import { AuditTrail, AUDIT_TABLE } from '@throughcare/platform-audit';
import { acrossScopes, enqueueEvent, runUnrestricted } from '@throughcare/platform-persistence';
import {
  PresumedCaseCursor,
  type ListPresumedCasesQuery,
  type PresumedCase,
  type PresumedCasesPage,
} from './consent-given.schemas';
import type { EstablishmentScope } from './establishment-scope';

interface PresumedCaseRow {
  person_id: string;
  episode: number;
  establishment_code: string;
  agencies: Array<{ agencyId: string; referralActive: boolean }>;
  marked_at: Date;
  presumed_until: Date;
}

/** How long before a presumption lapses its notice is published (review stop 41, M6). */
export const PRESUMPTION_NOTICE_DAYS = 14;
/** How often the service looks for presumptions lapsing within PRESUMPTION_NOTICE_DAYS. */
const NOTICE_SWEEP_MS = 60 * 60_000;
/** The first look after start-up (not during it: a start is not held up by the sweep). */
const FIRST_SWEEP_MS = 60_000;

/** The audit action of the cut-over's marking (migration 1100), written once (review stop 41, M6). */
export const CUTOVER_AUDIT_ACTION = 'consent.presume';

/**
 * The cut-over's presumed cases (review stop 41, M6): the episodes whose consent stands only on
 * migration 1100's presumption (state PRESUMED_BEFORE_CUTOVER: no consent recorded, no withdrawal,
 * a mark not yet lapsed), for staff to seek real consent before `presumed_until`; and the audit
 * record of the marking itself.
 */
@Injectable()
export class ConsentPresumptionsService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('ConsentPresumptions');
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditTrail,
  ) {}

  /**
   * A page of presumed cases held at the caller's establishments, soonest to lapse first. Where a
   * case is held is its episode's latest assessment's establishment, read across establishments (a
   * person transferred away is the receiving prison's case, not the first's); the consent state is
   * `episode_consent_state`, the rule the agency read and row-level security use. Instants are
   * compared to the millisecond, as the cursor carries them.
   */
  list(scope: EstablishmentScope, query: ListPresumedCasesQuery): Promise<PresumedCasesPage> {
    const establishments = query.establishment
      ? scope.establishments.filter((e) => e === query.establishment)
      : [...scope.establishments];
    return this.dataSource.transaction(async (tx) => {
      if (establishments.length === 0) return { items: [], nextCursor: null };
      const rows = await acrossScopes(tx, () =>
        tx.query<PresumedCaseRow[]>(
          `SELECT c.* FROM (
             SELECT p.person_id, p.episode, min(p.marked_at) AS marked_at, min(date_trunc('milliseconds', p.presumed_until)) AS presumed_until,
                    (SELECT a.establishment_code FROM "assessment"."assessment" a
                      WHERE a.person_id = p.person_id AND a.episode = p.episode
                      ORDER BY a.requested_at DESC, a.id DESC LIMIT 1) AS establishment_code,
                    json_agg(json_build_object(
                      'agencyId', p.agency_id,
                      'referralActive', p.agency_id = ANY("assessment"."episode_referral_agencies"(p.person_id, p.episode)))
                      ORDER BY p.agency_id) AS agencies
               FROM "assessment"."consent_presumption" p
              WHERE p.presumed_until > now()
                AND "assessment"."episode_consent_state"(p.person_id, p.episode) = 'PRESUMED_BEFORE_CUTOVER'
              GROUP BY p.person_id, p.episode
           ) c
           WHERE c.establishment_code = ANY($1::text[])
             AND ($2::timestamptz IS NULL OR c.presumed_until < $2::timestamptz)
             AND ($3::timestamptz IS NULL
                  OR (c.presumed_until, c.person_id COLLATE "C", c.episode) > ($3::timestamptz, $4::text COLLATE "C", $5::int))
           ORDER BY c.presumed_until, c.person_id COLLATE "C", c.episode
           LIMIT $6`,
          [
            establishments,
            query.presumedUntilBefore ?? null,
            query.cursor?.presumedUntil ?? null,
            query.cursor?.personId ?? null,
            query.cursor?.episode ?? null,
            query.limit + 1,
          ],
        ),
      );
      const page = PresumedCaseCursor.page(rows, query.limit, (last) => ({
        presumedUntil: new Date(last.presumed_until).toISOString(),
        personId: last.person_id,
        episode: last.episode,
      }));
      return { items: page.items.map(presumedCase), nextCursor: page.nextCursor };
    });
  }

  /** At start-up: the marking's audit record, once (see `recordMarking`); then the hourly sweep (the record if still missing, the notices). */
  async onApplicationBootstrap(): Promise<void> {
    // A start is not refused for it: an audit store away is retried by the hourly sweep.
    await this.recordMarking().catch((e: unknown) =>
      this.logger.error(
        `audit record of the consent cut-over not written (retried hourly): ${(e as Error).message}`,
      ),
    );
    const sweep = () => {
      this.recordMarking()
        .then(() => this.noticeLapsing())
        .catch((e: unknown) =>
          this.logger.error(`presumption sweep failed (retried next hour): ${(e as Error).message}`),
        );
      this.timer = setTimeout(sweep, NOTICE_SWEEP_MS).unref();
    };
    this.timer = setTimeout(sweep, FIRST_SWEEP_MS).unref();
  }

  beforeApplicationShutdown(): void {
    clearTimeout(this.timer);
  }

  /**
   * The signal before a presumption lapses (review stop 41, M6): for each episode whose consent
   * stands only on the cut-over's presumption and whose presumption lapses within
   * PRESUMPTION_NOTICE_DAYS, publishes `assessment.consent.presumption-lapsing` once (per episode
   * and `presumed_until`), recorded in `consent_presumption_notice` in the same transaction as the
   * event's outbox row: a replica or a restart finds the row and publishes nothing. An episode with
   * consent or a withdrawal recorded, or already lapsed, gets none. Answers how many it published.
   */
  async noticeLapsing(): Promise<number> {
    return runUnrestricted(() =>
      this.dataSource.transaction(async (tx) => {
        // One replica's sweep at a time (two in one order could deadlock on the notices' keys:
        // review stop 43, N4); the other finds the notices written and publishes none again.
        await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
          'assessment:consent-presumption-notices',
        ]);
        const due = await tx.query<
          Array<{
            person_id: string;
            episode: number;
            presumed_until: Date;
            agency_ids: string[];
            correlation_id: string | null;
          }>
        >(
          `SELECT p.person_id, p.episode, min(date_trunc('milliseconds', p.presumed_until)) AS presumed_until,
                  array_agg(p.agency_id ORDER BY p.agency_id) AS agency_ids,
                  (SELECT a.correlation_id FROM "assessment"."assessment" a
                    WHERE a.person_id = p.person_id AND a.episode = p.episode
                    ORDER BY a.requested_at, a.id LIMIT 1) AS correlation_id
             FROM "assessment"."consent_presumption" p
            WHERE p.presumed_until > now() AND p.presumed_until <= now() + make_interval(days => $1)
              AND "assessment"."episode_consent_state"(p.person_id, p.episode) = 'PRESUMED_BEFORE_CUTOVER'
              AND NOT EXISTS (SELECT 1 FROM "assessment"."consent_presumption_notice" n
                               WHERE n.person_id = p.person_id AND n.episode = p.episode)
            GROUP BY p.person_id, p.episode
            ORDER BY p.person_id, p.episode`,
          [PRESUMPTION_NOTICE_DAYS],
        );
        let published = 0;
        for (const row of due) {
          const event = presumptionLapsing(row);
          const inserted = await tx.query<unknown[]>(
            `INSERT INTO "assessment"."consent_presumption_notice" (person_id, episode, presumed_until, event_id, notified_at)
             VALUES ($1, $2, $3, $4, clock_timestamp())
             ON CONFLICT DO NOTHING RETURNING 1`,
            [row.person_id, row.episode, row.presumed_until, event.eventId],
          );
          if (inserted.length === 0) continue;
          await enqueueEvent(tx, event);
          published += 1;
        }
        if (published > 0) this.logger.log(`${published} presumption-lapsing notice(s) published`);
        return published;
      }),
    );
  }

  /**
   * Writes the audit record of the cut-over's marking (migration 1100) once, in the service's
   * chain: action `consent.presume`, the people marked as `disclosed_persons` (so each person's
   * trail shows that agencies read on a presumption), and as object the marking's instant, its end
   * and its count. A migration cannot seal a record (the seal keys are the running service's), so
   * the service writes it at its first start after the migration, under a lock and only when no
   * such record exists: every replica may try, one writes. Answers whether it wrote one.
   */
  async recordMarking(): Promise<boolean> {
    return runUnrestricted(() =>
      this.dataSource.transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
          'assessment:consent-cutover-audit',
        ]);
        const [cutover] = await tx.query<Array<{ marked_at: Date; presumed_until: Date; marked: number }>>(
          `SELECT marked_at, presumed_until, marked FROM "assessment"."consent_cutover"`,
        );
        if (!cutover) return false;
        const written = await tx.query<unknown[]>(
          `SELECT 1 FROM ${AUDIT_TABLE} WHERE "chain" = $1 AND "action" = $2 LIMIT 1`,
          [this.audit.chain, CUTOVER_AUDIT_ACTION],
        );
        if (written.length > 0) return false;
        const people = await tx.query<Array<{ person_id: string }>>(
          `SELECT DISTINCT person_id FROM "assessment"."consent_presumption" ORDER BY person_id`,
        );
        await this.audit.writer.append(
          {
            actor: 'service:assessment',
            clientId: null,
            roles: ['service'],
            purpose: 'case-work',
            subjectPerson: null,
            disclosedPersons: people.map((p) => p.person_id),
            action: CUTOVER_AUDIT_ACTION,
            objectType: 'consent-cutover',
            objectId: cutoverObject(cutover),
            outcome: 'allowed',
            reason: null,
            httpMethod: null,
            route: 'migration:ConsentGiven1700000001100',
            requestId: null,
          },
          tx,
        );
        this.logger.log(`audit record of the consent cut-over written: ${cutoverObject(cutover)}`);
        return true;
      }),
    );
  }
}

/** `markedAt=<instant>&presumedUntil=<instant>&marked=<count of (person, episode, agency) marks>`. */
export function cutoverObject(cutover: { marked_at: Date; presumed_until: Date; marked: number }): string {
  return `markedAt=${new Date(cutover.marked_at).toISOString()}&presumedUntil=${new Date(
    cutover.presumed_until,
  ).toISOString()}&marked=${cutover.marked}`;
}

function presumedCase(row: PresumedCaseRow): PresumedCase {
  return {
    personId: row.person_id,
    episode: row.episode,
    establishmentCode: row.establishment_code,
    agencies: row.agencies,
    markedAt: new Date(row.marked_at).toISOString(),
    presumedUntil: new Date(row.presumed_until).toISOString(),
  };
}

function presumptionLapsing(row: {
  person_id: string;
  episode: number;
  presumed_until: Date;
  agency_ids: string[];
  correlation_id: string | null;
}): ConsentPresumptionLapsingV1 {
  return {
    eventType: 'assessment.consent.presumption-lapsing',
    version: 1,
    eventId: randomUUID(),
    occurredAt: new Date().toISOString(),
    // The journey's, as every event of the episode carries (its first assessment's).
    correlationId: row.correlation_id ?? `consent-presumption:${row.person_id}:${row.episode}`,
    personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: row.person_id }] },
    data: {
      episode: row.episode,
      presumedUntil: new Date(row.presumed_until).toISOString(),
      agencyIds: row.agency_ids,
    },
  };
}
