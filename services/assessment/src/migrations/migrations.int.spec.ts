import { randomBytes, randomUUID } from 'node:crypto';
import { createScratchDatabase, type ScratchDatabase } from '@throughcare/testing';
import { createServiceDataSource } from '@throughcare/platform-persistence';
import { ASSESSMENT_SCHEMA, loadAssessmentConfig } from '../config';
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
});
