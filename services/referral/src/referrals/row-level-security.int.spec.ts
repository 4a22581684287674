import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { runWithDatabaseScope, type DatabaseScope } from '@throughcare/platform-persistence';
import {
  expectBareAppRoleSeesNothing,
  expectRowLevelSecurityForced,
  expectUnprivilegedAppRole,
  type ProtectedTables,
} from '@throughcare/platform-persistence/src/testing';
import { AppointmentsService } from '../appointments/appointments.service';
import { loadReferralConfig } from '../config';
import { PROTECTED_TABLES } from '../migrations';
import { NotificationsService } from '../notifications/notifications.service';
import { aNotification, anAgencyId, anAppointment, aReferral } from '../testing/referral.mother';
import { asThePlatformService, startReferralApp } from '../testing/referral-app';
import type { EventsOnBus } from '../testing/events-on-bus';
import { ReferralsService } from './referrals.service';

// Issue 8, the second wall: Postgres row-level security on referrals, their outcomes, first
// appointments (and their schedules), agency notices and webhooks, proven against the running service's own connection (the
// application role) and a bare one.

const config = loadReferralConfig({ ...process.env, PORT: '0' });
const tables = PROTECTED_TABLES;

describe('referral: row-level security on referrals, outcomes, appointments and notices', () => {
  let app: NestFastifyApplication;
  let service: DataSource;
  let bus: EventsOnBus;
  const owner = new Client({ connectionString: config.DATABASE_URL });
  const agencyA = anAgencyId();
  const agencyB = anAgencyId();
  /** Row ids per table per agency. */
  const ids: Record<string, Record<string, string>> = {};

  beforeAll(async () => {
    let serviceDataSource: DataSource;
    ({ app, serviceDataSource, bus } = await startReferralApp(config));
    service = serviceDataSource;
    await owner.connect();
    // Seeded as the journey's activities would: the platform's own work (unrestricted).
    const referrals = asThePlatformService(app.get(ReferralsService));
    const appointments = asThePlatformService(app.get(AppointmentsService));
    const notifications = asThePlatformService(app.get(NotificationsService));
    for (const agencyId of [agencyA, agencyB]) {
      const { referralId } = await referrals.send(aReferral({ agencyId }));
      const { appointmentId } = await appointments.bookFirst(anAppointment({ agencyId }));
      const { notificationId } = await notifications.notify(aNotification({ agencyId }));
      const outcomeId = randomUUID();
      await owner.query(`SET throughcare.unrestricted = 'on'`);
      await owner.query(
        `INSERT INTO referral.referral_outcome (id, referral_id, decision, decided_at, recorded_at, correlation_id)
         VALUES ($1, $2, 'ACCEPTED', now(), now(), 'spec-rls')`,
        [outcomeId, referralId],
      );
      const scheduleId = randomUUID();
      await owner.query(
        `INSERT INTO referral.appointment_schedule (id, appointment_id, starts_at, place_kind, place, change, scheduled_at, scheduled_by, correlation_id)
         VALUES ($1, $2, now() + interval '2 days', 'AGENCY_OFFICE', 'Office', 'FIRST', now(), 'Duty team', 'spec-rls')`,
        [scheduleId, appointmentId],
      );
      const noteId = randomUUID();
      await owner.query(
        `INSERT INTO referral.referral_note (id, referral_id, agency_id, audience, text, written_by, written_at, recorded_at, correlation_id)
         VALUES ($1, $2, $3, 'REFERRER', 'A note', 'Duty team', now(), now(), 'spec-rls')`,
        [noteId, referralId, agencyId],
      );
      const [endpointId, deliveryId, attemptId] = [randomUUID(), randomUUID(), randomUUID()];
      await owner.query(
        `INSERT INTO referral.webhook_endpoint (id, agency_id, url, secret_key_id, secret_sealed, created_at, updated_at)
         VALUES ($1, $2, 'https://hooks.example.org/', 'k', '\\x00'::bytea, now(), now())`,
        [endpointId, agencyId],
      );
      await owner.query(
        `INSERT INTO referral.webhook_delivery (id, endpoint_id, agency_id, message_id, event_type, payload, status, next_attempt_at, created_at)
         VALUES ($1, $2, $3, $4, 'referral.agency.notified', '{}'::jsonb, 'FAILED', now(), now())`,
        [deliveryId, endpointId, agencyId, randomUUID()],
      );
      await owner.query(
        `INSERT INTO referral.webhook_attempt (id, delivery_id, attempt, agency_id, attempted_at, duration_ms, http_status)
         VALUES ($1, $2, 1, $3, now(), 5, 500)`,
        [attemptId, deliveryId, agencyId],
      );
      // A request to engage made by a prison no other spec row names (the prison checks below use BAR).
      const engagementId = randomUUID();
      await owner.query(
        `INSERT INTO referral.engagement_request (id, person_id, episode, establishment_code, requesting_establishment_code, agency_id, body_kind, purpose, requested_by, requested_at, respond_by, status, updated_at, correlation_id)
         VALUES ($1, 'p0123456789abcdef0123', 1, 'ENG', 'ENG', $2, 'LOCAL_AUTHORITY', 'Housing', 'Throughcare team', now(), current_date + 7, 'REQUESTED', now(), 'spec-rls')`,
        [engagementId, agencyId],
      );
      ids[agencyId] = {
        engagement_request: engagementId,
        webhook_endpoint: endpointId,
        webhook_delivery: deliveryId,
        webhook_attempt: attemptId,
        referral: referralId,
        referral_note: noteId,
        referral_outcome: outcomeId,
        appointment: appointmentId,
        agency_notification: notificationId,
        appointment_schedule: scheduleId,
      };
    }
  });

  afterAll(async () => {
    await owner.end();
    await bus?.close();
    await app?.close();
  });

  async function visible(scope: DatabaseScope): Promise<Record<string, string[]>> {
    const seen: Record<string, string[]> = {};
    for (const table of tables) {
      const wanted = [ids[agencyA]![table]!, ids[agencyB]![table]!];
      const rows = (await runWithDatabaseScope(scope, () =>
        service.query(`SELECT id FROM referral.${table} WHERE id = ANY($1::uuid[])`, [wanted]),
      )) as Array<{ id: string }>;
      seen[table] = [agencyA, agencyB].filter((a) => rows.some((r) => r.id === ids[a]![table]));
    }
    return seen;
  }
  const everywhere = (agencies: string[]) => Object.fromEntries(tables.map((t) => [t, agencies]));
  const protectedTables = (): ProtectedTables => ({
    databaseUrl: config.DATABASE_URL,
    owner,
    service,
    schema: 'referral',
    tables,
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
        `SELECT count(*)::int AS n FROM referral.${table} WHERE id = ANY($1::uuid[])`,
        [[ids[agencyA]![table], ids[agencyB]![table]]],
      );
      expect({ table, n: all.rows[0]!.n }).toEqual({ table, n: 2 });
    }
    expect(await visible('none')).toEqual(everywhere([]));
    await expectBareAppRoleSeesNothing(protectedTables());
  });

  it("with an agency as the scope: only that agency's rows", async () => {
    expect(await visible({ agency: agencyA })).toEqual(everywhere([agencyA]));
    expect(await visible({ agency: agencyB })).toEqual(everywhere([agencyB]));
    expect(await visible({ establishments: ['BAR'] })).toEqual(everywhere([]));
    expect(await visible('unrestricted')).toEqual(everywhere([agencyA, agencyB]));
  });

  it("an agency cannot write another agency's rows", async () => {
    const [, affected] = (await runWithDatabaseScope({ agency: agencyA }, () =>
      service.query(`UPDATE referral.referral SET correlation_id = correlation_id WHERE id = $1`, [
        ids[agencyB]!.referral,
      ]),
    )) as [unknown, number];
    expect(affected).toBe(0);
    await expect(
      runWithDatabaseScope({ agency: agencyA }, () =>
        service.query(`UPDATE referral.referral SET agency_id = $2 WHERE id = $1`, [
          ids[agencyA]!.referral,
          agencyB,
        ]),
      ),
    ).rejects.toThrow(/row-level security/);
  });

  it("an agency cannot add a schedule to another agency's appointment (the policy's check through appointment_agency)", async () => {
    const insert = (appointmentId: string) =>
      runWithDatabaseScope({ agency: agencyA }, () =>
        service.query(
          `INSERT INTO referral.appointment_schedule (id, appointment_id, starts_at, place_kind, place, change, scheduled_at, scheduled_by, correlation_id)
           VALUES ($1, $2, now() + interval '1 day', 'AGENCY_OFFICE', 'Office', 'FIRST', now(), 'Duty team', 'spec-rls')`,
          [randomUUID(), appointmentId],
        ),
      );
    await expect(insert(ids[agencyB]!.appointment!)).rejects.toThrow(/row-level security/);
    await expect(insert(ids[agencyA]!.appointment!)).resolves.toBeDefined();
  });

  it("prison staff see the referrals of their prison, their decisions and the notes shared with the referrer, never the agency's own notes", async () => {
    const referrals = asThePlatformService(app.get(ReferralsService));
    const { referralId } = await referrals.send(aReferral({ agencyId: agencyA, establishmentCode: 'GLE' }));
    await owner.query(`SET throughcare.unrestricted = 'on'`);
    const outcomeId = randomUUID();
    await owner.query(
      `INSERT INTO referral.referral_outcome (id, referral_id, decision, decided_at, recorded_at, correlation_id)
       VALUES ($1, $2, 'ACCEPTED', now(), now(), 'spec-rls')`,
      [outcomeId, referralId],
    );
    const [shared, own] = [randomUUID(), randomUUID()];
    for (const [id, audience] of [
      [shared, 'REFERRER'],
      [own, 'AGENCY'],
    ])
      await owner.query(
        `INSERT INTO referral.referral_note (id, referral_id, agency_id, audience, text, written_by, written_at, recorded_at, correlation_id)
         VALUES ($1, $2, $3, $4, 'A note', 'Duty team', now(), now(), 'spec-rls')`,
        [id, referralId, agencyA, audience],
      );
    const seen = async (scope: DatabaseScope) => {
      const ids = async (table: string, wanted: string[]) =>
        (
          (await runWithDatabaseScope(scope, () =>
            service.query(`SELECT id FROM referral.${table} WHERE id = ANY($1::uuid[]) ORDER BY id`, [
              wanted,
            ]),
          )) as Array<{ id: string }>
        ).map((r) => r.id);
      return {
        referral: await ids('referral', [referralId]),
        outcome: await ids('referral_outcome', [outcomeId]),
        notes: await ids('referral_note', [shared, own]),
      };
    };
    expect(await seen({ establishments: ['BAR', 'GLE'] })).toEqual({
      referral: [referralId],
      outcome: [outcomeId],
      notes: [shared],
    });
    expect(await seen({ establishments: ['BAR'] })).toEqual({ referral: [], outcome: [], notes: [] });
    expect(await seen({ agency: agencyA })).toEqual({
      referral: [referralId],
      outcome: [outcomeId],
      notes: [shared, own].sort(),
    });
    // Prison staff read; they cannot write the agency's notes.
    await expect(
      runWithDatabaseScope({ establishments: ['GLE'] }, () =>
        service.query(
          `INSERT INTO referral.referral_note (id, referral_id, agency_id, audience, text, written_by, written_at, recorded_at, correlation_id)
           VALUES ($1, $2, 'someone-else', 'REFERRER', 'Forged', 'Prison', now(), now(), 'spec-rls')`,
          [randomUUID(), referralId],
        ),
      ),
    ).rejects.toThrow(/row-level security/);
    // An agency cannot attach a note to another agency's referral (which that referral's prison reads).
    await expect(
      runWithDatabaseScope({ agency: agencyB }, () =>
        service.query(
          `INSERT INTO referral.referral_note (id, referral_id, agency_id, audience, text, written_by, written_at, recorded_at, correlation_id)
           VALUES ($1, $2, $3, 'REFERRER', 'Forged', 'Team', now(), now(), 'spec-rls')`,
          [randomUUID(), referralId, agencyB],
        ),
      ),
    ).rejects.toThrow(/row-level security/);
    const [, updated] = (await runWithDatabaseScope({ establishments: ['GLE'] }, () =>
      service.query(`UPDATE referral.referral SET correlation_id = 'prison' WHERE id = $1`, [referralId]),
    )) as [unknown, number];
    expect(updated).toBe(0);
  });

  it("prison staff see the appointments booked against their prison's referrals and their schedules, never the journey's own", async () => {
    const referrals = asThePlatformService(app.get(ReferralsService));
    const { referralId } = await referrals.send(aReferral({ agencyId: agencyA, establishmentCode: 'GLE' }));
    await owner.query(`SET throughcare.unrestricted = 'on'`);
    const [booked, scheduleId] = [randomUUID(), randomUUID()];
    await owner.query(
      `INSERT INTO referral.appointment (id, person_id, episode, agency_id, purpose, referral_id, due_by, booked_at, correlation_id)
       SELECT $1, person_id, episode, agency_id, 'REFERRAL_APPOINTMENT', id, now() + interval '1 day', now(), 'spec-rls'
         FROM referral.referral WHERE id = $2`,
      [booked, referralId],
    );
    await owner.query(
      `INSERT INTO referral.appointment_schedule (id, appointment_id, starts_at, place_kind, place, change, scheduled_at, scheduled_by, correlation_id)
       VALUES ($1, $2, now() + interval '1 day', 'PRISON', 'Agents visit room', 'FIRST', now(), 'Duty team', 'spec-rls')`,
      [scheduleId, booked],
    );
    const seen = async (scope: DatabaseScope) => ({
      appointments: (
        (await runWithDatabaseScope(scope, () =>
          service.query(`SELECT id FROM referral.appointment WHERE id = ANY($1::uuid[])`, [
            [booked, ids[agencyA]!.appointment],
          ]),
        )) as Array<{ id: string }>
      ).map((r) => r.id),
      schedules: (
        (await runWithDatabaseScope(scope, () =>
          service.query(`SELECT id FROM referral.appointment_schedule WHERE id = ANY($1::uuid[])`, [
            [scheduleId, ids[agencyA]!.appointment_schedule],
          ]),
        )) as Array<{ id: string }>
      ).map((r) => r.id),
    });
    expect(await seen({ establishments: ['GLE'] })).toEqual({
      appointments: [booked],
      schedules: [scheduleId],
    });
    expect(await seen({ establishments: ['BAR'] })).toEqual({ appointments: [], schedules: [] });
    // An agency cannot book against another agency's referral (its prison would read the booking).
    await expect(
      runWithDatabaseScope({ agency: agencyB }, () =>
        service.query(
          `INSERT INTO referral.appointment (id, person_id, episode, agency_id, purpose, referral_id, due_by, booked_at, correlation_id)
           VALUES ($1, 'p00000000000000000000', 1, $2, 'REFERRAL_APPOINTMENT', $3, now() + interval '1 day', now(), 'spec-rls')`,
          [randomUUID(), agencyB, referralId],
        ),
      ),
    ).rejects.toThrow(/row-level security/);
    const [, moved] = (await runWithDatabaseScope({ establishments: ['GLE'] }, () =>
      service.query(`UPDATE referral.appointment SET correlation_id = 'prison' WHERE id = $1`, [booked]),
    )) as [unknown, number];
    expect(moved).toBe(0);
  });

  it('a request to engage is seen and written by its body and the prison responsible, and a prison cannot hand it to another', async () => {
    const engagement = async (scope: DatabaseScope) =>
      (
        (await runWithDatabaseScope(scope, () =>
          service.query(
            `SELECT agency_id FROM referral.engagement_request WHERE id = ANY($1::uuid[]) ORDER BY agency_id`,
            [[ids[agencyA]!.engagement_request, ids[agencyB]!.engagement_request]],
          ),
        )) as Array<{ agency_id: string }>
      ).map((r) => r.agency_id);
    expect(await engagement({ establishments: ['ENG'] })).toEqual([agencyA, agencyB].sort());
    expect(await engagement({ establishments: ['LOW', 'BAR'] })).toEqual([]);
    expect(await engagement({ agency: agencyA })).toEqual([agencyA]);
    await expect(
      runWithDatabaseScope({ establishments: ['ENG'] }, () =>
        service.query(`UPDATE referral.engagement_request SET establishment_code = 'LOW' WHERE id = $1`, [
          ids[agencyA]!.engagement_request,
        ]),
      ),
    ).rejects.toThrow(/row-level security/);
    const [, affected] = (await runWithDatabaseScope({ establishments: ['LOW'] }, () =>
      service.query(`UPDATE referral.engagement_request SET updated_at = now() WHERE id = $1`, [
        ids[agencyA]!.engagement_request,
      ]),
    )) as [unknown, number];
    expect(affected).toBe(0);
    // Only a prison asks, at its own establishment; nobody deletes one.
    const ask = (scope: DatabaseScope, establishment: string) =>
      runWithDatabaseScope(scope, () =>
        service.query(
          `INSERT INTO referral.engagement_request (id, person_id, episode, establishment_code, requesting_establishment_code, agency_id, body_kind, purpose, requested_by, requested_at, respond_by, status, updated_at, correlation_id)
           VALUES ($1, 'p0123456789abcdef0124', 1, $2, $2, $3, 'LOCAL_AUTHORITY', 'Housing', 'Throughcare team', now(), current_date + 7, 'REQUESTED', now(), 'spec-rls')`,
          [randomUUID(), establishment, agencyA],
        ),
      );
    await expect(ask({ agency: agencyA }, 'ENG')).rejects.toThrow(/row-level security/);
    await expect(ask({ establishments: ['ENG'] }, 'LOW')).rejects.toThrow(/row-level security/);
    await expect(ask({ establishments: ['ENG'] }, 'ENG')).resolves.toBeDefined();
    for (const scope of [{ agency: agencyA }, { establishments: ['ENG'] }] as DatabaseScope[]) {
      const [, deleted] = (await runWithDatabaseScope(scope, () =>
        service.query(`DELETE FROM referral.engagement_request WHERE id = $1`, [
          ids[agencyA]!.engagement_request,
        ]),
      )) as [unknown, number];
      expect(deleted).toBe(0);
    }
  });

  it('protects every table of the schema that names a person (a new table cannot be forgotten)', async () => {
    const rows = await owner.query<{ tablename: string }>(
      `SELECT tablename FROM pg_tables WHERE schemaname = 'referral' ORDER BY tablename`,
    );
    const platform = ['outbox', 'idempotency_key', 'referral_migrations'];
    const unprotected = rows.rows
      .map((r) => r.tablename)
      .filter((t) => !platform.includes(t) && !(tables as readonly string[]).includes(t));
    expect(unprotected).toEqual([]);
  });

  it('keeps recorded facts as they were: the application role may not update or delete outcomes or schedules', async () => {
    for (const table of ['referral_outcome', 'appointment_schedule', 'referral_note'])
      for (const sql of [
        `UPDATE referral.${table} SET correlation_id = 'changed' WHERE id = $1`,
        `DELETE FROM referral.${table} WHERE id = $1`,
      ])
        await expect(
          runWithDatabaseScope({ agency: agencyA }, () => service.query(sql, [ids[agencyA]![table]])),
        ).rejects.toThrow(/permission denied/);
  });
});
