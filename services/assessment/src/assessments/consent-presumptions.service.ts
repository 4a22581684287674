import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditTrail, AUDIT_TABLE } from '@throughcare/platform-audit';
import { acrossScopes, runUnrestricted } from '@throughcare/platform-persistence';
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

/** The audit action of the cut-over's marking (migration 1100), written once (review stop 41, M6). */
export const CUTOVER_AUDIT_ACTION = 'consent.presume';

/**
 * The cut-over's presumed cases (review stop 41, M6): the episodes whose consent stands only on
 * migration 1100's presumption (state PRESUMED_BEFORE_CUTOVER: no consent recorded, no withdrawal,
 * a mark not yet lapsed), for staff to seek real consent before `presumed_until`; and the audit
 * record of the marking itself.
 */
@Injectable()
export class ConsentPresumptionsService implements OnApplicationBootstrap {
  private readonly logger = new Logger('ConsentPresumptions');

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

  /** At start-up: the marking's audit record, once (see `recordMarking`). */
  async onApplicationBootstrap(): Promise<void> {
    await this.recordMarking();
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
