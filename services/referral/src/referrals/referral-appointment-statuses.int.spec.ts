import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { loadReferralConfig } from '../config';
import type { AppointmentView } from '../appointments/appointment.schemas';
import { REFERRAL_STATUS_SQL } from '../migrations/1700000002300-referral-status-acceptance-in-force';
import type { Page } from '../pagination/keyset-cursor';
import { asThePlatformService, useReferralApp } from '../testing/referral-app';
import { aNotification, aReferral } from '../testing/referral.mother';
import { NotificationsService } from '../notifications/notifications.service';
import type { NotificationView } from '../notifications/notification.schemas';
import type { ReferralView, SendReferralInput } from './referral.schemas';
import { ReferralsService } from './referrals.service';

const config = loadReferralConfig({ ...process.env, PORT: '0' });

describe('a referral taken on follows its appointments: booked, attended, not attended (real Postgres, NATS, Temporal)', () => {
  const { running, get, post } = useReferralApp(config);
  const referrals = () => asThePlatformService(running().app.get(ReferralsService));
  const secondsFromNow = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();
  const after = (iso: string, seconds: number) => new Date(Date.parse(iso) + seconds * 1000).toISOString();

  /** Sent an hour ago, acknowledged when sent, accepted 10 minutes later. */
  const accepted = async (overrides: Partial<SendReferralInput> = {}) => {
    const input = aReferral({ establishmentCode: 'BAR', ...overrides });
    const { referralId: id } = await referrals().send(input);
    const { agencyId } = input;
    const ack = { acknowledgedBy: 'Duty team', acknowledgedAt: input.sentAt };
    expect((await post(`/referrals/${id}/acknowledgement`, agencyId, ack)).status).toBe(201);
    const accept = { decision: 'ACCEPTED', decidedAt: after(input.sentAt, 600) };
    expect((await post(`/referrals/${id}/outcome`, agencyId, accept)).status).toBe(201);
    return { id, agencyId };
  };
  const book = async (id: string, agencyId: string, startsAt: string) => {
    const response = await post(`/referrals/${id}/appointments`, agencyId, {
      startsAt,
      durationMinutes: 45,
      placeKind: 'PRISON',
      place: 'HMP Barlinnie, agency visits room',
      bookedBy: 'Housing options team',
    });
    expect(response.status).toBe(201);
    return (await response.json()) as AppointmentView;
  };
  const attend = async (
    agencyId: string,
    appointment: AppointmentView,
    attendance: 'YES' | 'LATE' | 'NO',
  ) => {
    const response = await post(`/appointments/${appointment.id}/attendance`, agencyId, {
      attendance,
      // A minute after its time (booked seconds ahead: within the clock skew tolerated).
      attendedAt: after(appointment.schedule!.startsAt, 60),
      ...(attendance === 'NO' ? { reason: 'POP_UNACCEPTABLE' } : {}),
      recordedBy: 'Housing options team',
    });
    expect(response.status).toBe(201);
  };

  /**
   * The referral as the agency reads it, after checking the `status` column holds what the facts
   * add up to: the view's fold (TypeScript) and the reconciliation rule of migration 2300 (SQL).
   */
  const read = async (id: string, agencyId: string): Promise<ReferralView> => {
    const response = await get(`/referrals/${id}`, agencyId);
    expect(response.status).toBe(200);
    const view = (await response.json()) as ReferralView;
    const [row] = (await running().dataSource.query(
      `SELECT r.status AS "column", ${REFERRAL_STATUS_SQL} AS "fold" FROM referral.referral r WHERE r.id = $1`,
      [id],
    )) as Array<{ column: string; fold: string }>;
    expect({ column: row!.column, fold: row!.fold }).toEqual({ column: view.status, fold: view.status });
    return view;
  };
  const listed = async (agencyId: string, status: string) => {
    const response = await get(`/referrals?status=${status}`, agencyId);
    expect(response.status).toBe(200);
    return ((await response.json()) as Page<ReferralView>).items.map((r) => [r.id, r.status]);
  };
  const TAKEN_ON_ACTIONS = ['PLACE_ON_WAITING_LIST', 'WITHDRAW', 'CLOSE', 'BOOK_APPOINTMENT'];
  const WITH_A_LIVE_APPOINTMENT = [
    ...TAKEN_ON_ACTIONS,
    'RECORD_ATTENDED',
    'RECORD_NOT_ATTENDED',
    'CANCEL_APPOINTMENT',
  ];

  it('book, not attended, book again, attended late, close with an outcome: the status column follows each fact', async () => {
    const { id, agencyId } = await accepted();
    expect(await read(id, agencyId)).toMatchObject({
      status: 'ACCEPTED',
      allowedActions: TAKEN_ON_ACTIONS,
      attendance: null,
    });

    const first = await book(id, agencyId, secondsFromNow(5));
    expect(await read(id, agencyId)).toMatchObject({
      status: 'APPOINTMENT_BOOKED',
      allowedActions: WITH_A_LIVE_APPOINTMENT,
      attendance: null,
    });
    expect(await listed(agencyId, 'APPOINTMENT_BOOKED')).toEqual([[id, 'APPOINTMENT_BOOKED']]);
    expect(await listed(agencyId, 'ACCEPTED')).toEqual([]);

    await attend(agencyId, first, 'NO');
    expect(await read(id, agencyId)).toMatchObject({
      status: 'NOT_ATTENDED',
      allowedActions: TAKEN_ON_ACTIONS,
      attendance: {
        appointmentId: first.id,
        attendance: 'NO',
        attendedAt: after(first.schedule!.startsAt, 60),
        reason: 'POP_UNACCEPTABLE',
      },
    });
    expect(await listed(agencyId, 'NOT_ATTENDED')).toEqual([[id, 'NOT_ATTENDED']]);
    expect(await listed(agencyId, 'APPOINTMENT_BOOKED')).toEqual([]);
    // A decision the table refuses here answers 409 with what is allowed, from the status as it is.
    const refused = await post(`/referrals/${id}/outcome`, agencyId, { decision: 'DECLINED', reason: 'No' });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({
      code: 'TRANSITION_NOT_ALLOWED',
      statusThen: 'NOT_ATTENDED',
      allowedThen: TAKEN_ON_ACTIONS,
      referralStatus: 'NOT_ATTENDED',
      allowedActions: TAKEN_ON_ACTIONS,
    });

    const second = await book(id, agencyId, secondsFromNow(5));
    expect(await read(id, agencyId)).toMatchObject({ status: 'APPOINTMENT_BOOKED', attendance: null });

    await attend(agencyId, second, 'LATE');
    expect(await read(id, agencyId)).toMatchObject({
      status: 'ATTENDED',
      allowedActions: TAKEN_ON_ACTIONS,
      // Late stays visible: attended, and the attendance it stands on says LATE.
      attendance: { appointmentId: second.id, attendance: 'LATE', reason: null },
    });
    expect(await listed(agencyId, 'ATTENDED')).toEqual([[id, 'ATTENDED']]);

    const closure = await post(`/referrals/${id}/closure`, agencyId, {
      outcome: 'PARTIALLY_ACHIEVED',
      closedBy: 'Housing options team',
    });
    expect(closure.status).toBe(201);
    expect(await read(id, agencyId)).toMatchObject({
      status: 'CLOSED',
      allowedActions: [],
      closure: { outcome: 'PARTIALLY_ACHIEVED' },
      attendance: null,
    });
    // Nothing books against a closed case: 409 with what is allowed (nothing).
    const late = await post(`/referrals/${id}/appointments`, agencyId, {
      startsAt: secondsFromNow(3600),
      placeKind: 'AGENCY_OFFICE',
      place: 'Office',
      bookedBy: 'Housing options team',
    });
    expect(late.status).toBe(409);
    expect(await late.json()).toMatchObject({
      code: 'REFERRAL_NOT_ACCEPTED',
      referralStatus: 'CLOSED',
      allowedActions: [],
    });
  });

  it('cancelling the only live appointment goes back to ACCEPTED, or to the latest attendance', async () => {
    const { id, agencyId } = await accepted();
    const cancel = async (appointment: AppointmentView) =>
      expect(
        (
          await post(`/appointments/${appointment.id}/cancellation`, agencyId, {
            reasonCode: 'STAFF_UNAVAILABLE',
            cancelledBy: 'Housing options team',
          })
        ).status,
      ).toBe(201);

    await cancel(await book(id, agencyId, secondsFromNow(86_400)));
    expect(await read(id, agencyId)).toMatchObject({ status: 'ACCEPTED', attendance: null });

    const visit = await book(id, agencyId, secondsFromNow(5));
    await attend(agencyId, visit, 'YES');
    expect(await read(id, agencyId)).toMatchObject({ status: 'ATTENDED', attendance: { attendance: 'YES' } });
    const next = await book(id, agencyId, secondsFromNow(86_400));
    const another = await book(id, agencyId, secondsFromNow(2 * 86_400));
    await cancel(next);
    // Another still live: still booked.
    expect(await read(id, agencyId)).toMatchObject({ status: 'APPOINTMENT_BOOKED' });
    await cancel(another);
    expect(await read(id, agencyId)).toMatchObject({
      status: 'ATTENDED',
      attendance: { appointmentId: visit.id, attendance: 'YES' },
    });
  });

  it('the journey withdrawing a referral with an appointment booked cancels it (the cascade), and the status is WITHDRAWN', async () => {
    const { id, agencyId } = await accepted();
    const visit = await book(id, agencyId, secondsFromNow(3 * 86_400));
    expect(await read(id, agencyId)).toMatchObject({ status: 'APPOINTMENT_BOOKED' });
    expect(
      await referrals().withdraw({
        idempotencyKey: `spec:${randomUUID()}`,
        referralId: id,
        reason: 'Consent withdrawn',
        correlationId: randomUUID(),
      }),
    ).toEqual({ withdrawn: true });
    expect(await read(id, agencyId)).toMatchObject({ status: 'WITHDRAWN', allowedActions: [] });
    const appointment = (await (await get(`/appointments/${visit.id}`, agencyId)).json()) as AppointmentView;
    expect(appointment).toMatchObject({
      status: 'CANCELLED',
      cancellation: { reason: 'the referral was withdrawn: Consent withdrawn' },
    });
  });

  it('the agency stopping (WITHDRAW) from APPOINTMENT_BOOKED cancels what is to come; waiting-listed and accepted again, a live appointment makes it booked again', async () => {
    const { id, agencyId } = await accepted();
    const visit = await book(id, agencyId, secondsFromNow(3 * 86_400));
    const wait = await post(`/referrals/${id}/outcome`, agencyId, { decision: 'ON_WAITING_LIST' });
    expect(wait.status).toBe(201);
    // The decision stands over the appointment still booked, whose attendance or cancellation the
    // agency still records (the appointment's facts, listed with the decisions the table allows;
    // not yet NOT_ATTENDED: it starts in three days).
    const onTheList = [
      'REQUEST_MORE_INFORMATION',
      'ACCEPT',
      'DECLINE',
      'WITHDRAW',
      'RECORD_ATTENDED',
      'CANCEL_APPOINTMENT',
    ];
    expect(await read(id, agencyId)).toMatchObject({ status: 'ON_WAITING_LIST', allowedActions: onTheList });
    // Booking needs the referral taken on.
    const refused = await post(`/referrals/${id}/appointments`, agencyId, {
      startsAt: secondsFromNow(86_400),
      placeKind: 'AGENCY_OFFICE',
      place: 'Office',
      bookedBy: 'Housing options team',
    });
    expect(refused.status).toBe(409);
    // The 409 names what the agency may do, its appointment's facts included.
    expect(await refused.json()).toMatchObject({ code: 'REFERRAL_NOT_ACCEPTED', allowedActions: onTheList });
    expect((await post(`/referrals/${id}/outcome`, agencyId, { decision: 'ACCEPTED' })).status).toBe(201);
    expect(await read(id, agencyId)).toMatchObject({ status: 'APPOINTMENT_BOOKED' });

    const stop = await post(`/referrals/${id}/outcome`, agencyId, {
      decision: 'WITHDRAWN',
      reason: 'Moved out of area',
    });
    expect(stop.status).toBe(201);
    expect(await read(id, agencyId)).toMatchObject({ status: 'WITHDRAWN_BY_AGENCY' });
    expect(
      ((await (await get(`/appointments/${visit.id}`, agencyId)).json()) as AppointmentView).status,
    ).toBe('CANCELLED');
  });

  it('an attendance dated before a re-acceptance, on an appointment live at it, belongs to that acceptance', async () => {
    const { id, agencyId } = await accepted();
    const visit = await book(id, agencyId, secondsFromNow(2));
    expect((await post(`/referrals/${id}/outcome`, agencyId, { decision: 'ON_WAITING_LIST' })).status).toBe(
      201,
    );
    // Accepted again, dated two minutes ahead (within the clock skew tolerated): the attendance
    // recorded next is dated before it, but the appointment was live when the acceptance came in.
    const again = { decision: 'ACCEPTED', decidedAt: secondsFromNow(120) };
    expect((await post(`/referrals/${id}/outcome`, agencyId, again)).status).toBe(201);
    expect(await read(id, agencyId)).toMatchObject({ status: 'APPOINTMENT_BOOKED' });
    await attend(agencyId, visit, 'YES');
    expect(await read(id, agencyId)).toMatchObject({
      status: 'ATTENDED',
      allowedActions: TAKEN_ON_ACTIONS,
      attendance: { appointmentId: visit.id, attendance: 'YES' },
    });
  });

  it('lists a live appointment whose time went by with no attendance recorded, by its latest schedule, and keeps the referral APPOINTMENT_BOOKED', async () => {
    const { id, agencyId } = await accepted();
    const due = await book(id, agencyId, secondsFromNow(86_400));
    const moved = await post(`/appointments/${due.id}/schedule`, agencyId, {
      startsAt: secondsFromNow(2 * 86_400),
      placeKind: 'AGENCY_OFFICE',
      place: 'Housing options, Glasgow',
      scheduledBy: 'Housing options team',
      reasonCode: 'STAFF_UNAVAILABLE',
    });
    expect(moved.status).toBe(201);
    await book(id, agencyId, secondsFromNow(3 * 86_400));
    expect(await read(id, agencyId)).toMatchObject({ status: 'APPOINTMENT_BOOKED', awaitingAttendance: [] });
    // Three days go by for it: its facts moved back as the owner (the service may not rewrite a
    // schedule), so the moved appointment is a day past its latest schedule and awaits its
    // attendance; the other is not yet past its start.
    const owner = new Client({ connectionString: config.DATABASE_URL });
    await owner.connect();
    try {
      await owner.query(`SET throughcare.unrestricted = 'on'`);
      await owner.query(
        `UPDATE referral.appointment_schedule SET starts_at = starts_at - interval '3 days' WHERE appointment_id = $1`,
        [due.id],
      );
      await owner.query(
        `UPDATE referral.appointment SET booked_at = booked_at - interval '3 days' WHERE id = $1`,
        [due.id],
      );
    } finally {
      await owner.end();
    }
    const view = await read(id, agencyId);
    const [latest] = (await running().dataSource.query(
      `SELECT starts_at AS "startsAt" FROM referral.appointment_schedule WHERE appointment_id = $1 ORDER BY sequence DESC LIMIT 1`,
      [due.id],
    )) as Array<{ startsAt: Date }>;
    expect(view).toMatchObject({
      status: 'APPOINTMENT_BOOKED',
      awaitingAttendance: [{ appointmentId: due.id, startsAt: latest!.startsAt.toISOString() }],
    });
    await attend(
      agencyId,
      { ...due, schedule: { ...due.schedule!, startsAt: latest!.startsAt.toISOString() } },
      'NO',
    );
    expect(await read(id, agencyId)).toMatchObject({ status: 'APPOINTMENT_BOOKED', awaitingAttendance: [] });
  });

  it('the runbook reconcile (README) mends a stale column, run with the bypass set as it says', async () => {
    const { id, agencyId } = await accepted();
    await book(id, agencyId, secondsFromNow(86_400));
    const owner = new Client({ connectionString: config.DATABASE_URL });
    await owner.connect();
    const statusOf = async () =>
      (
        (await owner.query(`SELECT status FROM referral.referral WHERE id = $1`, [id])) as {
          rows: Array<{ status: string }>;
        }
      ).rows[0]?.status;
    const reconcile = `UPDATE referral.referral r SET status = ${REFERRAL_STATUS_SQL}
      WHERE status IN ('ACCEPTED', 'APPOINTMENT_BOOKED', 'ATTENDED', 'NOT_ATTENDED') AND r.id = $1`;
    try {
      // An earlier instance left the column stale (as one before migration 2200 would).
      await owner.query(`BEGIN`);
      await owner.query(`SET LOCAL throughcare.unrestricted = 'on'`);
      await owner.query(`UPDATE referral.referral SET status = 'ACCEPTED' WHERE id = $1`, [id]);
      await owner.query(`COMMIT`);
      await owner.query(`BEGIN`);
      await owner.query(`SET LOCAL throughcare.unrestricted = 'on'`);
      expect(await statusOf()).toBe('ACCEPTED');
      const mended = await owner.query(reconcile, [id]);
      await owner.query(`COMMIT`);
      expect(mended.rowCount).toBe(1);
    } finally {
      await owner.end();
    }
    expect(await read(id, agencyId)).toMatchObject({ status: 'APPOINTMENT_BOOKED' });
  });

  it('the lifecycle table and the OpenAPI status filters (agency and prison) name the new statuses', async () => {
    const { agencyId } = await accepted();
    const table = (await (await get('/referrals/lifecycle', agencyId)).json()) as {
      statuses: string[];
      transitions: Array<{ action: string; from: string[]; to: string; note?: string }>;
    };
    expect(table.statuses).toEqual(
      expect.arrayContaining(['APPOINTMENT_BOOKED', 'ATTENDED', 'NOT_ATTENDED']),
    );
    expect(table.transitions.find((t) => t.action === 'BOOK_APPOINTMENT')).toMatchObject({
      from: ['ACCEPTED', 'APPOINTMENT_BOOKED', 'ATTENDED', 'NOT_ATTENDED'],
      to: 'APPOINTMENT_BOOKED',
    });
    expect(table.transitions.find((t) => t.action === 'CLOSE')?.from).toEqual([
      'ACCEPTED',
      'APPOINTMENT_BOOKED',
      'ATTENDED',
      'NOT_ATTENDED',
    ]);
    expect(table.transitions.find((t) => t.action === 'RECORD_ATTENDED')).toMatchObject({
      from: ['APPOINTMENT_BOOKED'],
      to: 'ATTENDED',
      note: expect.stringMatching(/APPOINTMENT_BOOKED while another/),
    });

    const doc = (await (await fetch(`${running().base}/docs-json`)).json()) as {
      paths: Record<
        string,
        Record<string, { parameters?: Array<{ name: string; schema?: { enum?: string[] } }> }>
      >;
    };
    for (const path of ['/referrals', '/prison/referrals']) {
      const status = doc.paths[path]?.['get']?.parameters?.find((p) => p.name === 'status');
      expect({ path, enum: status?.schema?.enum }).toEqual({
        path,
        enum: expect.arrayContaining([
          'ACCEPTED',
          'APPOINTMENT_BOOKED',
          'ATTENDED',
          'NOT_ATTENDED',
          'CLOSED',
        ]),
      });
    }
  });

  it('a referral taken on with its appointments is open: its agency hears of a changed liberation date and the referral shows it', async () => {
    const personId = aNotification().personId;
    const booked = await accepted({ personId, episode: 1 });
    await book(booked.id, booked.agencyId, secondsFromNow(86_400));
    const missed = await accepted({ personId, episode: 1 });
    await attend(missed.agencyId, await book(missed.id, missed.agencyId, secondsFromNow(5)), 'NO');
    expect((await read(booked.id, booked.agencyId)).status).toBe('APPOINTMENT_BOOKED');
    expect((await read(missed.id, missed.agencyId)).status).toBe('NOT_ATTENDED');

    const told = await accepted({ personId, episode: 1 });
    await asThePlatformService(running().app.get(NotificationsService)).notify(
      aNotification({ agencyId: told.agencyId, personId, liberationDate: '2027-03-01' }),
    );
    for (const { id, agencyId } of [booked, missed]) {
      const notices = ((await (await get('/notifications', agencyId)).json()) as Page<NotificationView>)
        .items;
      expect(notices).toEqual([
        expect.objectContaining({
          personId,
          subject: 'LIBERATION_DATE_CHANGED',
          liberationDate: '2027-03-01',
        }),
      ]);
      expect(await read(id, agencyId)).toMatchObject({ liberationDate: '2027-03-01' });
    }
  });
});
