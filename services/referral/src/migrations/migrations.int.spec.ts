import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { createScratchDatabase, type ScratchDatabase } from '@throughcare/testing';
import { ensureSchema, serviceDataSourceOptions } from '@throughcare/platform-persistence';
import { loadReferralConfig, REFERRAL_SCHEMA } from '../config';
import { referralStatus } from '../referrals/referral.state';
import type { ReferralDecision } from '@throughcare/contracts';
import { ReferralStatus1700000000800 } from './1700000000800-referral-status';
import { AppointmentSchedule1700000000900 } from './1700000000900-appointment-schedule';
import {
  REFERRAL_STATUS_WITH_CLOSURE_SQL,
  ReferralClosure1700000001000,
} from './1700000001000-referral-closure';
import { ReferralNotesAndReferrer1700000001100 } from './1700000001100-referral-notes-and-referrer';
import { ReferralAppointments1700000001200 } from './1700000001200-referral-appointments';
import { AppointmentCancelledBy1700000001300 } from './1700000001300-appointment-cancelled-by';
import { AppointmentCancelledByChecks1700000001400 } from './1700000001400-appointment-cancelled-by-checks';
import { AgencyNotificationReleased1700000001500 } from './1700000001500-agency-notification-released';
import { AgencyNotificationRiskEscalated1700000002400 } from './1700000002400-agency-notification-risk-escalated';
import { AgencyNotificationBasis1700000002500 } from './1700000002500-agency-notification-basis';
import { ValidateAgencyNotificationBasis1700000002501 } from './1700000002501-validate-agency-notification-basis';
import { AgencyNotificationMeeting1700000002100 } from './1700000002100-agency-notification-meeting';
import { Webhooks1700000001600 } from './1700000001600-webhooks';
import { WebhookEndpointHealth1700000001700 } from './1700000001700-webhook-endpoint-health';
import { EngagementRequest1700000001800 } from './1700000001800-engagement-request';
import { ReferralLiberationDateAndRisk1700000002000 } from './1700000002000-referral-liberation-date-and-risk';
import {
  REFERRAL_STATUS_WITH_APPOINTMENTS_SQL,
  ReferralAppointmentStatuses1700000002200,
} from './1700000002200-referral-appointment-statuses';
import {
  REFERRAL_STATUS_SQL,
  ReferralStatusAcceptanceInForce1700000002300,
} from './1700000002300-referral-status-acceptance-in-force';
import { referralMigrations } from './index';

const config = loadReferralConfig({ ...process.env, PORT: '0' });

/** Upgrading a database that already holds referrals and decisions, in a database of its own. */
describe('referral migrations (real Postgres)', () => {
  let scratch: ScratchDatabase;
  let url: string;

  beforeAll(async () => {
    scratch = await createScratchDatabase('referral_migration_spec', config.DATABASE_URL);
    url = scratch.url;
    await ensureSchema(url, REFERRAL_SCHEMA);
  });

  afterAll(async () => {
    await scratch?.drop();
  });

  /** As the owner and the platform itself (row-level security is forced on these tables). */
  const open = (migrations: typeof referralMigrations) => {
    const options = serviceDataSourceOptions({ url, schema: REFERRAL_SCHEMA, entities: [], migrations });
    return new DataSource({
      ...options,
      extra: { options: `-c search_path=${REFERRAL_SCHEMA},public -c throughcare.unrestricted=on`, max: 1 },
    } as DataSourceOptions).initialize();
  };

  const sentAt = new Date('2026-11-02T09:00:00Z');
  const minute = (n: number) => new Date(sentAt.getTime() + n * 60_000);

  it('backfills each referral status from its facts (as the lifecycle fold does), then keeps it consistent, and reverts', async () => {
    const before = await open(
      referralMigrations.slice(0, referralMigrations.indexOf(ReferralStatus1700000000800)),
    );
    const cases: Array<{
      name: string;
      acknowledgedAt?: Date;
      decisions?: Array<[ReferralDecision, Date]>;
      withdrawnAt?: Date;
      expected: string;
    }> = [
      { name: 'sent only', expected: 'AWAITING_ACKNOWLEDGEMENT' },
      { name: 'acknowledged', acknowledgedAt: minute(1), expected: 'ACKNOWLEDGED' },
      {
        name: 'decided without an acknowledgement, the later decision reported first',
        decisions: [
          ['ON_WAITING_LIST', minute(10)],
          ['ACCEPTED', minute(5)],
        ],
        expected: 'ON_WAITING_LIST',
      },
      {
        name: 'the agency stopped',
        acknowledgedAt: minute(1),
        decisions: [['WITHDRAWN', minute(3)]],
        expected: 'WITHDRAWN_BY_AGENCY',
      },
      {
        name: 'two decisions of one instant: the later recorded wins',
        acknowledgedAt: minute(1),
        decisions: [
          ['DECLINED', minute(4)],
          ['ACCEPTED', minute(4)],
        ],
        expected: 'ACCEPTED',
      },
      {
        name: 'acknowledged after the decision',
        acknowledgedAt: minute(9),
        decisions: [['DECLINED', minute(4)]],
        expected: 'DECLINED',
      },
      {
        name: 'withdrawn by the referrer',
        acknowledgedAt: minute(1),
        decisions: [['ACCEPTED', minute(2)]],
        withdrawnAt: minute(8),
        expected: 'WITHDRAWN',
      },
    ];
    const ids = new Map<string, string>();
    for (const c of cases) {
      const id = randomUUID();
      ids.set(c.name, id);
      await before.query(
        `INSERT INTO referral.referral (id, person_id, episode, agency_id, pathways, sent_at, acknowledge_by, correlation_id,
           acknowledged_at, acknowledged_by, acknowledgement_recorded_at, withdrawn_at, withdrawal_reason)
         VALUES ($1, $2, 1, 'agency-a', ARRAY['HEALTH'], $3, $3::timestamptz + interval '1 day', 'c',
           $4, CASE WHEN $4::timestamptz IS NULL THEN NULL ELSE 'Duty team' END, $4,
           $5, CASE WHEN $5::timestamptz IS NULL THEN NULL ELSE 'Case closed' END)`,
        [id, `p${randomBytes(10).toString('hex')}`, sentAt, c.acknowledgedAt ?? null, c.withdrawnAt ?? null],
      );
      for (const [decision, decidedAt] of c.decisions ?? [])
        await before.query(
          `INSERT INTO referral.referral_outcome (id, referral_id, decision, reason, decided_at, recorded_at, correlation_id)
           VALUES ($1, $2, $3, $4, $5, now(), 'c')`,
          [
            randomUUID(),
            id,
            decision,
            ['DECLINED', 'WITHDRAWN'].includes(decision) ? 'A reason' : null,
            decidedAt,
          ],
        );
    }
    await before.destroy();

    // Up to the migration under test.
    const after = await open(
      referralMigrations.slice(0, referralMigrations.indexOf(ReferralStatus1700000000800) + 1),
    );
    try {
      for (const c of cases) {
        const id = ids.get(c.name)!;
        const [row] = (await after.query(
          `SELECT status, acknowledged_at AS "acknowledgedAt", withdrawn_at AS "withdrawnAt" FROM referral.referral WHERE id = $1`,
          [id],
        )) as Array<{ status: string; acknowledgedAt: Date | null; withdrawnAt: Date | null }>;
        const outcomes = (await after.query(
          `SELECT decision, decided_at AS "decidedAt", sequence, recorded_at AS "recordedAt" FROM referral.referral_outcome WHERE referral_id = $1`,
          [id],
        )) as Array<{ decision: ReferralDecision; decidedAt: Date; sequence: string; recordedAt: Date }>;
        expect({ name: c.name, status: row!.status }).toEqual({ name: c.name, status: c.expected });
        expect({ name: c.name, fold: referralStatus({ ...row!, closedAt: null }, outcomes, []) }).toEqual({
          name: c.name,
          fold: c.expected,
        });
      }
      // The projection cannot claim a withdrawal the facts do not hold, nor a status the table lacks.
      const id = ids.get('sent only')!;
      await expect(
        after.query(`UPDATE referral.referral SET status = 'WITHDRAWN' WHERE id = $1`, [id]),
      ).rejects.toThrow(/referral_status_withdrawn/);
      await expect(
        after.query(`UPDATE referral.referral SET status = 'CLOSED' WHERE id = $1`, [id]),
      ).rejects.toThrow(/referral_status_known/);

      await after.undoLastMigration({ transaction: 'each' });
      expect(
        await after.query(
          `SELECT count(*)::int AS columns FROM information_schema.columns
            WHERE table_schema = 'referral' AND table_name = 'referral' AND column_name = 'status'`,
        ),
      ).toEqual([{ columns: 0 }]);
    } finally {
      await after.destroy();
    }
  });

  it('adds appointment schedules under row-level security, and reverts', async () => {
    // Up to the migration under test.
    const after = await open(
      referralMigrations.slice(0, referralMigrations.indexOf(AppointmentSchedule1700000000900) + 1),
    );
    try {
      const forced = async () =>
        (await after.query(
          `SELECT relrowsecurity AS enabled, relforcerowsecurity AS forced FROM pg_class WHERE oid = to_regclass('referral.appointment_schedule')`,
        )) as Array<{ enabled: boolean; forced: boolean }>;
      expect(await forced()).toEqual([{ enabled: true, forced: true }]);
      // Its policy goes through the appointment's agency, and nobody but the owner runs that function.
      expect(
        await after.query(
          `SELECT policyname, qual FROM pg_policies WHERE schemaname = 'referral' AND tablename = 'appointment_schedule'`,
        ),
      ).toEqual([
        {
          policyname: 'appointment_schedule_scope',
          qual: expect.stringContaining('appointment_agency(appointment_id)') as string,
        },
      ]);
      expect(
        await after.query(
          `SELECT has_function_privilege('public', 'referral.appointment_agency(uuid)', 'EXECUTE') AS public_may`,
        ),
      ).toEqual([{ public_may: false }]);
      await after.undoLastMigration({ transaction: 'each' });
      expect(await forced()).toEqual([]);
      expect(await after.query(`SELECT to_regprocedure('referral.appointment_agency(uuid)') AS fn`)).toEqual([
        { fn: null },
      ]);
    } finally {
      await after.destroy();
    }
  });

  it('adds the closure: CLOSED exactly while a whole closure is on record, and reverts to ACCEPTED', async () => {
    const after = await open(
      referralMigrations.slice(0, referralMigrations.indexOf(ReferralClosure1700000001000) + 1),
    );
    try {
      const id = randomUUID();
      await after.query(
        `INSERT INTO referral.referral (id, person_id, episode, agency_id, pathways, sent_at, acknowledge_by, correlation_id, status)
         VALUES ($1, $2, 1, 'agency-a', ARRAY['HEALTH'], now(), now() + interval '1 day', 'c', 'ACCEPTED')`,
        [id, `p${randomBytes(10).toString('hex')}`],
      );
      // A status of CLOSED without the closure, a closure without its outcome, an unknown outcome: refused.
      await expect(
        after.query(`UPDATE referral.referral SET status = 'CLOSED' WHERE id = $1`, [id]),
      ).rejects.toThrow(/referral_status_closed/);
      await expect(
        after.query(
          `UPDATE referral.referral SET status = 'CLOSED', closed_at = now(), closed_by = 'Team', closure_recorded_at = now() WHERE id = $1`,
          [id],
        ),
      ).rejects.toThrow(/referral_closure_complete/);
      await expect(
        after.query(
          `UPDATE referral.referral SET status = 'CLOSED', closed_at = now(), closed_by = 'Team', closure_outcome = 'DONE', closure_recorded_at = now() WHERE id = $1`,
          [id],
        ),
      ).rejects.toThrow(/closure_outcome_check/);
      await after.query(
        `UPDATE referral.referral SET status = 'CLOSED', closed_at = now(), closed_by = 'Team', closure_outcome = 'ACHIEVED', closure_recorded_at = now() WHERE id = $1`,
        [id],
      );
      // The reconciliation rule knows closures (migration 800's, frozen before them, does not).
      await after.query(
        `UPDATE referral.referral r SET status = ${REFERRAL_STATUS_WITH_CLOSURE_SQL} WHERE id = $1`,
        [id],
      );
      expect(await after.query(`SELECT status FROM referral.referral WHERE id = $1`, [id])).toEqual([
        { status: 'CLOSED' },
      ]);

      await after.undoLastMigration({ transaction: 'each' });
      expect(await after.query(`SELECT status FROM referral.referral WHERE id = $1`, [id])).toEqual([
        { status: 'ACCEPTED' },
      ]);
      expect(
        await after.query(
          `SELECT count(*)::int AS columns FROM information_schema.columns
            WHERE table_schema = 'referral' AND table_name = 'referral' AND column_name LIKE 'clos%'`,
        ),
      ).toEqual([{ columns: 0 }]);
      await expect(
        after.query(`UPDATE referral.referral SET status = 'CLOSED' WHERE id = $1`, [id]),
      ).rejects.toThrow(/referral_status_known/);
    } finally {
      await after.destroy();
    }
  });

  it('adds case notes and the prison read (read-only policies), keeps existing referrals with no prison, and reverts', async () => {
    const after = await open(
      referralMigrations.slice(0, referralMigrations.indexOf(ReferralNotesAndReferrer1700000001100) + 1),
    );
    try {
      const id = randomUUID();
      await after.query(
        `INSERT INTO referral.referral (id, person_id, episode, agency_id, pathways, sent_at, acknowledge_by, correlation_id, status)
         VALUES ($1, $2, 1, 'agency-a', ARRAY['HEALTH'], now(), now() + interval '1 day', 'c', 'AWAITING_ACKNOWLEDGEMENT')`,
        [id, `p${randomBytes(10).toString('hex')}`],
      );
      expect(
        await after.query(`SELECT establishment_code FROM referral.referral WHERE id = $1`, [id]),
      ).toEqual([{ establishment_code: null }]);
      await expect(
        after.query(`UPDATE referral.referral SET establishment_code = 'bar' WHERE id = $1`, [id]),
      ).rejects.toThrow(/establishment_code_check/);
      const policies = async () =>
        (await after.query(
          `SELECT tablename, policyname, cmd FROM pg_policies
            WHERE schemaname = 'referral' AND tablename IN ('referral', 'referral_outcome', 'referral_note')
            ORDER BY tablename, policyname`,
        )) as Array<{ tablename: string; policyname: string; cmd: string }>;
      expect(await policies()).toEqual([
        { tablename: 'referral', policyname: 'referral_prison_read', cmd: 'SELECT' },
        { tablename: 'referral', policyname: 'referral_scope', cmd: 'ALL' },
        { tablename: 'referral_note', policyname: 'referral_note_prison_read', cmd: 'SELECT' },
        { tablename: 'referral_note', policyname: 'referral_note_scope', cmd: 'ALL' },
        { tablename: 'referral_outcome', policyname: 'referral_outcome_prison_read', cmd: 'SELECT' },
        { tablename: 'referral_outcome', policyname: 'referral_outcome_scope', cmd: 'ALL' },
      ]);
      expect(
        await after.query(
          `SELECT has_function_privilege('public', 'referral.referral_establishment(uuid)', 'EXECUTE') AS public_may`,
        ),
      ).toEqual([{ public_may: false }]);
      await expect(
        after.query(
          `INSERT INTO referral.referral_note (id, referral_id, agency_id, audience, text, written_by, written_at, recorded_at, correlation_id)
           VALUES ($1, $2, 'agency-a', 'EVERYONE', 'x', 'Team', now(), now(), 'c')`,
          [randomUUID(), id],
        ),
      ).rejects.toThrow(/audience_check/);

      await after.undoLastMigration({ transaction: 'each' });
      expect(await policies()).toEqual([
        { tablename: 'referral', policyname: 'referral_scope', cmd: 'ALL' },
        { tablename: 'referral_outcome', policyname: 'referral_outcome_scope', cmd: 'ALL' },
      ]);
      expect(
        await after.query(
          `SELECT to_regclass('referral.referral_note') AS notes, to_regprocedure('referral.referral_establishment(uuid)') AS fn`,
        ),
      ).toEqual([{ notes: null, fn: null }]);
      expect(
        await after.query(
          `SELECT count(*)::int AS columns FROM information_schema.columns
            WHERE table_schema = 'referral' AND table_name = 'referral' AND column_name = 'establishment_code'`,
        ),
      ).toEqual([{ columns: 0 }]);
    } finally {
      await after.destroy();
    }
  });

  it('ties appointments to referrals (REFERRAL_APPOINTMENT exactly when it names one), takes PRISON places, and reverts without them', async () => {
    const after = await open(
      referralMigrations.slice(0, referralMigrations.indexOf(ReferralAppointments1700000001200) + 1),
    );
    try {
      const [referralId, journeys, agencys] = [randomUUID(), randomUUID(), randomUUID()];
      await after.query(
        `INSERT INTO referral.referral (id, person_id, episode, agency_id, pathways, sent_at, acknowledge_by, correlation_id, status)
         VALUES ($1, $2, 1, 'agency-a', ARRAY['HEALTH'], now(), now() + interval '1 day', 'c', 'ACCEPTED')`,
        [referralId, `p${randomBytes(10).toString('hex')}`],
      );
      const appointment = (id: string, purpose: string, referral: string | null) =>
        after.query(
          `INSERT INTO referral.appointment (id, person_id, episode, agency_id, purpose, referral_id, due_by, booked_at, correlation_id)
           VALUES ($1, 'p00000000000000000000', 1, 'agency-a', $2, $3, now() + interval '1 day', now(), 'c')`,
          [id, purpose, referral],
        );
      await expect(appointment(randomUUID(), 'REFERRAL_APPOINTMENT', null)).rejects.toThrow(
        /appointment_referral_purpose/,
      );
      await expect(appointment(randomUUID(), 'FIRST_APPOINTMENT', referralId)).rejects.toThrow(
        /appointment_referral_purpose/,
      );
      await appointment(journeys, 'FIRST_APPOINTMENT', null);
      await appointment(agencys, 'REFERRAL_APPOINTMENT', referralId);
      for (const id of [journeys, agencys])
        await after.query(
          `INSERT INTO referral.appointment_schedule (id, appointment_id, starts_at, place_kind, place, change, scheduled_at, scheduled_by, correlation_id)
           VALUES ($1, $2, now() + interval '1 day', 'PRISON', 'Room 2', 'FIRST', now(), 'Team', 'c')`,
          [randomUUID(), id],
        );

      await after.undoLastMigration({ transaction: 'each' });
      expect(
        await after.query(`SELECT id FROM referral.appointment WHERE id = ANY($1::uuid[])`, [
          [journeys, agencys],
        ]),
      ).toEqual([{ id: journeys }]);
      expect(
        await after.query(`SELECT place_kind FROM referral.appointment_schedule WHERE appointment_id = $1`, [
          journeys,
        ]),
      ).toEqual([{ place_kind: 'OTHER' }]);
      expect(
        await after.query(`SELECT to_regprocedure('referral.appointment_establishment(uuid)') AS fn`),
      ).toEqual([{ fn: null }]);
    } finally {
      await after.destroy();
    }
  });

  it('keeps who cancelled an appointment, only on a cancelled one, and reverts', async () => {
    const after = await open(
      referralMigrations.slice(0, referralMigrations.indexOf(AppointmentCancelledBy1700000001300) + 1),
    );
    try {
      const [open_, cancelled] = [randomUUID(), randomUUID()];
      const appointment = (id: string, cancelledAt: string | null, by: string | null) =>
        after.query(
          `INSERT INTO referral.appointment (id, person_id, episode, agency_id, purpose, due_by, booked_at, correlation_id, cancelled_at, cancellation_reason, cancelled_by)
           VALUES ($1, 'p00000000000000000000', 1, 'agency-a', 'FIRST_APPOINTMENT', now() + interval '1 day', now(), 'c', $2, $3, $4)`,
          [id, cancelledAt, cancelledAt ? 'OTHER' : null, by],
        );
      await expect(appointment(randomUUID(), null, 'Duty team')).rejects.toThrow(
        /appointment_cancelled_by_when_cancelled/,
      );
      await appointment(open_, null, null);
      await appointment(cancelled, new Date().toISOString(), 'Duty team');
      await after.undoLastMigration({ transaction: 'each' });
      expect(
        await after.query(
          `SELECT count(*)::int AS n FROM information_schema.columns
            WHERE table_schema = 'referral' AND table_name = 'appointment' AND column_name = 'cancelled_by'`,
        ),
      ).toEqual([{ n: 0 }]);
      expect(
        await after.query(
          `SELECT id, cancellation_reason FROM referral.appointment WHERE id = ANY($1::uuid[]) ORDER BY cancelled_at NULLS FIRST`,
          [[open_, cancelled]],
        ),
      ).toEqual([
        { id: open_, cancellation_reason: null },
        { id: cancelled, cancellation_reason: 'OTHER' },
      ]);
    } finally {
      await after.destroy();
    }
  });

  it('takes who cancelled only as a role or team, on an appointment booked against a referral, and reverts', async () => {
    const after = await open(
      referralMigrations.slice(0, referralMigrations.indexOf(AppointmentCancelledByChecks1700000001400) + 1),
    );
    try {
      const referralId = randomUUID();
      await after.query(
        `INSERT INTO referral.referral (id, person_id, episode, agency_id, pathways, sent_at, acknowledge_by, correlation_id, status)
         VALUES ($1, $2, 1, 'agency-a', ARRAY['HEALTH'], now(), now() + interval '1 day', 'c', 'ACCEPTED')`,
        [referralId, `p${randomBytes(10).toString('hex')}`],
      );
      const cancelled = (purpose: string, referral: string | null, by: string) =>
        after.query(
          `INSERT INTO referral.appointment (id, person_id, episode, agency_id, purpose, referral_id, due_by, booked_at, correlation_id, cancelled_at, cancellation_reason, cancelled_by)
           VALUES ($1, 'p00000000000000000000', 1, 'agency-a', $2, $3, now() + interval '1 day', now(), 'c', now(), 'OTHER', $4)`,
          [randomUUID(), purpose, referral, by],
        );
      await cancelled('REFERRAL_APPOINTMENT', referralId, 'Duty team');
      await expect(cancelled('FIRST_APPOINTMENT', null, 'Duty team')).rejects.toThrow(
        /appointment_cancelled_by_referral/,
      );
      await expect(cancelled('REFERRAL_APPOINTMENT', referralId, '')).rejects.toThrow(
        /appointment_cancelled_by_length/,
      );
      await after.undoLastMigration({ transaction: 'each' });
      await cancelled('FIRST_APPOINTMENT', null, 'Duty team');
      // Leave the scratch database as 1400 can be applied to again (the next case migrates to the end).
      await after.query(
        `DELETE FROM referral.appointment WHERE cancelled_by IS NOT NULL AND referral_id IS NULL`,
      );
    } finally {
      await after.destroy();
    }
  });

  it('takes release notices naming the day and the establishment, and reverts without them', async () => {
    const after = await open(
      referralMigrations.slice(0, referralMigrations.indexOf(AgencyNotificationReleased1700000001500) + 1),
    );
    try {
      const notice = (subject: string, liberationDate: string | null, establishmentCode: string | null) =>
        after.query(
          `INSERT INTO referral.agency_notification (id, person_id, episode, agency_id, subject, message, liberation_date, establishment_code, notified_at, correlation_id)
           VALUES ($1, 'p00000000000000000000', 1, 'agency-a', $2, 'A notice.', $3, $4, now(), 'c')`,
          [randomUUID(), subject, liberationDate, establishmentCode],
        );
      await notice('RELEASED', '2026-12-04', 'BAR');
      await expect(notice('RELEASED', null, 'BAR')).rejects.toThrow(
        /agency_notification_release_names_date_and_establishment/,
      );
      await expect(notice('RELEASED', '2026-12-04', null)).rejects.toThrow(
        /agency_notification_release_names_date_and_establishment/,
      );
      await expect(notice('SET_FREE', '2026-12-04', 'BAR')).rejects.toThrow(/agency_notification_subject/);
      await after.undoLastMigration({ transaction: 'each' });
      expect(
        await after.query(
          `SELECT count(*)::int AS n FROM referral.agency_notification WHERE subject = 'RELEASED'`,
        ),
      ).toEqual([{ n: 0 }]);
      await expect(notice('RELEASED', '2026-12-04', 'BAR')).rejects.toThrow(/agency_notification_subject/);
      await notice('CASE_CLOSED', null, null);
    } finally {
      await after.destroy();
    }
  });

  it('adds webhook endpoints, deliveries and their log under row-level security, one delivery per endpoint and event, and reverts', async () => {
    const after = await open(
      referralMigrations.slice(0, referralMigrations.indexOf(Webhooks1700000001600) + 1),
    );
    try {
      const tables = async () =>
        (await after.query(
          `SELECT c.relname AS name, c.relrowsecurity AS rls, c.relforcerowsecurity AS forced
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = 'referral' AND c.relname LIKE 'webhook_%' AND c.relkind = 'r' ORDER BY 1`,
        )) as Array<{ name: string; rls: boolean; forced: boolean }>;
      expect(await tables()).toEqual(
        ['webhook_attempt', 'webhook_delivery', 'webhook_endpoint'].map((name) => ({
          name,
          rls: true,
          forced: true,
        })),
      );
      const endpointId = randomUUID();
      await after.query(
        `INSERT INTO referral.webhook_endpoint (id, agency_id, url, secret_key_id, secret_sealed, created_at, updated_at)
         VALUES ($1, 'agency-a', 'https://hooks.example.org/', 'k', '\\x00'::bytea, now(), now())`,
        [endpointId],
      );
      const delivery = () =>
        after.query(
          `INSERT INTO referral.webhook_delivery (id, endpoint_id, agency_id, message_id, event_type, payload, status, next_attempt_at, created_at)
           VALUES ($1, $2, 'agency-a', 'event-1', 'referral.agency.notified', '{}'::jsonb, 'PENDING', now(), now())`,
          [randomUUID(), endpointId],
        );
      await delivery();
      await expect(delivery()).rejects.toThrow(/webhook_delivery_endpoint_id_message_id_key/);
      await expect(
        after.query(
          `INSERT INTO referral.webhook_endpoint (id, agency_id, url, secret_key_id, secret_sealed, created_at, updated_at, previous_secret_sealed)
           VALUES ($1, 'agency-a', 'https://hooks.example.org/', 'k', '\\x00'::bytea, now(), now(), '\\x01'::bytea)`,
          [randomUUID()],
        ),
      ).rejects.toThrow(/check/);
      await after.undoLastMigration({ transaction: 'each' });
      expect(await tables()).toEqual([]);
    } finally {
      await after.destroy();
    }
  });

  it('endpoint health: an endpoint disabled before it was disabled by its agency; a disabled one names why, an enabled one does not; delivery times kept to the millisecond; reverts', async () => {
    const before = await open(
      referralMigrations.slice(0, referralMigrations.indexOf(Webhooks1700000001600) + 1),
    );
    const [enabledId, disabledId] = [randomUUID(), randomUUID()];
    try {
      for (const [id, disabledAt] of [
        [enabledId, null],
        [disabledId, '2026-12-01T10:00:00Z'],
      ] as const)
        await before.query(
          `INSERT INTO referral.webhook_endpoint (id, agency_id, url, secret_key_id, secret_sealed, created_at, updated_at, disabled_at)
           VALUES ($1, 'agency-a', 'https://hooks.example.org/', 'k', '\\x00'::bytea, now(), now(), $2)`,
          [id, disabledAt],
        );
      await before.query(
        `INSERT INTO referral.webhook_delivery (id, endpoint_id, agency_id, message_id, event_type, payload, status, next_attempt_at, created_at)
         VALUES ($1, $2, 'agency-a', 'event-1', 'referral.agency.notified', '{}'::jsonb, 'PENDING', now(), '2026-12-01T10:00:00.123456Z')`,
        [randomUUID(), enabledId],
      );
    } finally {
      await before.destroy();
    }
    const after = await open(
      referralMigrations.slice(0, referralMigrations.indexOf(WebhookEndpointHealth1700000001700) + 1),
    );
    try {
      expect(
        await after.query(
          `SELECT id, disabled_reason AS reason, failing_since AS since FROM referral.webhook_endpoint WHERE id = ANY($1::uuid[]) ORDER BY disabled_at NULLS FIRST`,
          [[enabledId, disabledId]],
        ),
      ).toEqual([
        { id: enabledId, reason: null, since: null },
        { id: disabledId, reason: 'BY_AGENCY', since: null },
      ]);
      expect(
        await after.query(
          `SELECT to_char(created_at AT TIME ZONE 'UTC', 'SS.US') AS at, redelivery_requested_at AS asked FROM referral.webhook_delivery WHERE endpoint_id = $1`,
          [enabledId],
        ),
      ).toEqual([{ at: '00.123000', asked: null }]);
      await expect(
        after.query(`UPDATE referral.webhook_endpoint SET disabled_at = now() WHERE id = $1`, [enabledId]),
      ).rejects.toThrow(/webhook_endpoint_disabled_has_reason/);
      await expect(
        after.query(`UPDATE referral.webhook_endpoint SET disabled_reason = 'FAILING' WHERE id = $1`, [
          enabledId,
        ]),
      ).rejects.toThrow(/webhook_endpoint_disabled_has_reason/);
      await expect(
        after.query(`UPDATE referral.webhook_endpoint SET disabled_reason = 'BROKEN' WHERE id = $1`, [
          disabledId,
        ]),
      ).rejects.toThrow(/check/);
      await after.query(
        `UPDATE referral.webhook_endpoint SET disabled_at = now(), disabled_reason = 'FAILING', failing_since = now() WHERE id = $1`,
        [enabledId],
      );
      await after.undoLastMigration({ transaction: 'each' });
      const columns = (await after.query(
        `SELECT column_name AS name FROM information_schema.columns
          WHERE table_schema = 'referral' AND table_name IN ('webhook_endpoint', 'webhook_delivery')
            AND column_name IN ('failing_since', 'disabled_reason', 'redelivery_requested_at')`,
      )) as unknown[];
      expect(columns).toEqual([]);
    } finally {
      await after.destroy();
    }
  });
  it('adds engagement requests: each fact whole, one open request per body, person and episode, under row-level security; reverts', async () => {
    const db = await open(
      referralMigrations.slice(0, referralMigrations.indexOf(EngagementRequest1700000001800) + 1),
    );
    const insert = (id: string, fields: Record<string, unknown> = {}) => {
      const row: Record<string, unknown> = {
        id,
        person_id: 'p0123456789abcdef0123',
        episode: 1,
        establishment_code: 'BAR',
        requesting_establishment_code: 'BAR',
        agency_id: 'agency-la',
        body_kind: 'LOCAL_AUTHORITY',
        purpose: 'Housing on release',
        requested_by: 'Throughcare team',
        requested_at: '2026-12-01T10:00:00Z',
        respond_by: '2026-12-10',
        status: 'REQUESTED',
        updated_at: '2026-12-01T10:00:00Z',
        correlation_id: 'c',
        ...fields,
      };
      const columns = Object.keys(row);
      return db.query(
        `INSERT INTO referral.engagement_request (${columns.join(', ')}) VALUES (${columns.map((_, n) => `$${n + 1}`).join(', ')})`,
        Object.values(row),
      );
    };
    try {
      const first = randomUUID();
      await insert(first);
      // A second open request to the same body for the same person and episode.
      await expect(insert(randomUUID(), { status: 'REQUESTED' })).rejects.toThrow(
        /engagement_request_one_open_idx/,
      );
      // Facts whole: an answer names who and when; CANNOT_ENGAGE its reason; ENGAGED when and how.
      await expect(insert(randomUUID(), { agency_id: 'b', status: 'WILL_ENGAGE' })).rejects.toThrow(
        /engagement_request_answered/,
      );
      const answered = (answer: string) => ({
        answer,
        answered_at: '2026-12-02T10:00:00Z',
        answer_recorded_at: '2026-12-02T10:05:00Z',
        answered_by: 'Duty team',
      });
      await expect(
        insert(randomUUID(), { agency_id: 'c', status: 'CANNOT_ENGAGE', ...answered('CANNOT_ENGAGE') }),
      ).rejects.toThrow(/engagement_request_cannot_has_reason/);
      await expect(
        insert(randomUUID(), { agency_id: 'd', status: 'ENGAGED', ...answered('WILL_ENGAGE') }),
      ).rejects.toThrow(/engagement_request_engaged/);
      // An engagement recorded on a request not ENGAGED, or without its summary.
      await expect(
        insert(randomUUID(), {
          agency_id: 'd2',
          status: 'WILL_ENGAGE',
          ...answered('WILL_ENGAGE'),
          engaged_at: '2026-12-03T10:00:00Z',
          engagement_mode: 'MEETING',
          engagement_summary: 'Met',
        }),
      ).rejects.toThrow(/engagement_request_engaged/);
      await expect(
        insert(randomUUID(), {
          agency_id: 'd3',
          status: 'ENGAGED',
          ...answered('WILL_ENGAGE'),
          engaged_at: '2026-12-03T10:00:00Z',
          engagement_mode: 'MEETING',
        }),
      ).rejects.toThrow(/engagement_request_engaged/);
      // A contact with no answer; an answer dated before the request; withdrawn after CANNOT_ENGAGE.
      await expect(insert(randomUUID(), { agency_id: 'd4', contact: 'Duty officer' })).rejects.toThrow(
        /engagement_request_answered/,
      );
      await expect(
        insert(randomUUID(), {
          agency_id: 'd5',
          status: 'WILL_ENGAGE',
          ...answered('WILL_ENGAGE'),
          answered_at: '2026-11-30T10:00:00Z',
        }),
      ).rejects.toThrow(/engagement_request_answered/);
      await expect(
        insert(randomUUID(), {
          agency_id: 'd6',
          status: 'WITHDRAWN',
          ...answered('CANNOT_ENGAGE'),
          answer_reason: 'No capacity',
          withdrawn_at: '2026-12-03T10:00:00Z',
          withdrawal_reason: 'Released',
        }),
      ).rejects.toThrow(/engagement_request_answered/);
      await insert(randomUUID(), {
        agency_id: 'd7',
        status: 'ENGAGED',
        ...answered('WILL_ENGAGE'),
        contact: 'Duty officer',
        engaged_at: '2026-12-03T10:00:00Z',
        engagement_mode: 'MEETING',
        engagement_summary: 'Met at the prison',
      });
      await expect(insert(randomUUID(), { agency_id: 'e', status: 'WITHDRAWN' })).rejects.toThrow(
        /engagement_request_withdrawn/,
      );
      await expect(insert(randomUUID(), { agency_id: 'f', body_kind: 'CHURCH' })).rejects.toThrow(/check/);
      // Withdrawn after a WILL_ENGAGE: the answer is kept; a new open request may then stand.
      await db.query(
        `UPDATE referral.engagement_request SET status = 'WITHDRAWN', withdrawn_at = now(), withdrawal_reason = 'Released' WHERE id = $1`,
        [first],
      );
      await insert(randomUUID());

      expect(
        await db.query(
          `SELECT relrowsecurity AS rls, relforcerowsecurity AS forced FROM pg_class
            WHERE oid = 'referral.engagement_request'::regclass`,
        ),
      ).toEqual([{ rls: true, forced: true }]);

      await db.undoLastMigration({ transaction: 'each' });
      expect(
        await db.query(
          `SELECT 1 FROM information_schema.tables WHERE table_schema = 'referral' AND table_name = 'engagement_request'`,
        ),
      ).toEqual([]);
    } finally {
      await db.destroy();
    }
  });
  it('adds the liberation date and the risk of serious harm to referrals (a known level or none), and reverts', async () => {
    const after = await open(
      referralMigrations.slice(0, referralMigrations.indexOf(ReferralLiberationDateAndRisk1700000002000) + 1),
    );
    try {
      const referral = (liberationDate: string | null, risk: string | null) =>
        after.query(
          `INSERT INTO referral.referral (id, person_id, episode, agency_id, pathways, sent_at, acknowledge_by, correlation_id, status, liberation_date, risk_of_serious_harm)
           VALUES ($1, 'p00000000000000000000', 1, 'agency-a', '{ACCOMMODATION}', now(), now(), 'c', 'AWAITING_ACKNOWLEDGEMENT', $2, $3)`,
          [randomUUID(), liberationDate, risk],
        );
      await referral('2027-01-15', 'VERY_HIGH');
      await referral(null, null);
      await expect(referral('2027-01-15', 'EXTREME')).rejects.toThrow(/referral_risk_of_serious_harm/);
      await after.undoLastMigration({ transaction: 'each' });
      expect(
        await after.query(
          `SELECT column_name FROM information_schema.columns WHERE table_schema = 'referral' AND table_name = 'referral' AND column_name IN ('liberation_date', 'risk_of_serious_harm')`,
        ),
      ).toEqual([]);
    } finally {
      await after.destroy();
    }
  });

  it('takes a changed date’s pre-release meeting as a day and a prison together, and reverts without them', async () => {
    const after = await open(
      referralMigrations.slice(0, referralMigrations.indexOf(AgencyNotificationMeeting1700000002100) + 1),
    );
    try {
      const notice = (date: string | null, establishmentCode: string | null) =>
        after.query(
          `INSERT INTO referral.agency_notification (id, person_id, episode, agency_id, subject, message, liberation_date, pre_release_meeting_date, pre_release_meeting_establishment_code, notified_at, correlation_id)
           VALUES ($1, 'p00000000000000000000', 1, 'agency-meeting', 'LIBERATION_DATE_CHANGED', 'A notice.', '2026-07-14', $2, $3, now(), 'c')`,
          [randomUUID(), date, establishmentCode],
        );
      await notice('2026-06-30', 'GLE');
      await notice(null, null);
      await expect(notice('2026-06-30', null)).rejects.toThrow(/agency_notification_meeting_date_and_place/);
      await expect(notice(null, 'GLE')).rejects.toThrow(/agency_notification_meeting_date_and_place/);
      await expect(notice('2026-06-30', 'Glenochil')).rejects.toThrow(
        /agency_notification_meeting_establishment/,
      );
      await after.undoLastMigration({ transaction: 'each' });
      const columns = (await after.query(
        `SELECT column_name FROM information_schema.columns WHERE table_schema = 'referral' AND table_name = 'agency_notification' AND column_name LIKE 'pre_release_meeting%'`,
      )) as unknown[];
      expect(columns).toEqual([]);
      expect(
        await after.query(
          `SELECT count(*)::int AS n FROM referral.agency_notification WHERE agency_id = 'agency-meeting'`,
        ),
      ).toEqual([{ n: 2 }]);
    } finally {
      await after.destroy();
    }
  });

  it('folds the appointments into accepted referrals (booked, attended, not attended), backfills them from their facts as the lifecycle does (2200, corrected by 2300), and reverts to ACCEPTED', async () => {
    const before = await open(
      referralMigrations.slice(0, referralMigrations.indexOf(ReferralAppointmentStatuses1700000002200)),
    );
    /** Minutes from sentAt; an attendance recorded when dated unless `recorded` says otherwise. */
    type Visit = { booked: number; attended?: [string, number]; recorded?: number; cancelled?: number };
    const cases: Array<{
      name: string;
      /** Each decision when decided, and when recorded (now, unless given). */
      decisions: Array<[ReferralDecision, number] | [ReferralDecision, number, number]>;
      visits: Visit[];
      closed?: number;
      withdrawn?: number;
      /** The status by the rule of 2300 (the lifecycle's). */
      expected: string;
      /** The status 2200's rule gave, where it differs. */
      by2200?: string;
    }> = [
      {
        name: 'accepted again while an appointment was live, its attendance recorded after, dated before',
        decisions: [
          ['ACCEPTED', 2, 2],
          ['ON_WAITING_LIST', 15, 15],
          ['ACCEPTED', 16, 16],
        ],
        visits: [{ booked: 3, attended: ['YES', 14], recorded: 18 }],
        expected: 'ATTENDED',
        by2200: 'ACCEPTED',
      },
      {
        name: 'accepted again, an attendance recorded before the re-acceptance was',
        decisions: [
          ['ACCEPTED', 2, 2],
          ['ON_WAITING_LIST', 15, 15],
          ['ACCEPTED', 16, 30],
        ],
        visits: [{ booked: 3, attended: ['NO', 14], recorded: 20 }],
        expected: 'ACCEPTED',
      },
      { name: 'accepted, nothing booked', decisions: [['ACCEPTED', 2]], visits: [], expected: 'ACCEPTED' },
      {
        name: 'accepted, one booked',
        decisions: [['ACCEPTED', 2]],
        visits: [{ booked: 3 }],
        expected: 'APPOINTMENT_BOOKED',
      },
      {
        name: 'attended',
        decisions: [['ACCEPTED', 2]],
        visits: [{ booked: 3, attended: ['YES', 10] }],
        expected: 'ATTENDED',
      },
      {
        name: 'attended late, then another booked',
        decisions: [['ACCEPTED', 2]],
        visits: [{ booked: 3, attended: ['LATE', 10] }, { booked: 12 }],
        expected: 'APPOINTMENT_BOOKED',
      },
      {
        name: 'attended, then missed the next',
        decisions: [['ACCEPTED', 2]],
        visits: [
          { booked: 3, attended: ['YES', 10] },
          { booked: 11, attended: ['NO', 20] },
        ],
        expected: 'NOT_ATTENDED',
      },
      {
        name: 'missed, the next cancelled',
        decisions: [['ACCEPTED', 2]],
        visits: [
          { booked: 3, attended: ['NO', 10] },
          { booked: 11, cancelled: 12 },
        ],
        expected: 'NOT_ATTENDED',
      },
      {
        name: 'the only appointment cancelled',
        decisions: [['ACCEPTED', 2]],
        visits: [{ booked: 3, cancelled: 4 }],
        expected: 'ACCEPTED',
      },
      {
        name: 'attended, then waiting-listed and accepted again',
        decisions: [
          ['ACCEPTED', 2],
          ['ON_WAITING_LIST', 15],
          ['ACCEPTED', 16],
        ],
        visits: [{ booked: 3, attended: ['YES', 10] }],
        expected: 'ACCEPTED',
      },
      {
        name: 'on the waiting list with an appointment still booked',
        decisions: [
          ['ACCEPTED', 2],
          ['ON_WAITING_LIST', 5],
        ],
        visits: [{ booked: 3 }],
        expected: 'ON_WAITING_LIST',
      },
      {
        name: 'closed after attending',
        decisions: [['ACCEPTED', 2]],
        visits: [{ booked: 3, attended: ['YES', 10] }],
        closed: 20,
        expected: 'CLOSED',
      },
      {
        name: 'withdrawn with an appointment cancelled by the cascade',
        decisions: [['ACCEPTED', 2]],
        visits: [{ booked: 3, cancelled: 8 }],
        withdrawn: 8,
        expected: 'WITHDRAWN',
      },
    ];
    const ids = new Map<string, string>();
    try {
      for (const c of cases) {
        const id = randomUUID();
        ids.set(c.name, id);
        const status = c.withdrawn !== undefined ? 'WITHDRAWN' : c.closed !== undefined ? 'CLOSED' : null;
        await before.query(
          `INSERT INTO referral.referral (id, person_id, episode, agency_id, pathways, sent_at, acknowledge_by, correlation_id,
             acknowledged_at, acknowledged_by, acknowledgement_recorded_at, withdrawn_at, withdrawal_reason,
             closed_at, closed_by, closure_outcome, closure_recorded_at, status)
           VALUES ($1, 'p00000000000000000000', 1, 'agency-a', ARRAY['HEALTH'], $2, $2::timestamptz + interval '1 day', 'c',
             $3, 'Duty team', $3,
             $4, CASE WHEN $4::timestamptz IS NULL THEN NULL ELSE 'Case closed' END,
             $5, CASE WHEN $5::timestamptz IS NULL THEN NULL ELSE 'Team' END,
             CASE WHEN $5::timestamptz IS NULL THEN NULL ELSE 'ACHIEVED' END, $5, COALESCE($6, 'ACCEPTED'))`,
          [
            id,
            sentAt,
            minute(1),
            c.withdrawn !== undefined ? minute(c.withdrawn) : null,
            c.closed !== undefined ? minute(c.closed) : null,
            status,
          ],
        );
        for (const [decision, at, recorded] of c.decisions)
          await before.query(
            `INSERT INTO referral.referral_outcome (id, referral_id, decision, reason, decided_at, recorded_at, correlation_id)
             VALUES ($1, $2, $3, NULL, $4, COALESCE($5, now()), 'c')`,
            [randomUUID(), id, decision, minute(at), recorded === undefined ? null : minute(recorded)],
          );
        for (const v of c.visits)
          await before.query(
            `INSERT INTO referral.appointment (id, person_id, episode, agency_id, purpose, referral_id, due_by, booked_at, correlation_id,
               attendance, attended_at, non_attendance_reason, attendance_recorded_at, attendance_recorded_by,
               cancelled_at, cancellation_reason)
             VALUES ($1, 'p00000000000000000000', 1, 'agency-a', 'REFERRAL_APPOINTMENT', $2, $3, $3, 'c',
               $4::text, $5::timestamptz, CASE WHEN $4::text = 'NO' THEN 'POP_UNACCEPTABLE' END, COALESCE($7, $5), CASE WHEN $4::text IS NULL THEN NULL ELSE 'Team' END,
               $6, CASE WHEN $6::timestamptz IS NULL THEN NULL ELSE 'NO_LONGER_NEEDED' END)`,
            [
              randomUUID(),
              id,
              minute(v.booked),
              v.attended?.[0] ?? null,
              v.attended ? minute(v.attended[1]) : null,
              v.cancelled !== undefined ? minute(v.cancelled) : null,
              v.recorded !== undefined ? minute(v.recorded) : null,
            ],
          );
      }
      // The earlier schema holds none of the new statuses.
      await expect(
        before.query(`UPDATE referral.referral SET status = 'ATTENDED' WHERE id = $1`, [
          ids.get('attended')!,
        ]),
      ).rejects.toThrow(/referral_status_known/);
    } finally {
      await before.destroy();
    }

    const statuses = async (dataSource: DataSource) => {
      const rows = (await dataSource.query(
        `SELECT id, status FROM referral.referral WHERE id = ANY($1::uuid[])`,
        [[...ids.values()]],
      )) as Array<{ id: string; status: string }>;
      const byId = new Map(rows.map((r) => [r.id, r.status]));
      return cases.map((c) => ({ name: c.name, status: byId.get(ids.get(c.name)!) }));
    };
    const by2200 = cases.map((c) => ({ name: c.name, status: c.by2200 ?? c.expected }));
    const at2200 = await open(
      referralMigrations.slice(0, referralMigrations.indexOf(ReferralAppointmentStatuses1700000002200) + 1),
    );
    try {
      expect(await statuses(at2200)).toEqual(by2200);
    } finally {
      await at2200.destroy();
    }

    const after = await open(
      referralMigrations.slice(
        0,
        referralMigrations.indexOf(ReferralStatusAcceptanceInForce1700000002300) + 1,
      ),
    );
    try {
      expect(await statuses(after)).toEqual(cases.map((c) => ({ name: c.name, status: c.expected })));
      // The fold in SQL is the lifecycle's (`statusWithAppointments`), referral by referral.
      for (const c of cases) {
        const id = ids.get(c.name)!;
        const [row] = (await after.query(
          `SELECT acknowledged_at AS "acknowledgedAt", withdrawn_at AS "withdrawnAt", closed_at AS "closedAt" FROM referral.referral WHERE id = $1`,
          [id],
        )) as Array<{ acknowledgedAt: Date | null; withdrawnAt: Date | null; closedAt: Date | null }>;
        const outcomes = (await after.query(
          `SELECT decision, decided_at AS "decidedAt", sequence, recorded_at AS "recordedAt" FROM referral.referral_outcome WHERE referral_id = $1`,
          [id],
        )) as Array<{ decision: ReferralDecision; decidedAt: Date; sequence: string; recordedAt: Date }>;
        const appointments = (await after.query(
          `SELECT id, attendance, attended_at AS "attendedAt", non_attendance_reason AS "nonAttendanceReason",
                  attendance_recorded_at AS "attendanceRecordedAt", cancelled_at AS "cancelledAt", due_by AS "startsAt"
             FROM referral.appointment WHERE referral_id = $1`,
          [id],
        )) as Parameters<typeof referralStatus>[2];
        expect({ name: c.name, fold: referralStatus(row!, outcomes, appointments) }).toEqual({
          name: c.name,
          fold: c.expected,
        });
      }
      // The reconciliation rule agrees with the backfill on every referral.
      await after.query(
        `UPDATE referral.referral r SET status = ${REFERRAL_STATUS_SQL} WHERE id = ANY($1::uuid[])`,
        [[...ids.values()]],
      );
      expect(await statuses(after)).toEqual(cases.map((c) => ({ name: c.name, status: c.expected })));
      // 2200's rule, kept frozen there, agrees with its own backfill.
      await after.query(
        `UPDATE referral.referral r SET status = ${REFERRAL_STATUS_WITH_APPOINTMENTS_SQL} WHERE id = ANY($1::uuid[])`,
        [[...ids.values()]],
      );
      expect(await statuses(after)).toEqual(by2200);
      await after.query(
        `UPDATE referral.referral r SET status = ${REFERRAL_STATUS_SQL} WHERE id = ANY($1::uuid[])`,
        [[...ids.values()]],
      );
      // Reverting 2300 reconciles by 2200's rule; reverting 2200 maps its statuses back to ACCEPTED.
      await after.undoLastMigration({ transaction: 'each' });
      expect(await statuses(after)).toEqual(by2200);
      await after.undoLastMigration({ transaction: 'each' });
      const reverted = (s: string) =>
        ['APPOINTMENT_BOOKED', 'ATTENDED', 'NOT_ATTENDED'].includes(s) ? 'ACCEPTED' : s;
      expect(await statuses(after)).toEqual(
        by2200.map((c) => ({ name: c.name, status: reverted(c.status) })),
      );
      await expect(
        after.query(`UPDATE referral.referral SET status = 'APPOINTMENT_BOOKED' WHERE id = $1`, [
          ids.get('accepted, one booked')!,
        ]),
      ).rejects.toThrow(/referral_status_known/);
    } finally {
      await after.destroy();
    }
  });
  it('takes risk notices (2400); the rollback refuses while any is on record, then reverts', async () => {
    const after = await open(
      referralMigrations.slice(
        0,
        referralMigrations.indexOf(AgencyNotificationRiskEscalated1700000002400) + 1,
      ),
    );
    try {
      const notice = (subject: string) =>
        after.query(
          `INSERT INTO referral.agency_notification (id, person_id, episode, agency_id, subject, message, notified_at, correlation_id)
           VALUES ($1, 'p00000000000000000000', 1, 'agency-a', $2, 'Risk rose.', now(), 'c')`,
          [randomUUID(), subject],
        );
      await notice('RISK_ESCALATED');
      await expect(notice('RISK_LOWERED')).rejects.toThrow(/agency_notification_subject/);
      // The record of what was disclosed is never deleted by a rollback: refused while one exists.
      await expect(after.undoLastMigration({ transaction: 'each' })).rejects.toThrow(
        /1 RISK_ESCALATED notices are on record/,
      );
      await after.query(`DELETE FROM referral.agency_notification WHERE subject = 'RISK_ESCALATED'`);
      await after.undoLastMigration({ transaction: 'each' });
      await expect(notice('RISK_ESCALATED')).rejects.toThrow(/agency_notification_subject/);
      await notice('CASE_CLOSED');
    } finally {
      await after.destroy();
    }
  });
  it('keeps why an agency holds a notice (2500): a known basis, a reference only for a gate collector; the rollback refuses while a collector’s notice is on record, then reverts', async () => {
    const after = await open(
      referralMigrations.slice(0, referralMigrations.indexOf(AgencyNotificationBasis1700000002500) + 1),
    );
    try {
      const notice = (basis: string | null, reference: string | null) =>
        after.query(
          `INSERT INTO referral.agency_notification (id, person_id, episode, agency_id, subject, message, notified_at,
             correlation_id, basis, basis_reference)
           VALUES ($1, 'p00000000000000002500', 1, 'agency-a', 'CASE_CLOSED', 'Closed.', now(), 'c', $2, $3)`,
          [randomUUID(), basis, reference],
        );
      await notice(null, null);
      await notice('ADDRESSED', null);
      await notice('OPEN_REFERRAL', null);
      await notice('GATE_COLLECTOR', 'gate-arrangement-v1');
      await expect(notice('GATE_COLLECTOR', null)).rejects.toThrow(/agency_notification_basis_reference/);
      await expect(notice('ADDRESSED', 'gate-arrangement-v1')).rejects.toThrow(
        /agency_notification_basis_reference/,
      );
      await expect(notice('FRIEND', null)).rejects.toThrow(/agency_notification_basis/);
      await expect(after.undoLastMigration({ transaction: 'each' })).rejects.toThrow(
        /1 gate collectors' notices on record/,
      );
      await after.query(`DELETE FROM referral.agency_notification WHERE basis = 'GATE_COLLECTOR'`);
      await after.undoLastMigration({ transaction: 'each' });
      await expect(notice('ADDRESSED', null)).rejects.toThrow(/basis/);
      await after.query(`DELETE FROM referral.agency_notification WHERE person_id = 'p00000000000000002500'`);
    } finally {
      await after.destroy();
    }
  });
  it('validates 2500’s checks in a transaction of their own (2501)', async () => {
    const after = await open(
      referralMigrations.slice(
        0,
        referralMigrations.indexOf(ValidateAgencyNotificationBasis1700000002501) + 1,
      ),
    );
    try {
      expect(
        await after.query(
          `SELECT conname, convalidated FROM pg_constraint
            WHERE conname IN ('agency_notification_basis', 'agency_notification_basis_reference') ORDER BY conname`,
        ),
      ).toEqual([
        { conname: 'agency_notification_basis', convalidated: true },
        { conname: 'agency_notification_basis_reference', convalidated: true },
      ]);
    } finally {
      await after.destroy();
    }
  });
});
