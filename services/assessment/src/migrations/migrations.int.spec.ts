import { randomBytes, randomUUID } from 'node:crypto';
import { createScratchDatabase, type ScratchDatabase } from '@throughcare/testing';
import { createServiceDataSource } from '@throughcare/platform-persistence';
import { ASSESSMENT_SCHEMA, loadAssessmentConfig } from '../config';
import { AgencyReadConsent1700000000800 } from './1700000000800-agency-read-consent';
import { AssessmentPersonSex1700000000900 } from './1700000000900-assessment-person-sex';
import { AssessmentAnswersRequired1700000001000 } from './1700000001000-assessment-answers-required';
import { ConsentGiven1700000001100 } from './1700000001100-consent-given';
import { ConsentPresumptionNotice1700000001200 } from './1700000001200-consent-presumption-notice';
import { assessmentMigrations } from './index';

const config = loadAssessmentConfig({ ...process.env, PORT: '0' });
const personId = () => `p${randomBytes(10).toString('hex')}`;

/** Upgrading a database that already holds core screens, in a database of its own. */
describe('assessment migrations (real Postgres)', () => {
  let scratch: ScratchDatabase;
  let url: string;

  beforeAll(async () => {
    scratch = await createScratchDatabase('assessment_migration_spec', config.DATABASE_URL);
    url = scratch.url;
  });

  afterAll(async () => {
    await scratch?.drop();
  });

  const open = (migrations: typeof assessmentMigrations) =>
    createServiceDataSource({ url, schema: ASSESSMENT_SCHEMA, entities: [], migrations });

  it('keeps existing rows as core screens, then admits the later kinds under the new constraints, and reverts', async () => {
    const before = await open(assessmentMigrations.slice(0, 2));
    const requested = { id: randomUUID(), personId: personId() };
    const completed = { id: randomUUID(), personId: personId() };
    await before.query(
      `INSERT INTO assessment.assessment (id, person_id, episode, establishment_code, kind, due_by, requested_at, correlation_id)
       VALUES ($1, $2, 1, 'BAR', 'CORE_SCREEN', now() + interval '3 days', now(), 'c1')`,
      [requested.id, requested.personId],
    );
    await before.query(
      `INSERT INTO assessment.assessment (id, person_id, episode, establishment_code, kind, due_by, requested_at, correlation_id,
         completed_at, completed_by, completion_recorded_at, needs, risk_of_serious_harm)
       VALUES ($1, $2, 1, 'BAR', 'CORE_SCREEN', now() + interval '3 days', now() - interval '1 hour', 'c2',
         now(), 'role:RECEPTION_OFFICER', now(), ARRAY['HEALTH'], 'LOW')`,
      [completed.id, completed.personId],
    );
    await before.destroy();

    // Up to the migration under test (later ones, e.g. row-level security, are not its subject).
    const after = await open(assessmentMigrations.slice(0, 3));
    try {
      expect(
        await after.query(
          `SELECT id, kind, needs, risk_of_serious_harm FROM assessment.assessment WHERE id = ANY($1) ORDER BY requested_at`,
          [[requested.id, completed.id]],
        ),
      ).toEqual([
        { id: completed.id, kind: 'CORE_SCREEN', needs: ['HEALTH'], risk_of_serious_harm: 'LOW' },
        { id: requested.id, kind: 'CORE_SCREEN', needs: null, risk_of_serious_harm: null },
      ]);

      const insert = (kind: string, extra = '', values = '') =>
        after.query(
          `INSERT INTO assessment.assessment (id, person_id, episode, establishment_code, kind, due_by, requested_at, correlation_id${extra})
           VALUES ($1, $2, 1, 'BAR', $3, now() + interval '3 days', now() - interval '1 hour', 'c3'${values})`,
          [randomUUID(), requested.personId, kind],
        );
      // Standard reviews recur; the other kinds stay one per episode.
      await insert('STANDARD_REVIEW');
      await insert('STANDARD_REVIEW');
      await insert(
        'COMPREHENSIVE_SCREEN',
        ', completed_at, completion_recorded_at, needs',
        ', now(), now(), ARRAY[]::text[]',
      );
      await expect(insert('COMPREHENSIVE_SCREEN')).rejects.toThrow(/assessment_one_per_episode_key/);
      await expect(insert('CORE_SCREEN')).rejects.toThrow(/assessment_one_per_episode_key/);
      await expect(insert('PRE_RELEASE_MEETING')).rejects.toThrow(/assessment_kind_check/);
      // Only a core screen records a risk of serious harm, and it must say who completed it.
      await expect(
        insert(
          'SUMMARY_REVIEW',
          ', completed_at, completion_recorded_at, needs, risk_of_serious_harm',
          ", now(), now(), ARRAY[]::text[], 'LOW'",
        ),
      ).rejects.toThrow(/assessment_risk_only_on_core_screen/);
      await expect(
        after.query(
          `INSERT INTO assessment.assessment (id, person_id, episode, establishment_code, kind, due_by, requested_at, correlation_id,
             completed_at, completion_recorded_at, needs, risk_of_serious_harm)
           VALUES ($1, $2, 1, 'BAR', 'CORE_SCREEN', now() + interval '3 days', now() - interval '1 hour', 'c4', now(), now(), ARRAY[]::text[], 'LOW')`,
          [randomUUID(), personId()],
        ),
      ).rejects.toThrow(/assessment_core_screen_completion/);

      await after.query(`DELETE FROM assessment.assessment WHERE kind <> 'CORE_SCREEN'`);
      await after.undoLastMigration({ transaction: 'each' });
      expect(
        await after.query(`SELECT to_regclass('assessment.consent_withdrawal') AS consent_table`),
      ).toEqual([{ consent_table: null }]);
      expect(await after.query(`SELECT count(*)::int AS rows FROM assessment.assessment`)).toEqual([
        { rows: 2 },
      ]);
    } finally {
      await after.destroy();
    }
  });

  it('risk assessments (500): versions per person that hold together, then reverted with their scope function', async () => {
    // Up to the migration under test (the last one undone below is its own).
    const all = await open(assessmentMigrations.slice(0, 6));
    try {
      const person = personId();
      // As the platform: the table's row-level security is forced on its owner too.
      const insert = (values: string) =>
        all.transaction(async (m) => {
          await m.query(`SET LOCAL throughcare.unrestricted = 'on'`);
          await m.query(
            `INSERT INTO assessment.risk_assessment (person_id, version, likelihood_of_reoffending, risk_of_serious_harm,
               reasons, assessed_on, mappa_category, mappa_level, rises, recorded_at, recorded_by)
             VALUES ($1, ${values}, now(), 'user:spec')`,
            [person],
          );
        });
      await insert(`1, 'LOW', 'LOW', 'why', '2026-01-02', NULL, NULL, '{}'`);
      await insert(`2, 'LOW', 'HIGH', 'why', '2026-01-03', 2, 1, '{RISK_OF_SERIOUS_HARM,MAPPA_LEVEL}'`);
      await expect(insert(`2, 'LOW', 'LOW', 'why', '2026-01-04', NULL, NULL, '{}'`)).rejects.toThrow(
        /risk_assessment_person_version_key/,
      );
      await expect(insert(`3, 'LOW', 'LOW', 'why', '2026-01-04', 2, NULL, '{}'`)).rejects.toThrow(
        /risk_assessment_mappa_together/,
      );
      await expect(insert(`3, 'VERY_HIGH', 'LOW', 'why', '2026-01-04', NULL, NULL, '{}'`)).rejects.toThrow(
        /likelihood_of_reoffending_check/,
      );
      await expect(insert(`3, 'LOW', 'LOW', '  ', '2026-01-04', NULL, NULL, '{}'`)).rejects.toThrow(
        /reasons_check/,
      );
      await expect(insert(`3, 'LOW', 'LOW', 'why', '2026-01-04', 5, 1, '{}'`)).rejects.toThrow(
        /mappa_category_check/,
      );
      await expect(insert(`3, 'LOW', 'LOW', 'why', '2026-01-04', NULL, NULL, '{FELL}'`)).rejects.toThrow(
        /rises_check/,
      );
      await expect(
        all.transaction(async (m) => {
          await m.query(`SET LOCAL throughcare.unrestricted = 'on'`);
          await m.query(
            `INSERT INTO assessment.risk_assessment (person_id, version, likelihood_of_reoffending, risk_of_serious_harm,
               reasons, assessed_on, rises, recorded_at, recorded_by)
             VALUES ($1, 1, 'LOW', 'LOW', 'why', '2026-01-02', '{MAPPA_LEVEL}', now(), 'user:spec')`,
            [personId()],
          );
        }),
      ).rejects.toThrow(/risk_assessment_first_rises_nothing/);

      await all.undoLastMigration({ transaction: 'each' });
      expect(
        await all.query(
          `SELECT to_regclass('assessment.risk_assessment') AS risk_table,
                  to_regprocedure('assessment.person_establishments(text)') AS scope_function`,
        ),
      ).toEqual([{ risk_table: null, scope_function: null }]);
      await all.runMigrations({ transaction: 'each' });
      expect(
        await all.query(`SELECT to_regclass('assessment.risk_assessment') IS NOT NULL AS risk_table`),
      ).toEqual([{ risk_table: true }]);
    } finally {
      await all.destroy();
    }
  });

  it("agencies' referrals (600): sent and ended facts that hold together, then reverted with their functions and read policies", async () => {
    const all = await open(assessmentMigrations.slice(0, 7));
    try {
      const asPlatform = (sql: string, params: unknown[]) =>
        all.transaction(async (m) => {
          await m.query(`SET LOCAL throughcare.unrestricted = 'on'`);
          return m.query(sql, params);
        });
      const insert = (columns: string, values: string) =>
        asPlatform(
          `INSERT INTO assessment.agency_referral (referral_id, person_id, episode, recorded_at, ${columns})
           VALUES ($1, $2, 1, now(), ${values})`,
          [randomUUID(), personId()],
        );
      await insert(
        'agency_id, pathways, sent_at, sent_event_id',
        `'AG-1', '{HEALTH}', now(), gen_random_uuid()`,
      );
      await insert('ended_at, ended_by, end_event_id', `now(), 'CLOSED', gen_random_uuid()`);
      await expect(insert('agency_id, pathways', `'AG-1', '{HEALTH}'`)).rejects.toThrow(
        /agency_referral_sent_together/,
      );
      await expect(insert('ended_at, ended_by', `now(), 'CLOSED'`)).rejects.toThrow(
        /agency_referral_ended_together/,
      );
      await expect(
        insert('ended_at, ended_by, end_event_id', `now(), 'LOST', gen_random_uuid()`),
      ).rejects.toThrow(/ended_by_check/);
      await expect(
        asPlatform(
          `INSERT INTO assessment.agency_referral (referral_id, person_id, episode, recorded_at) VALUES ($1, $2, 1, now())`,
          [randomUUID(), personId()],
        ),
      ).rejects.toThrow(/agency_referral_sent_or_ended/);

      const policies = () =>
        all.query(
          `SELECT tablename FROM pg_policies WHERE schemaname = 'assessment' AND policyname LIKE '%agency_read' ORDER BY 1`,
        );
      expect(await policies()).toEqual(
        ['assessment', 'assessment_answers', 'consent_withdrawal', 'risk_assessment'].map((tablename) => ({
          tablename,
        })),
      );
      await all.undoLastMigration({ transaction: 'each' });
      expect(
        await all.query(
          `SELECT to_regclass('assessment.agency_referral') AS referral_table,
                  to_regprocedure('assessment.episode_agencies(text, integer)') AS episode_function`,
        ),
      ).toEqual([{ referral_table: null, episode_function: null }]);
      expect(await policies()).toEqual([]);
      await all.runMigrations({ transaction: 'each' });
      expect(await policies()).toHaveLength(4);
    } finally {
      await all.destroy();
    }
  });

  it("agencies' reads follow consent (800): functions and the consent policy redefined, and put back exactly as 700 wrote them", async () => {
    // The three functions' definitions and the consent policy's expression.
    const definitions = (ds: Awaited<ReturnType<typeof open>>) =>
      ds.query(
        `SELECT p.proname AS name, pg_get_functiondef(p.oid) AS definition
           FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
          WHERE n.nspname = 'assessment' AND p.proname LIKE '%agencies' ORDER BY 1`,
      ) as Promise<Array<{ name: string; definition: string }>>;
    const consentPolicy = (ds: Awaited<ReturnType<typeof open>>) =>
      ds.query(
        `SELECT qual FROM pg_policies
          WHERE schemaname = 'assessment' AND policyname = 'consent_withdrawal_agency_read'`,
      ) as Promise<Array<{ qual: string }>>;
    // As 700 itself wrote them.
    const at800 = assessmentMigrations.indexOf(AgencyReadConsent1700000000800);
    const at700 = await open(assessmentMigrations.slice(0, at800));
    const before = { functions: await definitions(at700), policy: await consentPolicy(at700) };
    await at700.destroy();
    expect(before.functions.map((f) => f.name)).toEqual([
      'assessment_agencies',
      'episode_agencies',
      'person_agencies',
    ]);
    expect(before.policy[0]!.qual).toMatch(/episode_agencies/);

    const all = await open(assessmentMigrations.slice(0, at800 + 1));
    try {
      const after = await definitions(all);
      expect(after.map((f) => f.name)).toEqual([
        'assessment_agencies',
        'episode_agencies',
        'episode_referral_agencies',
        'person_agencies',
      ]);
      for (const { name, definition } of after)
        expect([name, definition.includes('consent_withdrawal')]).toEqual([
          name,
          name !== 'episode_referral_agencies',
        ]);
      expect((await consentPolicy(all))[0]!.qual).toMatch(/episode_referral_agencies/);

      await all.undoLastMigration({ transaction: 'each' });
      expect({ functions: await definitions(all), policy: await consentPolicy(all) }).toEqual(before);
      await all.runMigrations({ transaction: 'each' });
      expect((await definitions(all)).map((f) => f.name)).toContain('episode_referral_agencies');
    } finally {
      await all.destroy();
    }
  });
  it("the person's sex on an assessment (900): a nullable column taking FEMALE or MALE only, and reverted", async () => {
    const all = await open(
      assessmentMigrations.slice(0, assessmentMigrations.indexOf(AssessmentPersonSex1700000000900) + 1),
    );
    const column = () =>
      all.query(
        `SELECT is_nullable FROM information_schema.columns
          WHERE table_schema = 'assessment' AND table_name = 'assessment' AND column_name = 'person_sex'`,
      ) as Promise<Array<{ is_nullable: string }>>;
    const check = () =>
      all.query(
        `SELECT pg_get_constraintdef(oid) AS definition FROM pg_constraint WHERE conname = 'assessment_person_sex_known'`,
      ) as Promise<Array<{ definition: string }>>;
    try {
      expect(await column()).toEqual([{ is_nullable: 'YES' }]);
      const [constraint] = await check();
      expect(constraint!.definition).toContain("'FEMALE'");
      expect(constraint!.definition).toContain("'MALE'");
      expect(constraint!.definition).not.toContain('OTHER');
      await all.undoLastMigration({ transaction: 'each' });
      expect(await column()).toEqual([]);
      expect(await check()).toEqual([]);
      await all.runMigrations({ transaction: 'each' });
      expect(await column()).toEqual([{ is_nullable: 'YES' }]);
    } finally {
      await all.destroy();
    }
  });

  it('the typed-needs cut-over (1000): assessments already requested keep typed needs, new ones default to answers only, and reverted', async () => {
    const upTo = (migration: (typeof assessmentMigrations)[number]) =>
      open(assessmentMigrations.slice(0, assessmentMigrations.indexOf(migration) + 1));
    const insert = `INSERT INTO assessment.assessment (id, person_id, episode, establishment_code, kind, due_by, requested_at, correlation_id)
       VALUES ($1, $2, 1, 'BAR', 'STANDARD_REVIEW', now() + interval '3 days', now(), 'c-cut-over')`;
    const before = await upTo(AssessmentPersonSex1700000000900);
    const earlier = randomUUID();
    await before.query(insert, [earlier, personId()]);
    await before.destroy();

    const all = await upTo(AssessmentAnswersRequired1700000001000);
    const allowed = (ids: string[]) =>
      all.query(
        `SELECT id, typed_needs_allowed FROM assessment.assessment WHERE id = ANY($1) ORDER BY requested_at`,
        [ids],
      ) as Promise<Array<{ id: string; typed_needs_allowed: boolean }>>;
    const column = () =>
      all.query(
        `SELECT is_nullable FROM information_schema.columns
          WHERE table_schema = 'assessment' AND table_name = 'assessment' AND column_name = 'typed_needs_allowed'`,
      ) as Promise<Array<{ is_nullable: string }>>;
    try {
      const later = randomUUID();
      await all.query(insert, [later, personId()]);
      expect(await allowed([earlier, later])).toEqual([
        { id: earlier, typed_needs_allowed: true },
        { id: later, typed_needs_allowed: false },
      ]);
      expect(await column()).toEqual([{ is_nullable: 'NO' }]);
      await all.undoLastMigration({ transaction: 'each' });
      expect(await column()).toEqual([]);
      await all.runMigrations({ transaction: 'each' });
      expect(await column()).toEqual([{ is_nullable: 'NO' }]);
    } finally {
      await all.destroy();
    }
  });

  it('consent given (1100): append-only facts, only the referrals active at the cut-over presumed (once, with a sunset), consent read policies, and a down that destroys no fact', async () => {
    const upTo = (migration: (typeof assessmentMigrations)[number]) =>
      open(assessmentMigrations.slice(0, assessmentMigrations.indexOf(migration) + 1));
    const asPlatform = (db: Awaited<ReturnType<typeof open>>, sql: string, params: unknown[] = []) =>
      db.transaction(async (m) => {
        await m.query(`SET LOCAL throughcare.unrestricted = 'on'`);
        return m.query(sql, params) as Promise<Array<Record<string, unknown>>>;
      });
    const assessed = (db: Awaited<ReturnType<typeof open>>, person: string, episode: number) =>
      asPlatform(
        db,
        `INSERT INTO assessment.assessment (id, person_id, episode, establishment_code, kind, due_by, requested_at, correlation_id)
         VALUES ($1, $2, $3, 'BAR', 'STANDARD_REVIEW', now() + interval '3 days', now(), 'c-consent')`,
        [randomUUID(), person, episode],
      );
    const referred = (db: Awaited<ReturnType<typeof open>>, person: string, episode: number, ended = false) =>
      asPlatform(
        db,
        `INSERT INTO assessment.agency_referral (referral_id, person_id, episode, recorded_at, agency_id, pathways, sent_at,
           sent_event_id, ended_at, ended_by, end_event_id)
         VALUES ($1, $2, $3, now(), 'AG-1', '{HEALTH}', now(), gen_random_uuid(), $4, $5, $6)`,
        [
          randomUUID(),
          person,
          episode,
          ended ? new Date() : null,
          ended ? 'CLOSED' : null,
          ended ? randomUUID() : null,
        ],
      );
    const withdrawn = (
      db: Awaited<ReturnType<typeof open>>,
      person: string,
      episode: number,
      at: string,
      recorded = 'now()',
    ) =>
      asPlatform(
        db,
        `INSERT INTO assessment.consent_withdrawal (person_id, episode, withdrawn_at, recorded_at, correlation_id)
         VALUES ($1, $2, ${at}, ${recorded}, 'c-consent')`,
        [person, episode],
      );
    const before = await upTo(AssessmentAnswersRequired1700000001000);
    const [assessedBefore, referredBefore, endedBefore, withdrawnBefore, later, afterDown] = [
      personId(),
      personId(),
      personId(),
      personId(),
      personId(),
      personId(),
    ];
    const people = [assessedBefore, referredBefore, endedBefore, withdrawnBefore, later, afterDown];
    await assessed(before, assessedBefore, 2);
    await referred(before, referredBefore, 3);
    await referred(before, endedBefore, 1, true);
    await referred(before, withdrawnBefore, 1);
    await withdrawn(before, withdrawnBefore, 1, 'now()');
    await before.destroy();

    const all = await upTo(ConsentGiven1700000001100);
    const presumed = () =>
      asPlatform(
        all,
        `SELECT person_id, episode, agency_id, presumed_until - marked_at AS sunset
           FROM assessment.consent_presumption WHERE person_id = ANY($1) ORDER BY episode`,
        [people],
      );
    const cutovers = () =>
      asPlatform(all, `SELECT count(*)::int AS n FROM assessment.consent_cutover`) as Promise<unknown>;
    const stands = (person: string, episode: number) =>
      asPlatform(all, `SELECT assessment.episode_consent_stands($1, $2) AS stands`, [person, episode]);
    const give = (person: string, givenAt: string, givenBy = 'user:spec') =>
      asPlatform(
        all,
        `INSERT INTO assessment.consent_given (id, person_id, episode, given_at, given_by, recorded_at)
         VALUES ($1, $2, 1, ${givenAt}, $3, now())`,
        [randomUUID(), person, givenBy],
      );
    const readPolicies = () =>
      all.query(
        `SELECT tablename, substring(qual from '([a-z_]+_agencies)\\(') AS function FROM pg_policies
          WHERE schemaname = 'assessment' AND policyname LIKE '%agency_read'
            AND tablename IN ('assessment', 'assessment_answers', 'risk_assessment') ORDER BY 1`,
      );
    const tables = () =>
      all.query(
        `SELECT to_regclass('assessment.consent_given') AS given, to_regclass('assessment.consent_presumption') AS presumed,
                to_regprocedure('assessment.episode_consent_stands(text, integer)') AS stands`,
      ) as Promise<Array<Record<string, unknown>>>;
    const theCutOver = [{ person_id: referredBefore, episode: 3, agency_id: 'AG-1', sunset: { days: 90 } }];
    try {
      // Only an agency's referral active at the migration is marked (S2): not an episode with an
      // assessment only, an ended referral, or a withdrawn episode; a later episode never.
      await assessed(all, later, 1);
      await referred(all, later, 1);
      expect(await presumed()).toEqual(theCutOver);
      expect(await cutovers()).toEqual([{ n: 1 }]);
      expect(await stands(referredBefore, 3)).toEqual([{ stands: true }]);
      expect(await stands(assessedBefore, 2)).toEqual([{ stands: false }]);
      expect(await stands(later, 1)).toEqual([{ stands: false }]);
      // Consent given stands until a withdrawal; given (and recorded) again after, it stands again.
      await give(later, `now() - interval '2 hours'`);
      expect(await stands(later, 1)).toEqual([{ stands: true }]);
      await withdrawn(all, later, 1, `now() - interval '1 hour'`);
      expect(await stands(later, 1)).toEqual([{ stands: false }]);
      await give(later, 'now()');
      expect(await stands(later, 1)).toEqual([{ stands: true }]);
      // A withdrawal recorded after that consent ends it, even dated before it (S1).
      await withdrawn(all, later, 1, `now() - interval '90 minutes'`, `now() + interval '1 millisecond'`);
      expect(await stands(later, 1)).toEqual([{ stands: false }]);
      await expect(give('someone', 'now()')).rejects.toThrow(/consent_given_person_id_check/);
      await expect(give(later, 'now()', '  ')).rejects.toThrow(/consent_given_given_by_check/);
      // The agencies' reads follow consent; down puts them back on migration 800's functions.
      const consented = [
        { tablename: 'assessment', function: 'episode_consented_agencies' },
        { tablename: 'assessment_answers', function: 'assessment_consented_agencies' },
        { tablename: 'risk_assessment', function: 'person_consented_agencies' },
      ];
      expect(await readPolicies()).toEqual(consented);

      // down destroys no fact (S3): it refuses while consent is recorded, then while an episode
      // holds two withdrawals, and changes nothing when it refuses.
      await expect(all.undoLastMigration({ transaction: 'each' })).rejects.toThrow(/cannot be reverted/);
      expect(await tables()).toEqual([
        {
          given: 'consent_given',
          presumed: 'consent_presumption',
          stands: 'episode_consent_stands(text,integer)',
        },
      ]);
      await asPlatform(all, `DELETE FROM assessment.consent_given WHERE person_id = $1`, [later]);
      await expect(all.undoLastMigration({ transaction: 'each' })).rejects.toThrow(/cannot be reverted/);
      await asPlatform(
        all,
        `DELETE FROM assessment.consent_withdrawal WHERE person_id = $1 AND withdrawn_at < now() - interval '80 minutes'`,
        [later],
      );
      await all.undoLastMigration({ transaction: 'each' });
      // The cut-over's record stays; consent_given (empty) and the functions go.
      expect(await tables()).toEqual([{ given: null, presumed: 'consent_presumption', stands: null }]);
      expect(await readPolicies()).toEqual([
        { tablename: 'assessment', function: 'episode_agencies' },
        { tablename: 'assessment_answers', function: 'assessment_agencies' },
        { tablename: 'risk_assessment', function: 'person_agencies' },
      ]);
      // A referral sent while rolled back, then up again: the presumption set is not widened.
      await referred(all, afterDown, 1);
      await all.runMigrations({ transaction: 'each' });
      expect(await tables()).toEqual([
        {
          given: 'consent_given',
          presumed: 'consent_presumption',
          stands: 'episode_consent_stands(text,integer)',
        },
      ]);
      expect(await presumed()).toEqual(theCutOver);
      expect(await cutovers()).toEqual([{ n: 1 }]);
      expect(await stands(afterDown, 1)).toEqual([{ stands: false }]);
      expect(await readPolicies()).toEqual(consented);
    } finally {
      await all.destroy();
    }
  });
  it('presumption notices (1200): one per episode and lapse, append-only for the application, under row-level security; down refuses once a notice is recorded', async () => {
    const db = await open(
      assessmentMigrations.slice(0, assessmentMigrations.indexOf(ConsentPresumptionNotice1700000001200) + 1),
    );
    const asPlatform = (sql: string, params: unknown[] = []) =>
      db.transaction(async (m) => {
        await m.query(`SET LOCAL throughcare.unrestricted = 'on'`);
        return m.query(sql, params) as Promise<Array<Record<string, unknown>>>;
      });
    const person = personId();
    const notice = (who = person, episode = 1) =>
      asPlatform(
        `INSERT INTO assessment.consent_presumption_notice (person_id, episode, presumed_until, event_id, notified_at)
         VALUES ($1, $2, '2027-03-01T09:00:00Z', gen_random_uuid(), now())`,
        [who, episode],
      );
    const table = async () =>
      (
        (await db.query(`SELECT to_regclass('assessment.consent_presumption_notice') AS t`)) as Array<{
          t: string | null;
        }>
      )[0]!.t;
    try {
      expect(await table()).toBe('consent_presumption_notice');
      expect(
        await db.query(
          `SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = 'assessment.consent_presumption_notice'::regclass`,
        ),
      ).toEqual([{ relrowsecurity: true, relforcerowsecurity: true }]);
      // Its policy: prison staff of the episode's establishments (as consent_given), the platform.
      const [policy] = (await db.query(
        `SELECT policyname, cmd, qual FROM pg_policies WHERE schemaname = 'assessment' AND tablename = 'consent_presumption_notice'`,
      )) as Array<{ policyname: string; cmd: string; qual: string }>;
      expect(policy).toMatchObject({ policyname: 'consent_presumption_notice_scope', cmd: 'ALL' });
      expect(policy!.qual).toContain('episode_establishments');
      await expect(notice('someone')).rejects.toThrow(/consent_presumption_notice_person_id_check/);
      await expect(notice(person, 0)).rejects.toThrow(/consent_presumption_notice_episode_check/);
      // Nothing recorded yet: down and up again.
      await db.undoLastMigration({ transaction: 'each' });
      expect(await table()).toBeNull();
      await db.runMigrations({ transaction: 'each' });
      expect(await table()).toBe('consent_presumption_notice');
      await notice();
      await expect(notice()).rejects.toThrow(/consent_presumption_notice_pkey/);
      expect(
        await asPlatform(`SELECT count(*)::int AS n FROM assessment.consent_presumption_notice`),
      ).toEqual([{ n: 1 }]);
      // A notice given is a record: down refuses and changes nothing.
      await expect(db.undoLastMigration({ transaction: 'each' })).rejects.toThrow(/cannot be reverted/);
      expect(await table()).toBe('consent_presumption_notice');
    } finally {
      await db.destroy();
    }
  });
});
