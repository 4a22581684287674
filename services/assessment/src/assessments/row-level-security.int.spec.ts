import { randomBytes, randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { bootstrapService } from '@throughcare/platform-http';
import { runWithDatabaseScope, type DatabaseScope } from '@throughcare/platform-persistence';
import {
  expectBareAppRoleSeesNothing,
  expectRowLevelSecurityForced,
  expectUnprivilegedAppRole,
  type ProtectedTables,
} from '@throughcare/platform-persistence/src/testing';
import { AppModule } from '../app.module';
import { loadAssessmentConfig } from '../config';
import { ASSESSMENT_PROTECTED_TABLES } from '../migrations/1700000000300-row-level-security';
import { RISK_PROTECTED_TABLES } from '../migrations/1700000000500-risk-assessment';
import { AGENCY_REFERRAL_PROTECTED_TABLES } from '../migrations/1700000000600-agency-referral';
import { CONSENT_GIVEN_PROTECTED_TABLES } from '../migrations/1700000001100-consent-given';

// Issue 8, the second wall: Postgres row-level security on the assessments and consent (and,
// issue 10, the risk assessments), proven against the running service's own connection (the
// application role) and a bare one.

const config = loadAssessmentConfig({ ...process.env, PORT: '0' });
const tables = [...ASSESSMENT_PROTECTED_TABLES, ...RISK_PROTECTED_TABLES, ...CONSENT_GIVEN_PROTECTED_TABLES];
const aPersonId = () => `p${randomBytes(10).toString('hex')}`;

describe('assessment: row-level security on assessments and consent', () => {
  let app: NestFastifyApplication;
  let service: DataSource;
  const owner = new Client({ connectionString: config.DATABASE_URL });
  const atBar = aPersonId();
  const atLei = aPersonId();

  /** Consent given for the episode at `givenAt` (SQL), as the service records it. */
  const aConsent = (personId: string, episode: number, givenAt = 'now()') =>
    owner.query(
      `INSERT INTO assessment.consent_given (id, person_id, episode, given_at, given_by, recorded_at)
       VALUES ($1, $2, $3, ${givenAt}, 'user:spec', now())`,
      [randomUUID(), personId, episode],
    );

  /** The cut-over's mark of the agency's referral of episode 1 (as migration 1100 writes it), until `until`. */
  const aPresumption = (personId: string, agency: string, until = `now() + interval '90 days'`) =>
    owner.query(
      `INSERT INTO assessment.consent_presumption (person_id, episode, agency_id, marked_at, presumed_until)
       VALUES ($1, 1, $2, now() - interval '1 day', ${until})`,
      [personId, agency],
    );

  beforeAll(async () => {
    app = await bootstrapService({
      module: AppModule.forRoot(config),
      name: 'assessment',
      port: 0,
      logLevels: ['error'],
    });
    service = app.get(DataSource);
    await owner.connect();
    // Fixtures written as the platform would (the owner's session, unrestricted).
    await owner.query(`SET throughcare.unrestricted = 'on'`);
    for (const [personId, establishment] of [
      [atBar, 'BAR'],
      [atLei, 'LEI'],
    ] as const) {
      await owner.query(
        `INSERT INTO assessment.assessment (id, person_id, episode, establishment_code, kind, due_by, requested_at, correlation_id)
         VALUES ($1, $2, 1, $3, 'CORE_SCREEN', now() + interval '3 days', now(), 'spec-rls')`,
        [randomUUID(), personId, establishment],
      );
      await owner.query(
        `INSERT INTO assessment.consent_withdrawal (person_id, episode, withdrawn_at, recorded_at, correlation_id)
         VALUES ($1, 1, now(), now(), 'spec-rls')`,
        [personId],
      );
      // Consent given (and presumed at the cut-over) before that withdrawal: it stands no more.
      await aConsent(personId, 1, `now() - interval '1 hour'`);
      await aPresumption(personId, 'AG-BAR');
      await owner.query(
        `INSERT INTO assessment.risk_assessment (person_id, version, likelihood_of_reoffending, risk_of_serious_harm,
           reasons, assessed_on, rises, recorded_at, recorded_by)
         VALUES ($1, 1, 'LOW', 'LOW', 'spec-rls', current_date, '{}', now(), 'user:spec')`,
        [personId],
      );
    }
    // Issue 10: AG-BAR holds an active referral of atBar's episode; AG-LEI's of atLei has ended.
    for (const [personId, agency, ended] of [
      [atBar, 'AG-BAR', false],
      [atLei, 'AG-LEI', true],
    ] as const)
      await owner.query(
        `INSERT INTO assessment.agency_referral (referral_id, person_id, episode, agency_id, pathways, sent_at,
           sent_event_id, ended_at, ended_by, end_event_id, recorded_at)
         VALUES ($1, $2, 1, $3, '{ACCOMMODATION}', now(), $4, $5, $6, $7, now())`,
        [
          randomUUID(),
          personId,
          agency,
          randomUUID(),
          ended ? new Date() : null,
          ended ? 'CLOSED' : null,
          ended ? randomUUID() : null,
        ],
      );
  });

  afterAll(async () => {
    await owner.end();
    await app?.close();
  });

  async function visible(scope: DatabaseScope): Promise<Record<string, string[]>> {
    const seen: Record<string, string[]> = {};
    for (const table of tables) {
      const rows = (await runWithDatabaseScope(scope, () =>
        service.query(
          `SELECT DISTINCT person_id FROM assessment.${table} WHERE person_id = ANY($1) ORDER BY 1`,
          [[atBar, atLei]],
        ),
      )) as Array<{ person_id: string }>;
      seen[table] = rows.map((r) => r.person_id);
    }
    return seen;
  }
  const everywhere = (people: string[]) => Object.fromEntries(tables.map((t) => [t, [...people].sort()]));
  const protectedTables = (): ProtectedTables => ({
    databaseUrl: config.DATABASE_URL,
    owner,
    service,
    schema: 'assessment',
    tables: [...tables, ...AGENCY_REFERRAL_PROTECTED_TABLES],
  });

  it('the service connects as a role that is no superuser, cannot bypass RLS and owns none of the tables', async () => {
    await expectUnprivilegedAppRole(protectedTables());
  });

  it('row-level security is enabled and forced on each protected table', async () => {
    await expectRowLevelSecurityForced(protectedTables());
  });

  it('the rows exist (the owner sees them), yet a query with no scope sees none of them', async () => {
    for (const table of tables) {
      const all = await owner.query<{ n: number }>(
        `SELECT count(DISTINCT person_id)::int AS n FROM assessment.${table} WHERE person_id = ANY($1)`,
        [[atBar, atLei]],
      );
      expect({ table, n: all.rows[0]!.n }).toEqual({ table, n: 2 });
    }
    expect(await visible('none')).toEqual(everywhere([]));
    await expectBareAppRoleSeesNothing(protectedTables());
  });

  it("with establishments as the scope: only those establishments' assessments and their episodes' consent", async () => {
    expect(await visible({ establishments: ['BAR'] })).toEqual(everywhere([atBar]));
    expect(await visible({ establishments: ['LEI'] })).toEqual(everywhere([atLei]));
    expect(await visible({ establishments: ['BAR', 'LEI'] })).toEqual(everywhere([atBar, atLei]));
    expect(await visible({ agency: 'cjsw-edinburgh' })).toEqual(everywhere([]));
    expect(await visible('unrestricted')).toEqual(everywhere([atBar, atLei]));
  });

  it('a write outside the scope is refused by the database', async () => {
    await expect(
      runWithDatabaseScope({ establishments: ['BAR'] }, () =>
        service.query(
          `INSERT INTO assessment.assessment (id, person_id, episode, establishment_code, kind, due_by, requested_at, correlation_id)
           VALUES ($1, $2, 1, 'LEI', 'CORE_SCREEN', now() + interval '3 days', now(), 'spec-rls')`,
          [randomUUID(), aPersonId()],
        ),
      ),
    ).rejects.toThrow(/row-level security/);
    await expect(
      runWithDatabaseScope({ establishments: ['BAR'] }, () =>
        service.query(
          `INSERT INTO assessment.risk_assessment (person_id, version, likelihood_of_reoffending, risk_of_serious_harm,
             reasons, assessed_on, rises, recorded_at, recorded_by)
           VALUES ($1, 2, 'HIGH', 'HIGH', 'spec-rls', current_date, '{}', now(), 'user:spec')`,
          [atLei],
        ),
      ),
    ).rejects.toThrow(/row-level security/);
  });

  it('risk assessments are append-only for the service: no update or delete, even in scope', async () => {
    for (const sql of [
      `UPDATE assessment.risk_assessment SET risk_of_serious_harm = 'HIGH' WHERE person_id = $1`,
      `DELETE FROM assessment.risk_assessment WHERE person_id = $1`,
    ])
      await expect(
        runWithDatabaseScope({ establishments: ['BAR'] }, () => service.query(sql, [atBar])),
      ).rejects.toThrow(/permission denied/);
  });

  it("consent facts are append-only for the service, and the cut-over is the migration's alone (M4)", async () => {
    const asService = (sql: string, params: unknown[] = [atBar]) =>
      runWithDatabaseScope({ establishments: ['BAR'] }, () => service.query(sql, params));
    for (const sql of [
      `UPDATE assessment.consent_withdrawal SET withdrawn_at = now() WHERE person_id = $1`,
      `DELETE FROM assessment.consent_withdrawal WHERE person_id = $1`,
      `UPDATE assessment.consent_given SET given_at = now() WHERE person_id = $1`,
      `DELETE FROM assessment.consent_given WHERE person_id = $1`,
      `UPDATE assessment.consent_presumption SET presumed_until = now() + interval '9 years' WHERE person_id = $1`,
      `DELETE FROM assessment.consent_presumption WHERE person_id = $1`,
      `INSERT INTO assessment.consent_presumption (person_id, episode, agency_id, marked_at, presumed_until)
       VALUES ($1, 2, 'AG-BAR', now(), now() + interval '1 day')`,
      // The record of the presumption notices given (migration 1200) is append-only too.
      `UPDATE assessment.consent_presumption_notice SET notified_at = now() WHERE person_id = $1`,
      `DELETE FROM assessment.consent_presumption_notice WHERE person_id = $1`,
    ])
      await expect(asService(sql)).rejects.toThrow(/permission denied/);
    for (const sql of [
      `INSERT INTO assessment.consent_cutover (marked_at, presumed_until, marked) VALUES (now(), now() + interval '1 day', 0)`,
      `DELETE FROM assessment.consent_cutover`,
    ])
      await expect(asService(sql, [])).rejects.toThrow(/permission denied/);
    // The service may still read them and append a withdrawal (in scope).
    expect(await asService(`SELECT 1 FROM assessment.consent_presumption WHERE person_id = $1`)).toHaveLength(
      1,
    );
    await asService(
      `INSERT INTO assessment.consent_withdrawal (person_id, episode, withdrawn_at, recorded_at, correlation_id)
       VALUES ($1, 1, now() + interval '1 second', now(), 'spec-rls')`,
    );
  });

  it('an agency sees the withdrawal of an episode only while it holds an active referral of it, no other consent fact, and writes none', async () => {
    // atBar withdrew consent for episode 1 (the fixture): AG-BAR, whose referral is active, sees
    // the withdrawal and nothing else (migrations 800 and 1100; the positive case is the next spec).
    // Consent given and the cut-over's marks are never an agency's to read (N4, data minimisation).
    expect(await visible({ agency: 'AG-BAR' })).toEqual({
      assessment: [],
      consent_withdrawal: [atBar],
      risk_assessment: [],
      consent_given: [],
      consent_presumption: [],
    });
    // AG-LEI's referral ended: nothing.
    expect(await visible({ agency: 'AG-LEI' })).toEqual(everywhere([]));
    const referrals = (scope: DatabaseScope) =>
      runWithDatabaseScope(scope, () =>
        service.query(
          `SELECT agency_id FROM assessment.agency_referral WHERE person_id = ANY($1) ORDER BY 1`,
          [[atBar, atLei]],
        ),
      );
    // The referrals: each agency its own (ended or not); prison staff none.
    expect(await referrals({ agency: 'AG-BAR' })).toEqual([{ agency_id: 'AG-BAR' }]);
    expect(await referrals({ agency: 'AG-LEI' })).toEqual([{ agency_id: 'AG-LEI' }]);
    expect(await referrals({ establishments: ['BAR', 'LEI'] })).toEqual([]);
    // Reads only: an update of a visible row changes nothing, an insert is refused.
    const updated = (await runWithDatabaseScope({ agency: 'AG-BAR' }, () =>
      service.query(`UPDATE assessment.assessment SET due_by = now() WHERE person_id = $1 RETURNING id`, [
        atBar,
      ]),
    )) as unknown[][];
    expect(updated[0]).toEqual([]);
    await expect(
      runWithDatabaseScope({ agency: 'AG-BAR' }, () =>
        service.query(
          `INSERT INTO assessment.consent_withdrawal (person_id, episode, withdrawn_at, recorded_at, correlation_id)
           VALUES ($1, 2, now(), now(), 'spec-rls')`,
          [atBar],
        ),
      ),
    ).rejects.toThrow(/row-level security/);
  });

  /** As the platform would write it (the owner's session is unrestricted). */
  async function anAssessment(personId: string, episode: number): Promise<void> {
    const id = randomUUID();
    await owner.query(
      `INSERT INTO assessment.assessment (id, person_id, episode, establishment_code, kind, due_by, requested_at, correlation_id)
       VALUES ($1, $2, $3, 'BAR', 'CORE_SCREEN', now() + interval '3 days', now(), 'spec-rls')`,
      [id, personId, episode],
    );
    await owner.query(
      `INSERT INTO assessment.assessment_answers (assessment_id, version, establishment_code, question_set_version,
         answers, skips, recorded_at, recorded_by)
       VALUES ($1, 1, 'BAR', 1, '{}', '[]', now(), 'user:spec')`,
      [id],
    );
  }
  const aReferral = (personId: string, episode: number, agency: string) =>
    owner.query(
      `INSERT INTO assessment.agency_referral (referral_id, person_id, episode, agency_id, pathways, sent_at,
         sent_event_id, recorded_at)
       VALUES ($1, $2, $3, $4, '{ACCOMMODATION}', now(), $5, now())`,
      [randomUUID(), personId, episode, agency, randomUUID()],
    );
  const aRisk = (personId: string) =>
    owner.query(
      `INSERT INTO assessment.risk_assessment (person_id, version, likelihood_of_reoffending, risk_of_serious_harm,
         reasons, assessed_on, rises, recorded_at, recorded_by)
       VALUES ($1, 1, 'LOW', 'LOW', 'spec-rls reasons', current_date, '{}', now(), 'user:spec')`,
      [personId],
    );
  /** What the agency's scope selects of the person: the episodes of its assessments, answers and consent, and its risk rows. */
  async function seenBy(agency: string, personId: string) {
    const episodeOf = new Map(
      (
        await owner.query<{ id: string; episode: number }>(
          `SELECT id, episode FROM assessment.assessment WHERE person_id = $1`,
          [personId],
        )
      ).rows.map((r) => [r.id, r.episode]),
    );
    const episodes = (rows: unknown) => (rows as Array<{ episode: number }>).map((r) => r.episode);
    return runWithDatabaseScope({ agency }, async () => ({
      assessments: episodes(
        await service.query(`SELECT episode FROM assessment.assessment WHERE person_id = $1 ORDER BY 1`, [
          personId,
        ]),
      ),
      answers: (
        (await service.query(
          `SELECT assessment_id FROM assessment.assessment_answers WHERE assessment_id = ANY($1)`,
          [[...episodeOf.keys()]],
        )) as Array<{ assessment_id: string }>
      )
        .map((r) => episodeOf.get(r.assessment_id))
        .sort(),
      consent: episodes(
        await service.query(
          `SELECT episode FROM assessment.consent_withdrawal WHERE person_id = $1 ORDER BY 1`,
          [personId],
        ),
      ),
      risk: (
        (await service.query(`SELECT version FROM assessment.risk_assessment WHERE person_id = $1`, [
          personId,
        ])) as unknown[]
      ).length,
    }));
  }

  it('with no consent recorded (nor presumed at the cut-over) the agency scope selects nothing of the episode; once given, it does', async () => {
    const personId = aPersonId();
    await anAssessment(personId, 1);
    await aRisk(personId);
    await aReferral(personId, 1, 'AG-NO-CONSENT');
    expect(await seenBy('AG-NO-CONSENT', personId)).toMatchObject({ assessments: [], answers: [], risk: 0 });
    await aConsent(personId, 1);
    expect(await seenBy('AG-NO-CONSENT', personId)).toMatchObject({
      assessments: [1],
      answers: [1],
      risk: 1,
    });
  });

  it('an episode presumed at the cut-over is selected until a withdrawal; consent given after the withdrawal opens it again', async () => {
    const personId = aPersonId();
    await anAssessment(personId, 1);
    await aRisk(personId);
    await aReferral(personId, 1, 'AG-PRESUMED');
    await aReferral(personId, 1, 'AG-NEW-AFTER-CUTOVER');
    await aPresumption(personId, 'AG-PRESUMED');
    expect(await seenBy('AG-PRESUMED', personId)).toMatchObject({ assessments: [1], answers: [1], risk: 1 });
    // Only the agency marked at the cut-over (S2): a referral sent after it is not presumed.
    expect(await seenBy('AG-NEW-AFTER-CUTOVER', personId)).toMatchObject({
      assessments: [],
      answers: [],
      risk: 0,
    });
    await owner.query(
      `INSERT INTO assessment.consent_withdrawal (person_id, episode, withdrawn_at, recorded_at, correlation_id)
       VALUES ($1, 1, now() - interval '1 minute', now(), 'spec-rls')`,
      [personId],
    );
    expect(await seenBy('AG-PRESUMED', personId)).toMatchObject({ assessments: [], answers: [], risk: 0 });
    await aConsent(personId, 1);
    expect(await seenBy('AG-PRESUMED', personId)).toMatchObject({ assessments: [1], answers: [1], risk: 1 });
  });

  it('the presumption ends at its presumed_until (S2): the agency scope selects nothing after it', async () => {
    const personId = aPersonId();
    await anAssessment(personId, 1);
    await aRisk(personId);
    await aReferral(personId, 1, 'AG-SUNSET');
    await aPresumption(personId, 'AG-SUNSET', `now() - interval '1 second'`);
    expect(await seenBy('AG-SUNSET', personId)).toMatchObject({ assessments: [], answers: [], risk: 0 });
  });

  it('a withdrawal recorded after a consent ends it, even dated before it (S1: fail closed on recording order)', async () => {
    const personId = aPersonId();
    await anAssessment(personId, 1);
    await aRisk(personId);
    await aReferral(personId, 1, 'AG-ORDER');
    await aConsent(personId, 1);
    expect(await seenBy('AG-ORDER', personId)).toMatchObject({ assessments: [1], answers: [1], risk: 1 });
    await owner.query(
      `INSERT INTO assessment.consent_withdrawal (person_id, episode, withdrawn_at, recorded_at, correlation_id)
       VALUES ($1, 1, now() - interval '1 hour', now() + interval '1 millisecond', 'spec-rls')`,
      [personId],
    );
    expect(await seenBy('AG-ORDER', personId)).toMatchObject({ assessments: [], answers: [], risk: 0 });
  });

  it("after the person withdraws consent, the agency scope selects none of the episode's assessment, answers or risk: only the withdrawal", async () => {
    const personId = aPersonId();
    await anAssessment(personId, 1);
    await aRisk(personId);
    await aReferral(personId, 1, 'AG-CONSENT');
    await aConsent(personId, 1, `now() - interval '1 minute'`);
    expect(await seenBy('AG-CONSENT', personId)).toMatchObject({
      assessments: [1],
      answers: [1],
      consent: [],
      risk: 1,
    });
    await owner.query(
      `INSERT INTO assessment.consent_withdrawal (person_id, episode, withdrawn_at, recorded_at, correlation_id)
       VALUES ($1, 1, now(), now(), 'spec-rls')`,
      [personId],
    );
    expect(await seenBy('AG-CONSENT', personId)).toMatchObject({
      assessments: [],
      answers: [],
      consent: [1],
      risk: 0,
    });
  });

  it("an agency with a referral of episode 1 sees nothing of episode 2, and no risk once episode 2 exists; episode 2's agency does", async () => {
    const personId = aPersonId();
    await anAssessment(personId, 1);
    await aRisk(personId);
    await aConsent(personId, 1);
    await aConsent(personId, 2);
    await aConsent(personId, 3);
    await aReferral(personId, 1, 'AG-EPISODE-1');
    expect(await seenBy('AG-EPISODE-1', personId)).toMatchObject({ assessments: [1], answers: [1], risk: 1 });

    // Episode 2 begins (its assessment is requested): episode 1's agency keeps episode 1, loses risk.
    await anAssessment(personId, 2);
    expect(await seenBy('AG-EPISODE-1', personId)).toMatchObject({ assessments: [1], answers: [1], risk: 0 });

    // Episode 2's own agency: episode 2 and the risk, nothing of episode 1.
    await aReferral(personId, 2, 'AG-EPISODE-2');
    expect(await seenBy('AG-EPISODE-2', personId)).toMatchObject({ assessments: [2], answers: [2], risk: 1 });
    expect(await seenBy('AG-EPISODE-1', personId)).toMatchObject({ assessments: [1], answers: [1], risk: 0 });

    // A referral of episode 3 recorded before any of its assessments is evidence enough that it exists.
    await aReferral(personId, 3, 'AG-EPISODE-3');
    expect(await seenBy('AG-EPISODE-2', personId)).toMatchObject({ assessments: [2], answers: [2], risk: 0 });
    expect(await seenBy('AG-EPISODE-3', personId)).toMatchObject({ assessments: [], answers: [], risk: 1 });
  });
});
