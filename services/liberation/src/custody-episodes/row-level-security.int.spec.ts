import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { runUnrestricted, runWithDatabaseScope, type DatabaseScope } from '@throughcare/platform-persistence';
import {
  expectBareAppRoleSeesNothing,
  expectRowLevelSecurityForced,
  expectUnprivilegedAppRole,
  type ProtectedTables,
} from '@throughcare/platform-persistence/src/testing';
import { LIBERATION_PROTECTED_TABLES } from '../migrations/1700000000400-row-level-security';
import {
  aReception,
  authorizationOf,
  config,
  daysFromToday,
  minutesAgo,
  personIdOf,
  SPEC_STAFF,
  useLiberation,
} from './spec-support';

// Issue 8, the second wall: Postgres row-level security on every custody table, proven against
// the running service's own connection (the application role) and a bare connection as that role.

const tables = LIBERATION_PROTECTED_TABLES;

describe('liberation: row-level security on the custody record', () => {
  const ctx = useLiberation();
  const owner = new Client({ connectionString: config.DATABASE_URL });
  /** One person received at BAR and transferred to GMR, another received at LEI. */
  let atBar: string;
  /** How many of the person's rows of `table` the service's connection sees under `scope`. */
  const rowsSeen = async (scope: DatabaseScope, table: string, personId: string): Promise<number> =>
    (
      (await runWithDatabaseScope(scope, () =>
        ctx.lib.serviceDataSource.query(`SELECT 1 FROM liberation.${table} WHERE person_id = $1`, [personId]),
      )) as unknown[]
    ).length;
  let atLei: string;

  beforeAll(async () => {
    await owner.connect();
    const { post } = ctx.lib;
    const barReception = aReception({ establishmentCode: 'BAR' });
    const leiReception = aReception({ establishmentCode: 'LEI' });
    atBar = personIdOf(barReception.prisonNumber);
    atLei = personIdOf(leiReception.prisonNumber);
    expect((await post('/receptions', barReception)).status).toBe(201);
    expect((await post('/receptions', leiReception)).status).toBe(201);
    for (const personId of [atBar, atLei]) {
      const change = await post(`/people/${personId}/episodes/1/release-date`, {
        expectedReleaseDate: daysFromToday(45),
        reason: 'PAROLE',
      });
      expect(change.status).toBe(201);
    }
    const transfer = await post(`/people/${atBar}/episodes/1/transfers`, {
      toEstablishmentCode: 'GMR',
      transferredAt: minutesAgo(5),
    });
    expect(transfer.status).toBe(201);
    const leiTransfer = await post(`/people/${atLei}/episodes/1/transfers`, {
      toEstablishmentCode: 'GMR',
      transferredAt: minutesAgo(5),
    });
    expect(leiTransfer.status).toBe(201);
    // Bookings are made by the journey's activities, i.e. the platform itself: unrestricted.
    await runUnrestricted(() =>
      ctx.lib.serviceDataSource.transaction(async (tx) => {
        for (const personId of [atBar, atLei]) {
          await tx.query(
            `INSERT INTO liberation.gate_pickup (id, person_id, episode, establishment_code, liberation_date, booked_at, booked_by, correlation_id)
             VALUES ($1, $2, 1, 'GMR', $3, now(), 'spec', 'spec')`,
            [randomUUID(), personId, daysFromToday(45)],
          );
          await tx.query(
            `INSERT INTO liberation.meeting (id, person_id, episode, kind, establishment_code, meeting_date, booked_at, booked_by, correlation_id)
             VALUES ($1, $2, 1, 'PRE_RELEASE_MEETING', 'GMR', $3, now(), 'spec', 'spec')`,
            [randomUUID(), personId, daysFromToday(30)],
          );
        }
      }),
    );
  });

  afterAll(async () => {
    await owner.end();
  });

  /** Rows of the two people per table, as the service's connection sees them in `scope`. */
  async function visible(scope: DatabaseScope): Promise<Record<string, string[]>> {
    const seen: Record<string, string[]> = {};
    for (const table of tables) {
      const rows = (await runWithDatabaseScope(scope, () =>
        ctx.lib.serviceDataSource.query(
          `SELECT person_id FROM liberation.${table} WHERE person_id = ANY($1) ORDER BY person_id`,
          [[atBar, atLei]],
        ),
      )) as Array<{ person_id: string }>;
      seen[table] = [...new Set(rows.map((r) => r.person_id))].sort();
    }
    return seen;
  }
  const everywhere = (people: string[]) => Object.fromEntries(tables.map((t) => [t, [...people].sort()]));
  const protectedTables = (): ProtectedTables => ({
    databaseUrl: config.DATABASE_URL,
    owner,
    service: ctx.lib.serviceDataSource,
    schema: 'liberation',
    tables,
  });

  it('the service connects as an application role that is no superuser, cannot bypass RLS and owns none of the tables', async () => {
    await expectUnprivilegedAppRole(protectedTables());
  });

  it('row-level security is enabled and forced on every custody table', async () => {
    await expectRowLevelSecurityForced(protectedTables());
  });

  it('the rows exist: the owner sees both people in every table', async () => {
    for (const table of tables) {
      const rows = await owner.query<{ n: number }>(
        `SELECT count(DISTINCT person_id)::int AS n FROM liberation.${table} WHERE person_id = ANY($1)`,
        [[atBar, atLei]],
      );
      expect({ table, n: rows.rows[0]!.n }).toEqual({ table, n: 2 });
    }
  });

  it('a query with no scope sees nothing, through the service connection', async () => {
    expect(await visible('none')).toEqual(everywhere([]));
  });

  it('a bare connection as the application role, with no scope set at all, sees nothing and writes nothing', async () => {
    await expectBareAppRoleSeesNothing(protectedTables(), async (app) => {
      const updated = await app.query(
        `UPDATE liberation.custody_episode SET stage = NULL WHERE person_id = $1`,
        [atBar],
      );
      expect(updated.rowCount).toBe(0);
      await expect(
        app.query(
          `INSERT INTO liberation.custody_episode (person_id, episode, prison_number, establishment_code, jurisdiction,
             home_local_authority, reception_reason, sentence_date, sentence_length_days, expected_release_date,
             received_at, received_by)
           VALUES ('p00000000000000000000', 1, 'A0000AA', 'BAR', 'SCOTLAND', 'S12000036', 'ADMISSION',
             '2026-01-01', 10, '2026-01-05', now(), 'spec')`,
        ),
      ).rejects.toThrow(/row-level security/);
    });
  });

  it('with establishments as the scope: only episodes those establishments were involved in', async () => {
    expect(await visible({ establishments: ['LEI'] })).toEqual(everywhere([atLei]));
    expect(await visible({ establishments: ['BAR'] })).toEqual(everywhere([atBar]));
    // Both were transferred to GMR.
    expect(await visible({ establishments: ['GMR'] })).toEqual(everywhere([atBar, atLei]));
    expect(await visible({ establishments: ['XXX'] })).toEqual(everywhere([]));
    // An agency scope gives nothing in liberation's tables.
    expect(await visible({ agency: 'any-agency' })).toEqual(everywhere([]));
  });

  it('the platform (unrestricted) sees both', async () => {
    expect(await visible('unrestricted')).toEqual(everywhere([atBar, atLei]));
  });

  it('a write outside the scope is refused by the database itself', async () => {
    await expect(
      runWithDatabaseScope({ establishments: ['BAR'] }, () =>
        ctx.lib.serviceDataSource.query(
          `INSERT INTO liberation.custody_episode (person_id, episode, prison_number, establishment_code, jurisdiction,
             home_local_authority, reception_reason, sentence_date, sentence_length_days, expected_release_date,
             received_at, received_by)
           VALUES ('p00000000000000000001', 1, 'A0000AB', 'LEI', 'SCOTLAND', 'S12000036', 'ADMISSION',
             '2026-01-01', 10, '2026-01-05', now(), 'spec')`,
        ),
      ),
    ).rejects.toThrow(/row-level security/);
    // LEI's episode cannot be changed by BAR's scope: no row matches.
    const [, affected] = (await runWithDatabaseScope({ establishments: ['BAR'] }, () =>
      ctx.lib.serviceDataSource.query(
        `UPDATE liberation.custody_episode SET stage = stage WHERE person_id = $1`,
        [atLei],
      ),
    )) as [unknown, number];
    expect(affected).toBe(0);
  });

  it("over HTTP, prison staff's requests run in their scope (another prison's episode is a 404 at both walls)", async () => {
    const { get } = ctx.lib;
    expect(
      (await get(`/people/${atLei}/episodes/1`, { roles: ['prison-staff'], establishments: ['GMR'] })).status,
    ).toBe(200);
    expect(
      (await get(`/people/${atLei}/episodes/1`, { roles: ['prison-staff'], establishments: ['BAR'] })).status,
    ).toBe(404);
  });

  it("pending receptions (HMPPS admissions to complete): forced too, each seen and changed only by its own prison's scope", async () => {
    await expectRowLevelSecurityForced({ ...protectedTables(), tables: ['pending_reception'] });
    const personId = personIdOf('A9999ZZ');
    const id = randomUUID();
    await runUnrestricted(() =>
      ctx.lib.serviceDataSource.query(
        `INSERT INTO liberation.pending_reception (id, hmpps_event_id, person_id, prison_number, establishment_code, reason, received_at, correlation_id)
         VALUES ($1, $2, $3, 'A9999ZZ', 'LEI', 'ADMISSION', now(), 'spec')`,
        [id, randomUUID(), personId],
      ),
    );
    const seenBy = async (scope: DatabaseScope) =>
      (
        (await runWithDatabaseScope(scope, () =>
          ctx.lib.serviceDataSource.query(`SELECT id FROM liberation.pending_reception WHERE id = $1`, [id]),
        )) as unknown[]
      ).length;
    expect([
      await seenBy({ establishments: ['LEI'] }),
      await seenBy({ establishments: ['BAR', 'GMR'] }),
      await seenBy('none'),
      await seenBy('unrestricted'),
    ]).toEqual([1, 0, 0, 1]);
    const [, affected] = (await runWithDatabaseScope({ establishments: ['BAR'] }, () =>
      ctx.lib.serviceDataSource.query(
        `UPDATE liberation.pending_reception SET status = 'DISMISSED', dismissal_reason = 'x', resolved_by = 'x', resolved_at = now() WHERE id = $1`,
        [id],
      ),
    )) as [unknown, number];
    expect(affected).toBe(0);
  });

  it('sentence calculations (issue 10): forced too, seen only by the establishments the episode was held in', async () => {
    await expectRowLevelSecurityForced({ ...protectedTables(), tables: ['sentence_calculation'] });
    const recorded = await ctx.lib.post(`/people/${atBar}/episodes/1/sentence-calculations`, {
      sentences: [{ id: 'charge-1', sentenceDate: daysFromToday(-10), term: { days: 300 } }],
    });
    expect(recorded.status).toBe(201);
    const seenBy = (scope: DatabaseScope) => rowsSeen(scope, 'sentence_calculation', atBar);
    expect([
      await seenBy({ establishments: ['BAR'] }),
      await seenBy({ establishments: ['GMR'] }),
      await seenBy({ establishments: ['LEI'] }),
      await seenBy('none'),
      await seenBy('unrestricted'),
    ]).toEqual([1, 1, 0, 0, 1]);
  });

  it('recorded sentence dates (issue 10, migration 3200): forced too, seen only by the establishments the episode was held in', async () => {
    await expectRowLevelSecurityForced({ ...protectedTables(), tables: ['recorded_sentence_dates'] });
    const recorded = await ctx.lib.post(`/people/${atBar}/episodes/1/recorded-dates`, {
      recordedBecause: 'OFFICIAL_CALCULATION',
      dates: [{ type: 'SED', date: daysFromToday(400), source: 'ESTABLISHMENT_CALCULATION' }],
    });
    expect(recorded.status).toBe(201);
    const seenBy = (scope: DatabaseScope) => rowsSeen(scope, 'recorded_sentence_dates', atBar);
    expect([
      await seenBy({ establishments: ['BAR'] }),
      await seenBy({ establishments: ['GMR'] }),
      await seenBy({ establishments: ['LEI'] }),
      await seenBy('none'),
      await seenBy('unrestricted'),
    ]).toEqual([1, 1, 0, 0, 1]);
  });

  it('temporary absences (issue 10): forced too, seen only by the establishments the episode was held in', async () => {
    await expectRowLevelSecurityForced({ ...protectedTables(), tables: ['temporary_absence'] });
    const out = await ctx.lib.post(`/people/${atBar}/episodes/1/absences`, {
      kind: 'COURT',
      leftAt: minutesAgo(2),
    });
    expect(out.status).toBe(201);
    const seenBy = (scope: DatabaseScope) => rowsSeen(scope, 'temporary_absence', atBar);
    expect([
      await seenBy({ establishments: ['GMR'] }),
      await seenBy({ establishments: ['LEI'] }),
      await seenBy('none'),
      await seenBy('unrestricted'),
    ]).toEqual([1, 0, 0, 1]);
  });

  it('gate arrangements (issue 10): forced too, seen only by the establishments the episode was held in', async () => {
    await expectRowLevelSecurityForced({ ...protectedTables(), tables: ['gate_arrangement'] });
    const recorded = await fetch(`${ctx.lib.base}/people/${atBar}/episodes/1/gate-arrangement`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...(await authorizationOf(SPEC_STAFF)) },
      body: JSON.stringify({
        collectedBy: { kind: 'NOBODY' },
        meetingPoint: 'Main gate',
        meetingTime: '09:00',
        transport: { kind: 'PUBLIC_TRANSPORT' },
        travelWarrant: true,
        firstNight: { kind: 'TEMPORARY_ACCOMMODATION' },
      }),
    });
    expect(recorded.status).toBe(201);
    const seenBy = (scope: DatabaseScope) => rowsSeen(scope, 'gate_arrangement', atBar);
    expect([
      await seenBy({ establishments: ['GMR'] }),
      await seenBy({ establishments: ['LEI'] }),
      await seenBy('none'),
      await seenBy('unrestricted'),
    ]).toEqual([1, 0, 0, 1]);
  });
});
