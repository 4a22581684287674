import { DataSource, type DataSourceOptions, type QueryRunner } from 'typeorm';
import { createScratchDatabase, requireEnv, type ScratchDatabase } from '@throughcare/testing';
import { ensureSchema, serviceDataSourceOptions } from '@throughcare/platform-persistence';
import { LIBERATION_SCHEMA } from '../config';
import { PersonEligibilityFacts1700000000700 } from './1700000000700-person-eligibility-facts';
import { AbsenceOverdueAndReason1700000001900 } from './1700000001900-absence-overdue-and-reason';
import { AbsenceHmppsEventIds1700000002300 } from './1700000002300-absence-hmpps-event-ids';
import { CustodyEpisodeVoidReasonLiteral1700000002400 } from './1700000002400-custody-episode-void-reason-literal';
import { PendingReceptionReopened1700000002600 } from './1700000002600-pending-reception-reopened';
import { CourtLiberationVoid1700000002700 } from './1700000002700-court-liberation-void';
import { ReceptionReversalAdmission1700000002800 } from './1700000002800-reception-reversal-admission';
import { PendingReceptionVoided1700000002900 } from './1700000002900-pending-reception-voided';
import { ValidatePendingReceptionVoided1700000002901 } from './1700000002901-validate-pending-reception-voided';
import { CustodyEpisodeVoid1700000002100 } from './1700000002100-custody-episode-void';
import { ReleaseDecisionCalculationVersion1700000002200 } from './1700000002200-release-decision-calculation-version';
import { MovementCorrection1700000003000 } from './1700000003000-movement-correction';
import { AbsenceCorrection1700000003001 } from './1700000003001-absence-correction';
import { RecordedSentenceDates1700000003200 } from './1700000003200-recorded-sentence-dates';
import { ReplanApplyFailure1700000003300 } from './1700000003300-replan-apply-failure';
import { liberationMigrations } from './index';

/** Upgrading a database that already holds custody episodes, in a database of its own. */
describe('liberation migrations (real Postgres)', () => {
  let scratch: ScratchDatabase;
  let url: string;

  beforeAll(async () => {
    scratch = await createScratchDatabase('liberation_migration_spec', requireEnv('DATABASE_URL'));
    url = scratch.url;
    await ensureSchema(url, LIBERATION_SCHEMA);
  });

  afterAll(async () => {
    await scratch?.drop();
  });

  /** As the owner and the platform itself (row-level security is forced on these tables). */
  const open = (migrations: typeof liberationMigrations) => {
    const options = serviceDataSourceOptions({ url, schema: LIBERATION_SCHEMA, entities: [], migrations });
    return new DataSource({
      ...options,
      extra: { options: `-c search_path=${LIBERATION_SCHEMA},public -c throughcare.unrestricted=on`, max: 1 },
    } as DataSourceOptions).initialize();
  };

  /** How many columns of that name the table has in the liberation schema (0 or 1). */
  const columnCount = async (ds: DataSource, table: string, column: string) =>
    (
      (await ds.query(
        `SELECT column_name FROM information_schema.columns WHERE table_schema = 'liberation' AND table_name = $1 AND column_name = $2`,
        [table, column],
      )) as unknown[]
    ).length;

  /** 2900's CHECKs and whether each is validated (2901). */
  const checksValidated = (ds: DataSource) =>
    ds.query(
      `SELECT conname, convalidated FROM pg_constraint
        WHERE conname IN ('pending_reception_voided', 'custody_episode_void_admission_reception', 'release_date_change_basis_source')
        ORDER BY conname`,
    ) as Promise<Array<{ conname: string; convalidated: boolean }>>;

  /** Episode 2 of the person, a copy of episode 1 received at `receivedAt` (null: episode 1's instant). */
  const secondEpisode = (ds: DataSource, personId: string, receivedAt: string | null) =>
    ds.query(
      `INSERT INTO liberation.custody_episode (person_id, episode, prison_number, establishment_code, jurisdiction,
         home_local_authority, origin, reception_reason, sentence_date, sentence_length_days, expected_release_date,
         received_at, received_by)
       SELECT person_id, 2, prison_number, establishment_code, jurisdiction, home_local_authority, origin,
         reception_reason, sentence_date, sentence_length_days, expected_release_date,
         coalesce($2::timestamptz, received_at), 'spec'
         FROM liberation.custody_episode WHERE person_id = $1 AND episode = 1`,
      [personId, receivedAt],
    );

  const episode = (ds: DataSource, personId: string, extra: Record<string, string | null> = {}) => {
    const columns = Object.keys(extra);
    return ds.query(
      `INSERT INTO liberation.custody_episode (person_id, episode, prison_number, establishment_code, jurisdiction,
         home_local_authority, origin, reception_reason, sentence_date, sentence_length_days, expected_release_date,
         received_at, received_by${columns.map((c) => `, ${c}`).join('')})
       VALUES ($1, 1, 'A1234BC', 'BAR', 'SCOTLAND', 'S12000036', 'RECEPTION', 'ADMISSION', '2026-01-05', 180,
         '2026-07-04', '2026-01-05T10:00:00Z', 'spec'${columns.map((_, i) => `, $${i + 2}`).join('')})`,
      [personId, ...Object.values(extra)],
    );
  };

  it("adds the person's sex and date of birth (null on episodes before it; a known sex or none), and reverts", async () => {
    const before = await open(
      liberationMigrations.slice(0, liberationMigrations.indexOf(PersonEligibilityFacts1700000000700)),
    );
    await episode(before, 'p00000000000000000001');
    await before.destroy();
    const after = await open(
      liberationMigrations.slice(0, liberationMigrations.indexOf(PersonEligibilityFacts1700000000700) + 1),
    );
    try {
      expect(
        await after.query(
          `SELECT sex, date_of_birth FROM liberation.custody_episode WHERE person_id = 'p00000000000000000001'`,
        ),
      ).toEqual([{ sex: null, date_of_birth: null }]);
      await episode(after, 'p00000000000000000002', { sex: 'FEMALE', date_of_birth: '1990-03-01' });
      await expect(episode(after, 'p00000000000000000003', { sex: 'NK' })).rejects.toThrow(
        /custody_episode_sex/,
      );
      await after.undoLastMigration({ transaction: 'each' });
      expect(
        await after.query(
          `SELECT column_name FROM information_schema.columns WHERE table_schema = 'liberation' AND table_name = 'custody_episode' AND column_name IN ('sex', 'date_of_birth')`,
        ),
      ).toEqual([]);
    } finally {
      await after.destroy();
    }
  });

  it('adds the movement reason of an absence and the index of open absences by due-back time, reverts, and adds them again', async () => {
    const upTo1900 = liberationMigrations.slice(
      0,
      liberationMigrations.indexOf(AbsenceOverdueAndReason1700000001900) + 1,
    );
    const ds = await open(upTo1900);
    const present = async () => ({
      column: await columnCount(ds, 'temporary_absence', 'movement_reason_code'),
      index: (
        (await ds.query(
          `SELECT indexdef FROM pg_indexes WHERE schemaname = 'liberation' AND indexname = 'temporary_absence_open_by_due_back'`,
        )) as Array<{ indexdef: string }>
      ).map((r) => r.indexdef),
    });
    try {
      await ds.runMigrations({ transaction: 'each' });
      expect(await present()).toEqual({
        column: 1,
        index: [
          expect.stringMatching(/\(establishment_code, due_back_at\) WHERE .*ended_by_movement_at IS NULL/),
        ],
      });
      await ds.undoLastMigration({ transaction: 'each' });
      expect(await present()).toEqual({ column: 0, index: [] });
      await ds.runMigrations({ transaction: 'each' });
      // Both again, the index as it was (review stop 37, N2).
      expect(await present()).toEqual({
        column: 1,
        index: [
          expect.stringMatching(/\(establishment_code, due_back_at\) WHERE .*ended_by_movement_at IS NULL/),
        ],
      });
    } finally {
      await ds.destroy();
    }
  });

  it('adds the void facts (null on episodes before it): a void episode is not open, so another may open; reverts', async () => {
    const upTo = liberationMigrations.indexOf(CustodyEpisodeVoid1700000002100);
    const before = await open(liberationMigrations.slice(0, upTo));
    await episode(before, 'p00000000000000000010');
    await before.destroy();
    const after = await open(liberationMigrations.slice(0, upTo + 1));
    const voidIt = (personId: string, extra: Record<string, string | null> = {}) =>
      after.query(
        `UPDATE liberation.custody_episode SET voided_at = $2, voided_by = 'spec', void_reason = $3,
           void_event_id = $4, void_correlation_id = 'spec', void_note = $5 WHERE person_id = $1`,
        [
          personId,
          extra['voided_at'] ?? '2026-01-06T10:00:00Z',
          extra['void_reason'] ?? 'RECEIVED_IN_ERROR',
          '00000000-0000-4000-8000-000000000001',
          extra['void_note'] ?? null,
        ],
      );
    try {
      expect(
        await after.query(
          `SELECT voided_at, voided_by, void_reason, void_note, void_event_id FROM liberation.custody_episode WHERE person_id = 'p00000000000000000010'`,
        ),
      ).toEqual([
        { voided_at: null, voided_by: null, void_reason: null, void_note: null, void_event_id: null },
      ]);
      // Still one open episode per person: a second one is refused until the first is void.
      const second = () => secondEpisode(after, 'p00000000000000000010', '2026-01-07T10:00:00Z');
      await expect(second()).rejects.toThrow(/custody_episode_one_open_per_person/);
      await expect(voidIt('p00000000000000000010', { void_reason: 'OOPS' })).rejects.toThrow(/void_reason/);
      await expect(voidIt('p00000000000000000010', { voided_at: '2026-01-01T10:00:00Z' })).rejects.toThrow(
        /custody_episode_void_after_reception/,
      );
      await voidIt('p00000000000000000010', { void_note: 'wrong person' });
      await second();
      await after.query(`DELETE FROM liberation.custody_episode WHERE person_id = 'p00000000000000000010'`);
      await after.undoLastMigration({ transaction: 'each' });
      expect(
        await after.query(
          `SELECT column_name FROM information_schema.columns WHERE table_schema = 'liberation' AND table_name = 'custody_episode' AND column_name LIKE 'void%'`,
        ),
      ).toEqual([]);
    } finally {
      await after.destroy();
    }
  });

  it('adds the calculation version a release decision was made on (null on older changes), reverts, and adds it again', async () => {
    const upTo2200 = liberationMigrations.slice(
      0,
      liberationMigrations.indexOf(ReleaseDecisionCalculationVersion1700000002200) + 1,
    );
    const before = await open(upTo2200.slice(0, -1));
    await before.runMigrations({ transaction: 'each' });
    await episode(before, 'p00000000000000002200');
    await before.query(
      `INSERT INTO liberation.release_date_change (person_id, episode, change_number, previous_expected_release_date,
         expected_release_date, reason, changed_at, changed_by, correlation_id)
       VALUES ('p00000000000000002200', 1, 1, '2026-07-04', '2026-05-01', 'PAROLE', '2026-02-01T10:00:00Z', 'spec', 'c-2200')`,
    );
    await before.destroy();
    const ds = await open(upTo2200);
    const column = () => columnCount(ds, 'release_date_change', 'sentence_calculation_version');
    try {
      await ds.runMigrations({ transaction: 'each' });
      expect(await column()).toBe(1);
      expect(
        await ds.query(
          `SELECT sentence_calculation_version FROM liberation.release_date_change WHERE person_id = 'p00000000000000002200'`,
        ),
      ).toEqual([{ sentence_calculation_version: null }]);
      await expect(
        ds.query(
          `UPDATE liberation.release_date_change SET sentence_calculation_version = -1 WHERE person_id = 'p00000000000000002200'`,
        ),
      ).rejects.toThrow(/check/i);
      await ds.undoLastMigration({ transaction: 'each' });
      expect(await column()).toBe(0);
      expect(
        await ds.query(
          `SELECT reason FROM liberation.release_date_change WHERE person_id = 'p00000000000000002200'`,
        ),
      ).toEqual([{ reason: 'PAROLE' }]);
      await ds.runMigrations({ transaction: 'each' });
      expect(await column()).toBe(1);
    } finally {
      await ds.destroy();
    }
  });

  it("adds the HMPPS event ids of an absence's departure and return (null on absences before it), reverts, and adds them again", async () => {
    const upTo = (m: (typeof liberationMigrations)[number]) =>
      liberationMigrations.slice(0, liberationMigrations.indexOf(m) + 1);
    const before = await open(upTo(AbsenceOverdueAndReason1700000001900));
    await before.runMigrations({ transaction: 'each' });
    await episode(before, 'p00000000000000000010');
    await before.query(
      `INSERT INTO liberation.temporary_absence (id, person_id, episode, kind, establishment_code, left_at,
         departure_event_id, departure_recorded_at, departure_recorded_by, correlation_id)
       VALUES ('00000000-0000-4000-8000-000000000010', 'p00000000000000000010', 1, 'ROTL', 'BAR',
         '2026-02-01T09:00:00Z', gen_random_uuid(), now(), 'spec', 'spec')`,
    );
    await before.destroy();
    const ds = await open(upTo(AbsenceHmppsEventIds1700000002300));
    const columns = async () =>
      (
        (await ds.query(
          `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'liberation' AND table_name = 'temporary_absence' AND column_name LIKE 'hmpps_%' ORDER BY column_name`,
        )) as Array<{ column_name: string; data_type: string }>
      ).map((c) => [c.column_name, c.data_type]);
    try {
      await ds.runMigrations({ transaction: 'each' });
      const both = [
        ['hmpps_departure_event_id', 'uuid'],
        ['hmpps_return_event_id', 'uuid'],
      ];
      expect(await columns()).toEqual(both);
      expect(
        await ds.query(
          `SELECT hmpps_departure_event_id, hmpps_return_event_id FROM liberation.temporary_absence WHERE person_id = 'p00000000000000000010'`,
        ),
      ).toEqual([{ hmpps_departure_event_id: null, hmpps_return_event_id: null }]);
      await ds.undoLastMigration({ transaction: 'each' });
      expect(await columns()).toEqual([]);
      // The absence is kept.
      expect(
        await ds.query(
          `SELECT kind FROM liberation.temporary_absence WHERE person_id = 'p00000000000000000010'`,
        ),
      ).toEqual([{ kind: 'ROTL' }]);
      await ds.runMigrations({ transaction: 'each' });
      expect(await columns()).toEqual(both);
    } finally {
      await ds.destroy();
    }
  });

  it("spells out the void reasons (the same values, not the live enum's), and refuses to roll back while an episode is void", async () => {
    const ds = await open(
      liberationMigrations.slice(
        0,
        liberationMigrations.indexOf(CustodyEpisodeVoidReasonLiteral1700000002400) + 1,
      ),
    );
    const personId = 'p00000000000000002400';
    const constraints = async () =>
      (
        (await ds.query(
          `SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
            WHERE conrelid = 'liberation.custody_episode'::regclass AND conname LIKE 'custody_episode_void_reason%'`,
        )) as Array<{ conname: string; def: string }>
      ).map((c) => [c.conname, c.def]);
    const voidIt = (reason: string) =>
      ds.query(
        `UPDATE liberation.custody_episode SET voided_at = '2026-01-06T10:00:00Z', voided_by = 'spec', void_reason = $2,
           void_event_id = '00000000-0000-4000-8000-000000002400', void_correlation_id = 'spec' WHERE person_id = $1`,
        [personId, reason],
      );
    try {
      await ds.runMigrations({ transaction: 'each' });
      expect(await constraints()).toEqual([
        ['custody_episode_void_reason', expect.stringMatching(/void_reason.*'RECEIVED_IN_ERROR'/)],
      ]);
      await episode(ds, personId);
      await expect(voidIt('OOPS')).rejects.toThrow(/custody_episode_void_reason/);
      await voidIt('RECEIVED_IN_ERROR');

      // A rollback would put the void episode back in custody: refused, nothing changed.
      await expect(ds.undoLastMigration({ transaction: 'each' })).rejects.toThrow(
        /1 custody episodes are void .* restore a backup instead/,
      );
      expect(await constraints()).toEqual([['custody_episode_void_reason', expect.any(String)]]);
      expect(
        await ds.query(`SELECT void_reason FROM liberation.custody_episode WHERE person_id = $1`, [personId]),
      ).toEqual([{ void_reason: 'RECEIVED_IN_ERROR' }]);

      // With none void (removed deliberately here), it reverts to 2100's constraint, and comes again.
      await ds.query(`DELETE FROM liberation.custody_episode WHERE person_id = $1`, [personId]);
      await ds.undoLastMigration({ transaction: 'each' });
      expect(await constraints()).toEqual([
        ['custody_episode_void_reason_check', expect.stringMatching(/void_reason.*'RECEIVED_IN_ERROR'/)],
      ]);
      await ds.runMigrations({ transaction: 'each' });
      expect(await constraints()).toEqual([['custody_episode_void_reason', expect.any(String)]]);
    } finally {
      await ds.destroy();
    }
  });

  /**
   * Starts `write` in a transaction of another connection, left open; undoes the last migration
   * meanwhile (it must wait for the write: its lock is taken before its check); commits the write,
   * and expects the rollback to be refused with `refusal`, having seen the write.
   */
  async function refusedWhileInFlight(
    ds: DataSource,
    write: (writer: QueryRunner) => Promise<void>,
    refusal: RegExp,
  ): Promise<void> {
    const other = await open([]);
    // Its own connection: each data source here has one, and the writer's is held.
    const observer = await open([]);
    const writer = other.createQueryRunner();
    try {
      await writer.connect();
      await writer.startTransaction();
      await write(writer);
      const undo = ds.undoLastMigration({ transaction: 'each' });
      const outcome = undo.then(
        () => 'reverted',
        (e: unknown) => e,
      );
      // The rollback waits on the writer's lock, not yet checked.
      await eventuallyWaiting(observer);
      await writer.commitTransaction();
      const settled = await outcome;
      expect(settled).toBeInstanceOf(Error);
      expect((settled as Error).message).toMatch(refusal);
    } finally {
      if (writer.isTransactionActive) await writer.rollbackTransaction();
      await writer.release();
      await other.destroy();
      await observer.destroy();
    }
  }

  /** Until a session waits for a lock on a liberation table (the rollback behind the writer). */
  async function eventuallyWaiting(ds: DataSource): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const waiting = (await ds.query(
        `SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
          JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE NOT l.granted AND n.nspname = 'liberation' AND c.relname IN ('custody_episode', 'pending_reception')`,
      )) as unknown[];
      if (waiting.length > 0) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the rollback never waited for the write in flight');
  }

  it("lets a reception stand at a void one's instant and marks reopened pending receptions; its rollback refuses while either is on record", async () => {
    const ds = await open(
      liberationMigrations.slice(0, liberationMigrations.indexOf(PendingReceptionReopened1700000002600) + 1),
    );
    const personId = 'p00000000000000002600';
    const pendingId = '00000000-0000-4000-8000-000000002600';
    const shape = async () => ({
      column: await columnCount(ds, 'pending_reception', 'reopened_after_episode'),
      unique: (
        (await ds.query(
          `SELECT conname AS name FROM pg_constraint WHERE conrelid = 'liberation.custody_episode'::regclass AND conname = 'custody_episode_person_received_at_key'
           UNION ALL SELECT indexname FROM pg_indexes WHERE schemaname = 'liberation' AND indexname = 'custody_episode_person_received_at_standing'`,
        )) as Array<{ name: string }>
      ).map((r) => r.name),
    });
    const sameInstant = () => secondEpisode(ds, personId, null);
    try {
      await ds.runMigrations({ transaction: 'each' });
      expect(await shape()).toEqual({ column: 1, unique: ['custody_episode_person_received_at_standing'] });
      await episode(ds, personId);
      await ds.query(
        `INSERT INTO liberation.pending_reception (id, hmpps_event_id, person_id, prison_number, establishment_code,
           reason, received_at, status, correlation_id)
         VALUES ($1, gen_random_uuid(), $2, 'A1234BC', 'BAR', 'ADMISSION', '2026-01-05T10:00:00Z', 'PENDING', 'spec')`,
        [pendingId, personId],
      );
      // Two standing receptions at one instant: still refused (the index is over those not void).
      expect(
        await ds.query(
          `SELECT indexdef FROM pg_indexes WHERE schemaname = 'liberation' AND indexname = 'custody_episode_person_received_at_standing'`,
        ),
      ).toEqual([
        {
          indexdef: expect.stringMatching(
            /^CREATE UNIQUE INDEX .* \(person_id, received_at\) WHERE \(voided_at IS NULL\)$/,
          ),
        },
      ]);
      await ds.query(
        `UPDATE liberation.custody_episode SET voided_at = '2026-01-06T10:00:00Z', voided_by = 'spec', void_reason = 'RECEIVED_IN_ERROR',
           void_event_id = '00000000-0000-4000-8000-000000002501', void_correlation_id = 'spec' WHERE person_id = $1`,
        [personId],
      );
      await ds.query(`UPDATE liberation.pending_reception SET reopened_after_episode = 1 WHERE id = $1`, [
        pendingId,
      ]);
      await expect(
        ds.query(`UPDATE liberation.pending_reception SET reopened_after_episode = 0 WHERE id = $1`, [
          pendingId,
        ]),
      ).rejects.toThrow(/reopened_after_episode/);
      // The void one is not in the way.
      await sameInstant();

      // A rollback would lose which pending reception was reopened and could not hold the
      // constraint: refused, nothing changed.
      await expect(ds.undoLastMigration({ transaction: 'each' })).rejects.toThrow(
        /1 pending receptions were reopened .* and 1 receptions share their instant .* restore a backup instead/,
      );
      expect(await shape()).toEqual({ column: 1, unique: ['custody_episode_person_received_at_standing'] });

      // Once neither is on record (removed deliberately here), it reverts, and comes again.
      await ds.query(`DELETE FROM liberation.pending_reception WHERE id = $1`, [pendingId]);
      await ds.query(`DELETE FROM liberation.custody_episode WHERE person_id = $1`, [personId]);

      // Its check is made under the tables' lock (review M4): a pending reception reopened by a
      // transaction in flight when the rollback starts is waited for, seen, and refused; without
      // the lock the check would miss it, and the column would be dropped under it.
      await episode(ds, personId);
      await ds.query(
        `INSERT INTO liberation.pending_reception (id, hmpps_event_id, person_id, prison_number, establishment_code,
           reason, received_at, status, correlation_id)
         VALUES ($1, gen_random_uuid(), $2, 'A1234BC', 'BAR', 'ADMISSION', '2026-01-05T10:00:00Z', 'PENDING', 'spec')`,
        [pendingId, personId],
      );
      await refusedWhileInFlight(
        ds,
        async (writer) => {
          await writer.query(
            `UPDATE liberation.pending_reception SET reopened_after_episode = 1 WHERE id = $1`,
            [pendingId],
          );
        },
        /1 pending receptions were reopened .* restore a backup instead/,
      );
      expect(await shape()).toEqual({ column: 1, unique: ['custody_episode_person_received_at_standing'] });
      await ds.query(`DELETE FROM liberation.pending_reception WHERE id = $1`, [pendingId]);
      await ds.query(`DELETE FROM liberation.custody_episode WHERE person_id = $1`, [personId]);

      await ds.undoLastMigration({ transaction: 'each' });
      expect(await shape()).toEqual({ column: 0, unique: ['custody_episode_person_received_at_key'] });
      await ds.runMigrations({ transaction: 'each' });
      expect(await shape()).toEqual({ column: 1, unique: ['custody_episode_person_received_at_standing'] });
    } finally {
      await ds.destroy();
    }
  });

  it('lets a liberation from court be void with its release kept (a reception still not), and refuses to roll back while one is', async () => {
    const ds = await open(
      liberationMigrations.slice(0, liberationMigrations.indexOf(CourtLiberationVoid1700000002700) + 1),
    );
    const liberated = 'p00000000000000002700';
    const received = 'p00000000000000002701';
    const constraints = async () =>
      (
        (await ds.query(
          `SELECT conname FROM pg_constraint WHERE conrelid = 'liberation.custody_episode'::regclass
            AND conname IN ('custody_episode_void_not_released', 'custody_episode_void_release')`,
        )) as Array<{ conname: string }>
      ).map((c) => c.conname);
    const voidIt = (personId: string, at: string) =>
      ds.query(
        `UPDATE liberation.custody_episode SET voided_at = $2, voided_by = 'spec', void_reason = 'RECEIVED_IN_ERROR',
           void_event_id = gen_random_uuid(), void_correlation_id = 'spec' WHERE person_id = $1`,
        [personId, at],
      );
    try {
      await ds.runMigrations({ transaction: 'each' });
      expect(await constraints()).toEqual(['custody_episode_void_release']);
      await ds.query(
        `INSERT INTO liberation.custody_episode (person_id, episode, prison_number, establishment_code, jurisdiction,
           home_local_authority, origin, legal_status, court_liberation_event_id, released_at, released_by,
           release_establishment_code, release_reason)
         VALUES ($1, 1, 'A1234BC', 'BAR', 'SCOTLAND', 'S12000036', 'COURT_LIBERATION', 'REMAND', gen_random_uuid(),
           '2026-01-05T10:00:00Z', 'spec', 'BAR', 'RELEASED')`,
        [liberated],
      );
      await episode(ds, received, {
        released_at: '2026-01-06T10:00:00Z',
        released_by: 'spec',
        release_establishment_code: 'BAR',
        release_reason: 'RELEASED',
      });
      // A released reception is still never void (its release is reversed first); a liberation from
      // court is, keeping its release, but not before it.
      await expect(voidIt(received, '2026-01-07T10:00:00Z')).rejects.toThrow(/custody_episode_void_release/);
      await expect(voidIt(liberated, '2026-01-05T09:00:00Z')).rejects.toThrow(/custody_episode_void_release/);
      await voidIt(liberated, '2026-01-05T11:00:00Z');
      expect(
        await ds.query(
          `SELECT released_at IS NOT NULL AS released, void_reason FROM liberation.custody_episode WHERE person_id = $1`,
          [liberated],
        ),
      ).toEqual([{ released: true, void_reason: 'RECEIVED_IN_ERROR' }]);

      // 2100's constraint could not hold, and the liberation would stand again: refused, nothing changed.
      await expect(ds.undoLastMigration({ transaction: 'each' })).rejects.toThrow(
        /1 liberations from court are void .* restore a backup instead/,
      );
      expect(await constraints()).toEqual(['custody_episode_void_release']);

      // With none void (removed deliberately here), it reverts to 2100's constraint, and comes again.
      await ds.query(`DELETE FROM liberation.custody_episode WHERE person_id = $1`, [liberated]);
      await ds.undoLastMigration({ transaction: 'each' });
      expect(await constraints()).toEqual(['custody_episode_void_not_released']);
      await ds.runMigrations({ transaction: 'each' });
      expect(await constraints()).toEqual(['custody_episode_void_release']);
    } finally {
      await ds.destroy();
    }
  });
  it("records what a reversed reception's admission was (the literal values, on void episodes only) and lets an admission be VOID with its episode; its rollback locks, then refuses while either is on record", async () => {
    const ds = await open(
      liberationMigrations.slice(
        0,
        liberationMigrations.indexOf(ReceptionReversalAdmission1700000002800) + 1,
      ),
    );
    const personId = 'p00000000000000002800';
    const pendingId = '00000000-0000-4000-8000-000000002800';
    const shape = async () => ({
      column: await columnCount(ds, 'custody_episode', 'void_admission'),
      statuses: (
        (await ds.query(
          `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'liberation.pending_reception'::regclass AND conname = 'pending_reception_status_check'`,
        )) as Array<{ def: string }>
      )[0]!.def.includes('VOID'),
    });
    const voidIt = (admission: string | null) =>
      ds.query(
        `UPDATE liberation.custody_episode SET voided_at = '2026-01-06T10:00:00Z', voided_by = 'spec', void_reason = 'RECEIVED_IN_ERROR',
           void_event_id = gen_random_uuid(), void_correlation_id = 'spec', void_admission = $2 WHERE person_id = $1`,
        [personId, admission],
      );
    const setPending = (status: string, episodeNumber: number | null) =>
      ds.query(
        `UPDATE liberation.pending_reception SET status = $2, episode = $3, resolved_by = 'spec', resolved_at = now() WHERE id = $1`,
        [pendingId, status, episodeNumber],
      );
    try {
      await ds.runMigrations({ transaction: 'each' });
      expect(await shape()).toEqual({ column: 1, statuses: true });
      await episode(ds, personId);
      await ds.query(
        `INSERT INTO liberation.pending_reception (id, hmpps_event_id, person_id, prison_number, establishment_code,
           reason, received_at, status, episode, resolved_by, resolved_at, correlation_id)
         VALUES ($1, gen_random_uuid(), $2, 'A1234BC', 'BAR', 'ADMISSION', '2026-01-05T10:00:00Z', 'COMPLETED', 1, 'spec', now(), 'spec')`,
        [pendingId, personId],
      );
      // Null before it; only the literal values; only on a void episode.
      expect(
        await ds.query(`SELECT void_admission FROM liberation.custody_episode WHERE person_id = $1`, [
          personId,
        ]),
      ).toEqual([{ void_admission: null }]);
      await expect(voidIt('MAYBE')).rejects.toThrow(/custody_episode_void_admission/);
      await expect(
        ds.query(`UPDATE liberation.custody_episode SET void_admission = 'IN_ERROR' WHERE person_id = $1`, [
          personId,
        ]),
      ).rejects.toThrow(/custody_episode_void_admission_void/);
      // A VOID admission keeps its episode (as a COMPLETED one); no other status gains one.
      await expect(setPending('VOID', null)).rejects.toThrow(/pending_reception_completed_episode/);
      await expect(setPending('VOIDED', null)).rejects.toThrow(/pending_reception_status_check/);
      await voidIt('IN_ERROR');
      await setPending('VOID', 1);

      await expect(ds.undoLastMigration({ transaction: 'each' })).rejects.toThrow(
        /1 reception reversals recorded what their admission was and 1 admissions are void .* restore a backup instead/,
      );
      expect(await shape()).toEqual({ column: 1, statuses: true });

      // Neither on record (set back deliberately here): the check runs under the lock, so a
      // decision recorded by a transaction in flight is waited for, seen, and refused.
      await setPending('COMPLETED', 1);
      await voidIt(null);
      await refusedWhileInFlight(
        ds,
        async (writer) => {
          await writer.query(
            `UPDATE liberation.custody_episode SET void_admission = 'TO_RECEIVE_AGAIN' WHERE person_id = $1`,
            [personId],
          );
        },
        /1 reception reversals recorded what their admission was and 0 admissions are void/,
      );
      await voidIt(null);
      await ds.undoLastMigration({ transaction: 'each' });
      expect(await columnCount(ds, 'custody_episode', 'void_admission')).toBe(0);
      await expect(setPending('VOID', null)).rejects.toThrow(/pending_reception_status_check/);
      // Before it: a reception reversed by released code left its admission COMPLETED against the
      // void episode. Migrated, it is reopened (pending again after that episode), the decision
      // recorded as TO_RECEIVE_AGAIN (review of stop 39, M2).
      await ds.query(
        `UPDATE liberation.custody_episode SET voided_at = '2026-01-06T10:00:00Z', voided_by = 'spec', void_reason = 'RECEIVED_IN_ERROR',
           void_event_id = gen_random_uuid(), void_correlation_id = 'spec' WHERE person_id = $1`,
        [personId],
      );
      expect(
        await ds.query(`SELECT status, episode FROM liberation.pending_reception WHERE id = $1`, [pendingId]),
      ).toEqual([{ status: 'COMPLETED', episode: 1 }]);
      await ds.runMigrations({ transaction: 'each' });
      expect(await shape()).toEqual({ column: 1, statuses: true });
      expect(
        await ds.query(
          `SELECT status, episode, resolved_by, reopened_after_episode FROM liberation.pending_reception WHERE id = $1`,
          [pendingId],
        ),
      ).toEqual([{ status: 'PENDING', episode: null, resolved_by: null, reopened_after_episode: 1 }]);
      expect(
        await ds.query(`SELECT void_admission FROM liberation.custody_episode WHERE person_id = $1`, [
          personId,
        ]),
      ).toEqual([{ void_admission: 'TO_RECEIVE_AGAIN' }]);
    } finally {
      await ds.destroy();
    }
  });
  it('keeps who completed a VOID admission and adds who voided it (filled from resolved_* for those voided before), indexes admissions by episode, ties void_admission to a reception; and reverts', async () => {
    const ds = await open(
      liberationMigrations.slice(0, liberationMigrations.indexOf(PendingReceptionVoided1700000002900) + 1),
    );
    const personId = 'p00000000000000002900';
    const pendingId = '00000000-0000-4000-8000-000000002900';
    const indexCount = async () =>
      (
        (await ds.query(
          `SELECT indexname FROM pg_indexes WHERE schemaname = 'liberation' AND indexname = 'pending_reception_episode_idx'`,
        )) as unknown[]
      ).length;
    const pendingRow = async () =>
      (
        (await ds.query(
          `SELECT status, resolved_by, voided_by, voided_at IS NOT NULL AS voided FROM liberation.pending_reception WHERE id = $1`,
          [pendingId],
        )) as unknown[]
      )[0];
    try {
      // Before it: 2800's code voided the admission and wrote the reversal's actor over resolved_by.
      await ds.runMigrations({ transaction: 'each' });
      await ds.undoLastMigration({ transaction: 'each' });
      expect(await columnCount(ds, 'pending_reception', 'voided_by')).toBe(0);
      await episode(ds, personId);
      await ds.query(
        `UPDATE liberation.custody_episode SET voided_at = '2026-01-06T10:00:00Z', voided_by = 'reverser', void_reason = 'RECEIVED_IN_ERROR',
           void_event_id = gen_random_uuid(), void_correlation_id = 'spec', void_admission = 'IN_ERROR' WHERE person_id = $1`,
        [personId],
      );
      await ds.query(
        `INSERT INTO liberation.pending_reception (id, hmpps_event_id, person_id, prison_number, establishment_code,
           reason, received_at, status, episode, resolved_by, resolved_at, correlation_id)
         VALUES ($1, gen_random_uuid(), $2, 'A1234BC', 'BAR', 'ADMISSION', '2026-01-05T10:00:00Z', 'VOID', 1, 'reverser', now(), 'spec')`,
        [pendingId, personId],
      );
      await ds.runMigrations({ transaction: 'each' });
      expect(await columnCount(ds, 'pending_reception', 'voided_by')).toBe(1);
      expect(await columnCount(ds, 'pending_reception', 'voided_at')).toBe(1);
      expect(await indexCount()).toBe(1);
      expect(await pendingRow()).toEqual({
        status: 'VOID',
        resolved_by: 'reverser',
        voided_by: 'reverser',
        voided: true,
      });
      // Only a VOID admission names who voided it.
      await expect(
        ds.query(`UPDATE liberation.pending_reception SET status = 'COMPLETED' WHERE id = $1`, [pendingId]),
      ).rejects.toThrow(/pending_reception_voided/);
      // As the new code voids: who completed it stays.
      await ds.query(
        `UPDATE liberation.pending_reception SET resolved_by = 'completer', voided_by = 'reverser-2' WHERE id = $1`,
        [pendingId],
      );
      // What a reversal said of the admission is only on a reception's episode.
      expect(
        await ds.query(
          `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'custody_episode_void_admission_reception'`,
        ),
      ).toEqual([{ def: "CHECK (((void_admission IS NULL) OR (origin = 'RECEPTION'::text))) NOT VALID" }]);
      // Added NOT VALID: 2901 validates them in a transaction of its own (review of stop 40, M2).
      expect(await checksValidated(ds)).toEqual([
        { conname: 'custody_episode_void_admission_reception', convalidated: false },
        { conname: 'pending_reception_voided', convalidated: false },
        { conname: 'release_date_change_basis_source', convalidated: false },
      ]);
      // How a decision's basis was set (review of stop 40, S1): null before it, two values.
      expect(await columnCount(ds, 'release_date_change', 'basis_source')).toBe(1);
      await ds.query(
        `INSERT INTO liberation.release_date_change (person_id, episode, change_number, previous_expected_release_date,
           expected_release_date, reason, changed_at, changed_by, correlation_id, sentence_calculation_version, basis_source)
         VALUES ($1, 1, 1, '2026-07-04', '2026-06-01', 'PAROLE', now(), 'bus:upstream', 'spec', 0, 'LATEST_ON_ARRIVAL')`,
        [personId],
      );
      await expect(
        ds.query(`UPDATE liberation.release_date_change SET basis_source = 'GUESSED' WHERE person_id = $1`, [
          personId,
        ]),
      ).rejects.toThrow(/release_date_change_basis_source/);

      // Reverted: resolved_* name who voided it, as 2800's code reads a VOID admission.
      await ds.undoLastMigration({ transaction: 'each' });
      expect(await columnCount(ds, 'pending_reception', 'voided_by')).toBe(0);
      expect(await indexCount()).toBe(0);
      expect(
        await ds.query(`SELECT status, resolved_by FROM liberation.pending_reception WHERE id = $1`, [
          pendingId,
        ]),
      ).toEqual([{ status: 'VOID', resolved_by: 'reverser-2' }]);
      expect(
        (await ds.query(
          `SELECT conname FROM pg_constraint WHERE conname = 'custody_episode_void_admission_reception'`,
        )) as unknown[],
      ).toEqual([]);
      expect(await columnCount(ds, 'release_date_change', 'basis_source')).toBe(0);
    } finally {
      await ds.destroy();
    }
  });

  it("validates 2900's CHECKs in a transaction of its own (review of stop 40, M2); its rollback leaves them, 2900's drops them; and both again", async () => {
    const ds = await open(
      liberationMigrations.slice(
        0,
        liberationMigrations.indexOf(ValidatePendingReceptionVoided1700000002901) + 1,
      ),
    );
    const validated = [
      { conname: 'custody_episode_void_admission_reception', convalidated: true },
      { conname: 'pending_reception_voided', convalidated: true },
      { conname: 'release_date_change_basis_source', convalidated: true },
    ];
    try {
      await ds.runMigrations({ transaction: 'each' });
      expect(await checksValidated(ds)).toEqual(validated);
      // Its own transaction: recorded apart from 2900.
      expect(
        (
          (await ds.query(`SELECT name FROM liberation_migrations ORDER BY id DESC LIMIT 2`)) as Array<{
            name: string;
          }>
        ).map((m) => m.name),
      ).toEqual(['ValidatePendingReceptionVoided1700000002901', 'PendingReceptionVoided1700000002900']);
      await ds.undoLastMigration({ transaction: 'each' });
      expect(await checksValidated(ds)).toEqual(validated);
      await ds.undoLastMigration({ transaction: 'each' });
      expect(await checksValidated(ds)).toEqual([]);
      await ds.runMigrations({ transaction: 'each' });
      expect(await checksValidated(ds)).toEqual(validated);
    } finally {
      await ds.destroy();
    }
  });

  it('adds the version of a movement (1 on movements before it) and the corrections table under row-level security; its rollback refuses while a correction is on record, and reverts', async () => {
    const upTo = (m: (typeof liberationMigrations)[number]) =>
      liberationMigrations.slice(0, liberationMigrations.indexOf(m) + 1);
    const before = await open(upTo(ValidatePendingReceptionVoided1700000002901));
    await before.runMigrations({ transaction: 'each' });
    const personId = 'p00000000000000003000';
    const movementId = '00000000-0000-4000-8000-000000003000';
    await episode(before, personId);
    await before.query(
      `INSERT INTO liberation.movement (event_id, person_id, episode, movement, from_establishment_code,
         to_establishment_code, occurred_at, recorded_at, recorded_by, correlation_id)
       VALUES ($1, $2, 1, 'TRANSFER', 'BAR', 'LEI', '2026-02-01T09:00:00Z', now(), 'spec', 'spec')`,
      [movementId, personId],
    );
    await before.destroy();
    const ds = await open(upTo(MovementCorrection1700000003000));
    const correction = () =>
      ds.query(
        `INSERT INTO liberation.movement_correction (event_id, movement_event_id, person_id, episode, version, reason,
           occurred_at, previous_occurred_at, to_establishment_code, previous_to_establishment_code, corrected_at,
           corrected_by, correlation_id)
         VALUES (gen_random_uuid(), $1, $2, 1, 2, 'WRONG_TIME', '2026-02-01T08:00:00Z', '2026-02-01T09:00:00Z',
           'LEI', 'LEI', now(), 'spec', 'spec')`,
        [movementId, personId],
      );
    const rls = () =>
      ds.query(
        `SELECT c.relrowsecurity, c.relforcerowsecurity FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'liberation' AND c.relname = 'movement_correction'`,
      ) as Promise<unknown[]>;
    try {
      await ds.runMigrations({ transaction: 'each' });
      expect(
        await ds.query(`SELECT version FROM liberation.movement WHERE event_id = $1`, [movementId]),
      ).toEqual([{ version: 1 }]);
      expect(await rls()).toEqual([{ relrowsecurity: true, relforcerowsecurity: true }]);
      await correction();
      // Version 1 is the first recording: a correction makes 2 or more.
      await expect(
        ds.query(`UPDATE liberation.movement_correction SET version = 1 WHERE movement_event_id = $1`, [
          movementId,
        ]),
      ).rejects.toThrow(/check constraint/);
      await expect(ds.undoLastMigration({ transaction: 'each' })).rejects.toThrow(/movement correction/);
      expect(await columnCount(ds, 'movement', 'version')).toBe(1);
      await ds.query(`DELETE FROM liberation.movement_correction`);
      await ds.undoLastMigration({ transaction: 'each' });
      expect(await columnCount(ds, 'movement', 'version')).toBe(0);
      expect(await rls()).toEqual([]);
      // The movement is kept.
      expect(
        await ds.query(`SELECT to_establishment_code FROM liberation.movement WHERE event_id = $1`, [
          movementId,
        ]),
      ).toEqual([{ to_establishment_code: 'LEI' }]);
      await ds.runMigrations({ transaction: 'each' });
      expect(await columnCount(ds, 'movement', 'version')).toBe(1);
      await correction();
    } finally {
      await ds.destroy();
    }
  });
  it('adds the version of an absence (1 on absences before it) and the absence corrections table under row-level security; its rollback refuses while a correction is on record, and reverts', async () => {
    const upTo = (m: (typeof liberationMigrations)[number]) =>
      liberationMigrations.slice(0, liberationMigrations.indexOf(m) + 1);
    const before = await open(upTo(MovementCorrection1700000003000));
    await before.runMigrations({ transaction: 'each' });
    const personId = 'p00000000000000003001';
    const absenceId = '00000000-0000-4000-8000-000000003001';
    await episode(before, personId);
    await before.query(
      `INSERT INTO liberation.temporary_absence (id, person_id, episode, kind, establishment_code, left_at,
         departure_event_id, departure_recorded_at, departure_recorded_by, correlation_id)
       VALUES ($1, $2, 1, 'COURT', 'BAR', '2026-02-01T09:00:00Z', gen_random_uuid(), now(), 'spec', 'spec')`,
      [absenceId, personId],
    );
    await before.destroy();
    const ds = await open(upTo(AbsenceCorrection1700000003001));
    const correction = () =>
      ds.query(
        `INSERT INTO liberation.absence_correction (event_id, absence_id, person_id, episode, version, reason,
           left_at, previous_left_at, corrected_at, corrected_by, correlation_id)
         VALUES (gen_random_uuid(), $1, $2, 1, 2, 'WRONG_TIME', '2026-02-01T08:00:00Z', '2026-02-01T09:00:00Z',
           now(), 'spec', 'spec')`,
        [absenceId, personId],
      );
    const rls = () =>
      ds.query(
        `SELECT c.relrowsecurity, c.relforcerowsecurity FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'liberation' AND c.relname = 'absence_correction'`,
      ) as Promise<unknown[]>;
    try {
      await ds.runMigrations({ transaction: 'each' });
      expect(
        await ds.query(`SELECT version FROM liberation.temporary_absence WHERE id = $1`, [absenceId]),
      ).toEqual([{ version: 1 }]);
      expect(await rls()).toEqual([{ relrowsecurity: true, relforcerowsecurity: true }]);
      await correction();
      await expect(ds.undoLastMigration({ transaction: 'each' })).rejects.toThrow(/absence correction/);
      await ds.query(`DELETE FROM liberation.absence_correction`);
      await ds.undoLastMigration({ transaction: 'each' });
      expect(await columnCount(ds, 'temporary_absence', 'version')).toBe(0);
      expect(await rls()).toEqual([]);
      expect(
        await ds.query(`SELECT kind FROM liberation.temporary_absence WHERE id = $1`, [absenceId]),
      ).toEqual([{ kind: 'COURT' }]);
      await ds.runMigrations({ transaction: 'each' });
      expect(await columnCount(ds, 'temporary_absence', 'version')).toBe(1);
      await correction();
    } finally {
      await ds.destroy();
    }
  });

  it('adds the recorded sentence dates (row-level security forced, one release date with its type) and the type a change keeps, refuses to revert while dates are on record, reverts, and adds it again', async () => {
    const upTo3200 = liberationMigrations.slice(
      0,
      liberationMigrations.indexOf(RecordedSentenceDates1700000003200) + 1,
    );
    const before = await open(upTo3200.slice(0, -1));
    await before.runMigrations({ transaction: 'each' });
    await episode(before, 'p00000000000000003200');
    await before.destroy();
    const ds = await open(upTo3200);
    const table = async () =>
      (await ds.query(
        `SELECT relrowsecurity, relforcerowsecurity FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'liberation' AND c.relname = 'recorded_sentence_dates'`,
      )) as Array<{ relrowsecurity: boolean; relforcerowsecurity: boolean }>;
    const insert = (version: number, type: string | null, date: string | null) =>
      ds.query(
        `INSERT INTO liberation.recorded_sentence_dates (person_id, episode, version, jurisdiction, recorded_because,
           dates, release_date_type, release_date, recorded_at, recorded_by, correlation_id)
         VALUES ('p00000000000000003200', 1, $1, 'SCOTLAND', 'SCOTLAND_LONG_TERM',
           '[{"type":"PED","date":"2027-01-05","source":"ESTABLISHMENT_CALCULATION"}]', $2, $3, now(), 'spec', 'c-3200')`,
        [version, type, date],
      );
    try {
      await ds.runMigrations({ transaction: 'each' });
      expect(await table()).toEqual([{ relrowsecurity: true, relforcerowsecurity: true }]);
      await insert(1, null, null);
      await insert(2, 'CRD', '2028-01-05');
      await expect(insert(3, 'CRD', null)).rejects.toThrow(/recorded_sentence_dates_release_date/);
      await expect(insert(3, 'APD', '2028-01-05')).rejects.toThrow(/check/i);
      // A change keeps the recorded type it moved to (review stop 42, N5): only a RECALCULATION's.
      expect(await columnCount(ds, 'release_date_change', 'recorded_release_date_type')).toBe(1);
      await expect(
        ds.query(
          `INSERT INTO liberation.release_date_change (person_id, episode, change_number, previous_expected_release_date,
             expected_release_date, reason, changed_at, changed_by, correlation_id, recorded_release_date_type)
           VALUES ('p00000000000000003200', 1, 99, '2028-01-01', '2028-01-05', 'PAROLE', now(), 'spec', 'c-3200', 'CRD')`,
        ),
      ).rejects.toThrow(/release_date_change_recorded_type/);
      // Official dates on record: the rollback refuses (review of stop 42, M1).
      await expect(ds.undoLastMigration({ transaction: 'each' })).rejects.toThrow(
        /2 recorded sentence date version\(s\) on record/,
      );
      expect(await table()).toEqual([{ relrowsecurity: true, relforcerowsecurity: true }]);
      await ds.query(
        `DELETE FROM liberation.recorded_sentence_dates WHERE person_id = 'p00000000000000003200'`,
      );
      await ds.undoLastMigration({ transaction: 'each' });
      expect(await table()).toEqual([]);
      expect(await columnCount(ds, 'release_date_change', 'recorded_release_date_type')).toBe(0);
      await ds.runMigrations({ transaction: 'each' });
      expect(await table()).toEqual([{ relrowsecurity: true, relforcerowsecurity: true }]);
    } finally {
      await ds.destroy();
    }
  });

  it("adds a re-plan apply's cursor, progress, failure and resume (a run before it: none, no resume), refuses an unknown failure status, refuses to revert while an apply stands stopped, reverts, and adds them again", async () => {
    const upTo = liberationMigrations.indexOf(ReplanApplyFailure1700000003300);
    const before = await open(liberationMigrations.slice(0, upTo));
    const runId = '00000000-0000-4000-8000-000000003300';
    await before.query(
      `INSERT INTO liberation.replan_run (id, jurisdiction, policy_id, policy, reason, establishments, as_at, page_size,
         pause_ms, pages_per_run, requested_at, requested_by, correlation_id, dry_run_done_at, apply_requested_at, apply_requested_by)
       VALUES ($1, 'SCOTLAND', 'SPEC_3300', '{}', 'spec', '{BAR}', '2026-12-06', 1, 0, 50, now(), 'spec', 'spec', now(), now(), 'spec')`,
      [runId],
    );
    await before.destroy();
    const ds = await open(liberationMigrations.slice(0, upTo + 1));
    const columns = [
      'apply_cursor',
      'apply_progress',
      'apply_failed_at',
      'apply_failure_status',
      'apply_failure_reason',
      'apply_failed_workflow_run_id',
      'apply_failed_cursor',
      'apply_failed_progress',
      'apply_resumed_at',
      'apply_resumed_by',
      'apply_resumes',
    ];
    const present = async () =>
      (await Promise.all(columns.map((c) => columnCount(ds, 'replan_run', c)))).reduce((a, b) => a + b, 0);
    try {
      await ds.runMigrations({ transaction: 'each' });
      expect(await present()).toBe(columns.length);
      expect(
        await ds.query(
          `SELECT apply_cursor, apply_failed_at, apply_failure_status, apply_resumes FROM liberation.replan_run WHERE id = $1`,
          [runId],
        ),
      ).toEqual([
        { apply_cursor: null, apply_failed_at: null, apply_failure_status: null, apply_resumes: 0 },
      ]);
      await ds.query(
        `UPDATE liberation.replan_run SET apply_failed_at = now(), apply_failure_status = 'TERMINATED',
           apply_failed_cursor = '{"personId":"p1","episode":1}' WHERE id = $1`,
        [runId],
      );
      await expect(
        ds.query(`UPDATE liberation.replan_run SET apply_failure_status = 'LOST' WHERE id = $1`, [runId]),
      ).rejects.toThrow(/replan_run_apply_failure_status/);
      // A stopped apply not resumed since: the revert is refused (its cursor is what a resume needs).
      await expect(ds.undoLastMigration({ transaction: 'each' })).rejects.toThrow(
        /1 re-plan apply\(s\) stopped and not resumed on record/,
      );
      expect(await present()).toBe(columns.length);
      await ds.query(
        `UPDATE liberation.replan_run SET apply_resumed_at = apply_failed_at + interval '1 minute', apply_resumes = 1 WHERE id = $1`,
        [runId],
      );
      await ds.undoLastMigration({ transaction: 'each' });
      expect(await present()).toBe(0);
      await ds.runMigrations({ transaction: 'each' });
      expect(await present()).toBe(columns.length);
    } finally {
      await ds.destroy();
    }
  });
});
