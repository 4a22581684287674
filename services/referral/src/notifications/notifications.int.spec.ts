import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApplicationFailure } from '@temporalio/common';
import type { DataSource } from 'typeorm';
import { AgencyNotifiedV2, NotificationSubject, ReferralSentV1 } from '@throughcare/contracts';
import { withSpecWorker, mockActivityEnvironment } from '@throughcare/testing';
import { createReferralActivities } from '../activities/referral.activities';
import type { notifyEachWorkflow } from '../activities/test-workflows/referral-activities.workflow';
import { AppointmentsService } from '../appointments/appointments.service';
import { loadReferralConfig } from '../config';
import type { Page } from '../pagination/keyset-cursor';
import { LEGACY_NOTICE_MESSAGE_SQL } from '../migrations/1700000000400-agency-notification-every-subject';
import type { ReferralView } from '../referrals/referral.schemas';
import { ReferralsService } from '../referrals/referrals.service';
import type { EventsOnBus } from '../testing/events-on-bus';
import { asAgency, startReferralApp, asThePlatformService } from '../testing/referral-app';
import { aNotification, anAgencyId, aReferral } from '../testing/referral.mother';
import { defaultNotificationMessage } from './notification.message';
import {
  NotifyAgencyInputSchema,
  type NotificationView,
  type NotifyAgencyInput,
} from './notification.schemas';
import { NOTIFICATION_COPY_AUDIT_ACTION, NotificationsService } from './notifications.service';
import { auditRecordsAbout } from '@throughcare/platform-audit/src/testing';

const config = loadReferralConfig({ ...process.env, PORT: '0' });

interface Problem {
  status: number;
  code: string;
  errors?: Array<{ field: string; message: string }>;
}

describe('agency notifications of plan changes: notifyAgency and the inbox (real Postgres, NATS, Temporal)', () => {
  let app: NestFastifyApplication;
  let base: string;
  let dataSource: DataSource;
  let bus: EventsOnBus;
  let notifications: NotificationsService;

  beforeAll(async () => {
    ({ app, base, dataSource, bus } = await startReferralApp(config));
    notifications = asThePlatformService(app.get(NotificationsService));
  });

  afterAll(async () => {
    await bus?.close();
    await app?.close();
  });

  const { get, post } = asAgency(() => base);
  const rowsOf = async (agencyId: string) =>
    (await dataSource.query(`SELECT id FROM "referral"."agency_notification" WHERE agency_id = $1`, [
      agencyId,
    ])) as Array<{ id: string }>;
  const activities = () =>
    createReferralActivities(
      asThePlatformService(app.get(ReferralsService)),
      asThePlatformService(app.get(AppointmentsService)),
      asThePlatformService(app.get(NotificationsService)),
    );
  /** Runs the inputs through a real worker on "referral", via a tiny workflow. */
  const notifyThroughTemporal = async (inputs: NotifyAgencyInput[]): Promise<string[]> => {
    return withSpecWorker(
      { address: config.TEMPORAL_ADDRESS, namespace: config.TEMPORAL_NAMESPACE },
      require.resolve('../activities/test-workflows/referral-activities.workflow'),
      (worker) => worker.execute<typeof notifyEachWorkflow>('notifyEachWorkflow', [inputs]),
    );
  };

  it('notifies through the worker on "referral": the same key twice → one notification, one event; another key → another', async () => {
    const change = aNotification();
    const nextChange = aNotification({
      agencyId: change.agencyId,
      personId: change.personId,
      liberationDate: '2026-06-30',
      previousLiberationDate: change.liberationDate,
    });

    const [id, retriedId, nextId] = await notifyThroughTemporal([change, change, nextChange]);

    expect(retriedId).toBe(id);
    expect(nextId).not.toBe(id);
    expect((await rowsOf(change.agencyId)).map((r) => r.id).sort()).toEqual([id, nextId].sort());

    const events = await bus.onBus('referral.agency.notified', 'notificationId', id!);
    expect(events).toHaveLength(1);
    expect(AgencyNotifiedV2.parse(events[0])).toEqual({
      eventType: 'referral.agency.notified',
      version: 2,
      eventId: expect.any(String) as string,
      occurredAt: expect.any(String) as string,
      correlationId: change.correlationId,
      personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: change.personId }] },
      data: {
        notificationId: id,
        episode: 1,
        agencyId: change.agencyId,
        subject: 'LIBERATION_DATE_CHANGED',
        message: 'The liberation date has changed. Liberation date: 2026-07-14 (was 2026-08-03).',
        liberationDate: '2026-07-14',
        previousLiberationDate: '2026-08-03',
      },
    });
    expect(await bus.onBus('referral.agency.notified', 'notificationId', nextId!)).toHaveLength(1);

    const own = await get(`/notifications/${id}`, change.agencyId);
    expect(own.status).toBe(200);
    const view = (await own.json()) as NotificationView;
    expect(view).toEqual({
      id,
      personId: change.personId,
      episode: 1,
      agencyId: change.agencyId,
      subject: 'LIBERATION_DATE_CHANGED',
      message: 'The liberation date has changed. Liberation date: 2026-07-14 (was 2026-08-03).',
      liberationDate: '2026-07-14',
      previousLiberationDate: '2026-08-03',
      establishmentCode: null,
      previousEstablishmentCode: null,
      preReleaseMeeting: null,
      basis: { because: 'ADDRESSED', reference: null },
      notifiedAt: expect.any(String) as string,
      read: null,
    });
    expect(Date.parse(view.notifiedAt)).toBeLessThanOrEqual(Date.now());
  });

  it("gives each referral the liberation date and risk it was sent with, and keeps the episode's referrals' date current with every change notice naming one", async () => {
    const referrals = asThePlatformService(app.get(ReferralsService));
    const personId = aNotification().personId;
    const [told, housing, otherEpisode] = [anAgencyId(), anAgencyId(), anAgencyId()];
    const send = async (agencyId: string, episode = 1) =>
      (
        await referrals.send(
          aReferral({ agencyId, personId, episode, liberationDate: '2026-08-03', riskOfSeriousHarm: 'HIGH' }),
        )
      ).referralId;
    const [main, need, later] = [await send(told), await send(housing), await send(otherEpisode, 2)];
    const stopped = anAgencyId();
    const declined = await send(stopped);
    expect(
      (await post(`/referrals/${declined}/acknowledgement`, stopped, { acknowledgedBy: 'Duty team' })).status,
    ).toBe(201);
    expect(
      (await post(`/referrals/${declined}/outcome`, stopped, { decision: 'DECLINED', reason: 'No places' }))
        .status,
    ).toBe(201);
    const read = async (id: string, agencyId: string) =>
      (await (await get(`/referrals/${id}`, agencyId)).json()) as ReferralView;
    expect(await read(need, housing)).toMatchObject({
      liberationDate: '2026-08-03',
      riskOfSeriousHarm: 'HIGH',
    });
    // The agency's webhooks and the bus carry them with the referral.
    const [sent] = await bus.onBus('referral.referral.sent', 'referralId', need);
    expect(ReferralSentV1.parse(sent).data).toMatchObject({
      liberationDate: '2026-08-03',
      riskOfSeriousHarm: 'HIGH',
    });

    // A new date, told to the justice social work team: every referral of the episode shows it.
    await notifications.notify(
      aNotification({
        agencyId: told,
        personId,
        liberationDate: '2026-07-14',
        previousLiberationDate: '2026-08-03',
      }),
    );
    expect((await read(main, told)).liberationDate).toBe('2026-07-14');
    expect((await read(need, housing)).liberationDate).toBe('2026-07-14');
    expect((await read(later, otherEpisode)).liberationDate).toBe('2026-08-03');
    // An agency that declined hears nothing more: its referral keeps the date it had.
    expect((await read(declined, stopped)).liberationDate).toBe('2026-08-03');
    // A notice that names a date but is the team's own (the meeting) moves nothing.
    await notifications.notify(
      aNotification({
        agencyId: told,
        personId,
        subject: 'PRE_RELEASE_MEETING_IMPOSSIBLE',
        liberationDate: '2026-07-01',
        previousLiberationDate: undefined,
      }),
    );
    expect((await read(need, housing)).liberationDate).toBe('2026-07-14');
    // The release: the day released.
    await notifications.notify(
      aNotification({
        agencyId: told,
        personId,
        subject: 'RELEASED',
        liberationDate: '2026-07-10',
        previousLiberationDate: undefined,
        establishmentCode: 'BAR',
      }),
    );
    expect((await read(need, housing)).liberationDate).toBe('2026-07-10');
    // A referral sent before the journey passed them shows neither.
    const old = (await referrals.send(aReferral({ agencyId: housing }))).referralId;
    expect(await read(old, housing)).toMatchObject({ liberationDate: null, riskOfSeriousHarm: null });
  });

  it('tells every agency holding an open referral of the episode of a change of plan, each once, in its own words; not the others, not for every subject', async () => {
    const referrals = asThePlatformService(app.get(ReferralsService));
    const told = anAgencyId();
    const personId = aNotification().personId;
    const [housing, addiction, declined, withdrawn, otherEpisode] = [
      anAgencyId(),
      anAgencyId(),
      anAgencyId(),
      anAgencyId(),
      anAgencyId(),
    ];
    const send = async (agencyId: string, episode = 1) =>
      (await referrals.send(aReferral({ agencyId, personId, episode, pathways: ['ACCOMMODATION'] })))
        .referralId;
    await send(told);
    await send(housing);
    const accepted = await send(addiction);
    const refused = await send(declined);
    const gone = await send(withdrawn);
    await send(otherEpisode, 2);
    for (const [id, agencyId, decision] of [
      [accepted, addiction, 'ACCEPTED'],
      [refused, declined, 'DECLINED'],
    ] as const) {
      expect(
        (await post(`/referrals/${id}/acknowledgement`, agencyId, { acknowledgedBy: 'Duty team' })).status,
      ).toBe(201);
      expect(
        (await post(`/referrals/${id}/outcome`, agencyId, { decision, reason: 'No places this month' }))
          .status,
      ).toBe(201);
    }
    await referrals.withdraw({
      idempotencyKey: `spec:${gone}:withdraw`,
      referralId: gone,
      reason: 'another agency took the need on',
      correlationId: 'spec',
    });

    const change = aNotification({
      agencyId: told,
      personId,
      subject: 'TRANSFERRED',
      establishmentCode: 'GLE',
      previousEstablishmentCode: 'BAR',
      liberationDate: undefined,
      previousLiberationDate: undefined,
      message: 'The person has moved from BAR to GLE; visits and meetings are rebooked there.',
    });
    const { notificationId } = await notifications.notify(change);
    // A retry of the activity tells nobody twice.
    expect((await notifications.notify(change)).notificationId).toBe(notificationId);

    const rows = (await dataSource.query(
      `SELECT agency_id, message FROM "referral"."agency_notification" WHERE person_id = $1 ORDER BY agency_id`,
      [personId],
    )) as Array<{ agency_id: string; message: string }>;
    expect(rows).toEqual(
      [
        { agency_id: told, message: change.message },
        ...[housing, addiction].map((agency_id) => ({
          agency_id,
          message: 'The person has been transferred to another establishment. Establishment: GLE (was BAR).',
        })),
      ].sort((a, b) => a.agency_id.localeCompare(b.agency_id)),
    );
    // Each through its own inbox, with its own event.
    const inbox = await get('/notifications', housing);
    const items = ((await inbox.json()) as Page<NotificationView>).items;
    expect(items).toEqual([
      expect.objectContaining({
        personId,
        subject: 'TRANSFERRED',
        establishmentCode: 'GLE',
        agencyId: housing,
      }),
    ]);
    expect(await bus.onBus('referral.agency.notified', 'notificationId', items[0]!.id)).toHaveLength(1);

    // The pre-release meeting is the justice social work team's own: nobody else hears of it.
    await notifications.notify(
      aNotification({
        agencyId: told,
        personId,
        subject: 'PRE_RELEASE_MEETING_IMPOSSIBLE',
        liberationDate: '2026-07-14',
      }),
    );
    expect(
      await dataSource.query(
        `SELECT agency_id FROM "referral"."agency_notification" WHERE person_id = $1 AND subject = 'PRE_RELEASE_MEETING_IMPOSSIBLE'`,
        [personId],
      ),
    ).toEqual([{ agency_id: told }]);
    // So is a rise in risk (the others read the current level through the agency read).
    await notifications.notify(
      aNotification({
        agencyId: told,
        personId,
        subject: 'RISK_ESCALATED',
        liberationDate: undefined,
        previousLiberationDate: undefined,
        message: 'Risk of serious harm HIGH (was MEDIUM).',
      }),
    );
    const risk = (await dataSource.query(
      `SELECT id, agency_id, message FROM "referral"."agency_notification" WHERE person_id = $1 AND subject = 'RISK_ESCALATED'`,
      [personId],
    )) as Array<{ id: string; agency_id: string; message: string }>;
    expect(risk.map((r) => [r.agency_id, r.message])).toEqual([
      [told, 'Risk of serious harm HIGH (was MEDIUM).'],
    ]);
    // The bands stay in the inbox: the bus carries the subject's own sentence only.
    const [onBus] = await bus.onBus('referral.agency.notified', 'notificationId', risk[0]!.id);
    expect((onBus as { data: { message: string } }).data.message).toBe(
      "The person's assessed risk is raised: read the notice in the inbox and review the risk management plan.",
    );
  });

  it('gives the gate collector (alsoTell) its own copy of a new liberation date, once, even when it also holds a referral or is the told agency; never for a notice of its own; each copy keeps its basis, and the collector’s is audited', async () => {
    const referrals = asThePlatformService(app.get(ReferralsService));
    const personId = aNotification().personId;
    const [told, referred, collector] = [anAgencyId(), anAgencyId(), anAgencyId()];
    for (const agencyId of [told, referred])
      await referrals.send(aReferral({ agencyId, personId, episode: 1, pathways: ['ACCOMMODATION'] }));
    const gate = (agencyId: string) => ({
      agencyId,
      because: 'GATE_COLLECTOR' as const,
      reference: 'gate-arrangement-v2',
    });
    const change = (alsoTell: NotifyAgencyInput['alsoTell']) =>
      aNotification({
        agencyId: told,
        personId,
        subject: 'LIBERATION_DATE_CHANGED',
        liberationDate: '2027-03-12',
        previousLiberationDate: '2027-03-05',
        preReleaseMeetingDate: '2027-03-01',
        preReleaseMeetingEstablishmentCode: 'BAR',
        alsoTell,
      });
    // The collector named once, with a referred agency and the told one named too: each one copy.
    await notifications.notify(change([gate(collector), gate(referred), gate(told), gate(collector)]));
    const rows = (await dataSource.query(
      `SELECT agency_id, liberation_date::text AS date FROM "referral"."agency_notification"
        WHERE person_id = $1 ORDER BY agency_id`,
      [personId],
    )) as Array<{ agency_id: string; date: string }>;
    expect(rows).toEqual(
      [told, referred, collector].sort().map((agency_id) => ({ agency_id, date: '2027-03-12' })),
    );
    const inbox = ((await (await get('/notifications', collector)).json()) as Page<NotificationView>).items;
    expect(inbox).toEqual([
      expect.objectContaining({
        subject: 'LIBERATION_DATE_CHANGED',
        liberationDate: '2027-03-12',
        basis: { because: 'GATE_COLLECTOR', reference: 'gate-arrangement-v2' },
        // The date it collects on, not the pre-release meeting (review stop 43, N3).
        preReleaseMeeting: null,
      }),
    ]);
    // Why each agency holds it (review stop 42, M5): the told one, the referred one on its referral.
    const basisOf = async (agencyId: string) =>
      ((await (await get('/notifications', agencyId)).json()) as Page<NotificationView>).items[0]!.basis;
    expect(await basisOf(told)).toEqual({ because: 'ADDRESSED', reference: null });
    expect(await basisOf(referred)).toEqual({ because: 'OPEN_REFERRAL', reference: null });
    // The collector's copy, which rests on no referral, is in the referral service's audit trail.
    const copies = (await auditRecordsAbout(dataSource, 'referral', personId)).filter(
      (r) => r.action === NOTIFICATION_COPY_AUDIT_ACTION,
    );
    expect(copies).toEqual([
      expect.objectContaining({
        actor: 'service:referral',
        outcome: 'allowed',
        subject_person: personId,
        disclosed_persons: [personId],
        object_type: 'agency-notification',
        object_id: `${inbox[0]!.id}&agency=${collector}&subject=LIBERATION_DATE_CHANGED&basis=GATE_COLLECTOR&reference=gate-arrangement-v2`,
        route: 'activity:notifyAgency',
      }),
    ]);
    const referredCopy = ((await (await get('/notifications', referred)).json()) as Page<NotificationView>)
      .items[0]!;
    expect(referredCopy.preReleaseMeeting).toEqual({ date: '2027-03-01', establishmentCode: 'BAR' });
    // A notice for the told agency alone (no meeting possible) goes to nobody else.
    const impossible = aNotification({
      agencyId: told,
      personId,
      subject: 'PRE_RELEASE_MEETING_IMPOSSIBLE',
      liberationDate: '2027-03-12',
      alsoTell: [gate(collector)],
    });
    await notifications.notify(impossible);
    expect(await rowsOf(collector)).toHaveLength(1);
    // At the activity's edge (ReferralActivities): alsoTell only with a changed liberation date, each
    // with its basis, the reference naming an arrangement's version only.
    const refusedFields = (input: unknown) =>
      NotifyAgencyInputSchema.safeParse(input).error?.issues.map((i) => i.path.join('.'));
    expect(refusedFields(impossible)).toEqual(['alsoTell']);
    expect(refusedFields({ ...change(undefined), alsoTell: [collector] })).toEqual(['alsoTell.0']);
    expect(
      refusedFields({ ...change([{ ...gate(collector), reference: 'gate-arrangement-v2&agency=x' }]) }),
    ).toEqual(['alsoTell.0.reference']);
  });

  it('names the pre-release meeting with a changed date: in the told agency’s notice and every copy, the inbox, the event and the written message', async () => {
    const referrals = asThePlatformService(app.get(ReferralsService));
    const [told, housing] = [anAgencyId(), anAgencyId()];
    const personId = aNotification().personId;
    for (const agencyId of [told, housing])
      await referrals.send(aReferral({ agencyId, personId, episode: 1, pathways: ['ACCOMMODATION'] }));
    const change = aNotification({
      agencyId: told,
      personId,
      liberationDate: '2026-07-14',
      previousLiberationDate: '2026-08-03',
      preReleaseMeetingDate: '2026-06-30',
      preReleaseMeetingEstablishmentCode: 'GLE',
      message:
        'The liberation date is now 2026-07-14 (was 2026-08-03). The pre-release meeting is on 2026-06-30 at GLE.',
    });
    await activities().notifyAgency(change);
    for (const agencyId of [told, housing]) {
      const items = ((await (await get('/notifications', agencyId)).json()) as Page<NotificationView>).items;
      expect(items).toEqual([
        expect.objectContaining({
          personId,
          subject: 'LIBERATION_DATE_CHANGED',
          liberationDate: '2026-07-14',
          preReleaseMeeting: { date: '2026-06-30', establishmentCode: 'GLE' },
          message:
            agencyId === told
              ? change.message
              : 'The liberation date has changed. Liberation date: 2026-07-14 (was 2026-08-03). Pre-release meeting: 2026-06-30 at GLE.',
        }),
      ]);
      const [event] = await bus.onBus('referral.agency.notified', 'notificationId', items[0]!.id);
      expect(AgencyNotifiedV2.parse(event).data).toMatchObject({
        preReleaseMeetingDate: '2026-06-30',
        preReleaseMeetingEstablishmentCode: 'GLE',
      });
    }
    // A notice naming no meeting shows none (null), and its event leaves the fields out.
    const plain = await activities().notifyAgency(aNotification({ agencyId: told, personId }));
    const shown = (
      (await (await get(`/notifications/${plain.notificationId}`, told)).json()) as NotificationView
    ).preReleaseMeeting;
    expect(shown).toBeNull();
    const [plainEvent] = await bus.onBus('referral.agency.notified', 'notificationId', plain.notificationId);
    expect(AgencyNotifiedV2.parse(plainEvent).data).not.toHaveProperty('preReleaseMeetingDate');
  });

  it('notifies without a previous date (the first date an agency hears of): the event leaves it out', async () => {
    const { previousLiberationDate: _none, ...first } = aNotification();

    const { notificationId } = await activities().notifyAgency(first);

    const [event] = await bus.onBus('referral.agency.notified', 'notificationId', notificationId);
    const parsed = AgencyNotifiedV2.parse(event);
    expect(parsed.data).not.toHaveProperty('previousLiberationDate');
    expect(parsed.data).not.toHaveProperty('establishmentCode');
    expect(parsed.data.message).toBe('The liberation date has changed. Liberation date: 2026-07-14.');
    expect(await (await get(`/notifications/${notificationId}`, first.agencyId)).json()).toMatchObject({
      previousLiberationDate: null,
      message: 'The liberation date has changed. Liberation date: 2026-07-14.',
    });
  });

  it('notifies of every subject: the v2 event and the inbox carry the facts given and a message written from them', async () => {
    const agencyId = anAgencyId();
    const cases: Array<{ input: NotifyAgencyInput; message: string }> = [
      {
        input: aNotification({
          agencyId,
          subject: 'TRANSFERRED',
          liberationDate: undefined,
          previousLiberationDate: undefined,
          establishmentCode: 'LEI',
          previousEstablishmentCode: 'BAR',
        }),
        message: 'The person has been transferred to another establishment. Establishment: LEI (was BAR).',
      },
      {
        input: aNotification({
          agencyId,
          subject: 'MOVEMENT_REVERSED',
          previousLiberationDate: undefined,
          liberationDate: '2026-07-14',
          establishmentCode: 'BAR',
        }),
        message:
          'A release or transfer recorded for the person was reversed: it did not happen. ' +
          'Liberation date: 2026-07-14. Establishment: BAR.',
      },
      {
        input: aNotification({
          agencyId,
          subject: 'RELEASED',
          liberationDate: '2026-07-10',
          previousLiberationDate: undefined,
          establishmentCode: 'BAR',
        }),
        message:
          'The person has been released from custody. Liberation date: 2026-07-10. Establishment: BAR.',
      },
      {
        input: aNotification({
          agencyId,
          subject: 'RISK_ESCALATED',
          liberationDate: undefined,
          previousLiberationDate: undefined,
        }),
        message:
          "The person's assessed risk is raised: read the notice in the inbox and review the risk management plan.",
      },
      {
        input: aNotification({
          agencyId,
          subject: 'RETURNED_TO_CUSTODY',
          liberationDate: undefined,
          previousLiberationDate: undefined,
          establishmentCode: 'HMP',
        }),
        message: 'The person has returned to custody. Establishment: HMP.',
      },
      {
        input: aNotification({
          agencyId,
          subject: 'CONSENT_WITHDRAWN',
          liberationDate: undefined,
          previousLiberationDate: undefined,
        }),
        message: 'The person has withdrawn consent to voluntary throughcare.',
      },
      {
        input: aNotification({
          agencyId,
          subject: 'CASE_CLOSED',
          liberationDate: undefined,
          previousLiberationDate: undefined,
          message: '  Case closed early: the person was deported.  ',
        }),
        message: 'Case closed early: the person was deported.',
      },
      {
        input: aNotification({
          agencyId,
          subject: 'PRE_RELEASE_MEETING_IMPOSSIBLE',
          previousLiberationDate: undefined,
          liberationDate: '2026-07-14',
        }),
        message:
          'The pre-release meeting can no longer be held before liberation. Liberation date: 2026-07-14.',
      },
    ];
    // Every subject of the contract is covered here or in the tests above (LIBERATION_DATE_CHANGED).
    expect(new Set(['LIBERATION_DATE_CHANGED', ...cases.map((c) => c.input.subject)])).toEqual(
      new Set(NotificationSubject.options),
    );

    for (const { input, message } of cases) {
      const { notificationId } = await activities().notifyAgency(input);

      const events = await bus.onBus('referral.agency.notified', 'notificationId', notificationId);
      expect(events).toHaveLength(1);
      const optional = {
        ...(input.liberationDate ? { liberationDate: input.liberationDate } : {}),
        ...(input.establishmentCode ? { establishmentCode: input.establishmentCode } : {}),
        ...(input.previousEstablishmentCode
          ? { previousEstablishmentCode: input.previousEstablishmentCode }
          : {}),
      };
      expect(AgencyNotifiedV2.parse(events[0])).toEqual({
        eventType: 'referral.agency.notified',
        version: 2,
        eventId: expect.any(String) as string,
        occurredAt: expect.any(String) as string,
        correlationId: input.correlationId,
        personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: input.personId }] },
        data: {
          notificationId,
          episode: 1,
          agencyId,
          subject: input.subject,
          message,
          ...optional,
        },
      });

      const stored = (await dataSource.query(
        `SELECT subject, message, liberation_date::text AS "liberationDate",
                previous_liberation_date::text AS "previousLiberationDate",
                establishment_code AS "establishmentCode", previous_establishment_code AS "previousEstablishmentCode"
           FROM "referral"."agency_notification" WHERE id = $1`,
        [notificationId],
      )) as unknown[];
      const facts = {
        liberationDate: input.liberationDate ?? null,
        previousLiberationDate: null,
        establishmentCode: input.establishmentCode ?? null,
        previousEstablishmentCode: input.previousEstablishmentCode ?? null,
      };
      expect(stored).toEqual([{ subject: input.subject, message, ...facts }]);

      expect(await (await get(`/notifications/${notificationId}`, agencyId)).json()).toEqual({
        id: notificationId,
        personId: input.personId,
        episode: 1,
        agencyId,
        subject: input.subject,
        message,
        ...facts,
        preReleaseMeeting: null,
        basis: { because: 'ADDRESSED', reference: null },
        notifiedAt: expect.any(String) as string,
        read: null,
      });
    }

    const inbox = (await (await get('/notifications?limit=100', agencyId)).json()) as Page<NotificationView>;
    expect(inbox.items.map((n) => [n.subject, n.message]).sort()).toEqual(
      cases.map((c) => [c.input.subject, c.message]).sort(),
    );
  });

  it('lets the key decide a repeat: the same key with another subject or message answers the first notice', async () => {
    const first = aNotification();
    const { notificationId } = await activities().notifyAgency(first);

    const again = await activities().notifyAgency({
      ...first,
      subject: 'CASE_CLOSED',
      message: 'Something else entirely',
      liberationDate: undefined,
      previousLiberationDate: undefined,
    });

    expect(again.notificationId).toBe(notificationId);
    expect(await rowsOf(first.agencyId)).toHaveLength(1);
    expect(await (await get(`/notifications/${notificationId}`, first.agencyId)).json()).toMatchObject({
      subject: 'LIBERATION_DATE_CHANGED',
      message: 'The liberation date has changed. Liberation date: 2026-07-14 (was 2026-08-03).',
    });
    expect(await bus.onBus('referral.agency.notified', 'notificationId', notificationId)).toHaveLength(1);
  });

  it('refuses notices that name no change or half a change (VALIDATION_FAILED, non-retryable), recording nothing', async () => {
    const agencyId = anAgencyId();
    const refused: Array<[Partial<NotifyAgencyInput>, RegExp]> = [
      [
        { liberationDate: undefined, previousLiberationDate: undefined },
        /liberationDate: required when the subject is LIBERATION_DATE_CHANGED/,
      ],
      [{ liberationDate: undefined }, /liberationDate: required with previousLiberationDate/],
      [
        { subject: 'TRANSFERRED', liberationDate: undefined, previousLiberationDate: undefined },
        /establishmentCode: required when the subject is TRANSFERRED/,
      ],
      [
        { subject: 'TRANSFERRED', establishmentCode: 'BAR', previousEstablishmentCode: 'BAR' },
        /previousEstablishmentCode: must differ from establishmentCode/,
      ],
      [
        {
          subject: 'RELEASED',
          liberationDate: undefined,
          previousLiberationDate: undefined,
          establishmentCode: 'BAR',
        },
        /liberationDate: required when the subject is RELEASED/,
      ],
      [
        { subject: 'RELEASED', previousLiberationDate: undefined },
        /establishmentCode: required when the subject is RELEASED/,
      ],
      [
        { subject: 'CASE_CLOSED', previousEstablishmentCode: 'BAR' },
        /establishmentCode: required with previousEstablishmentCode/,
      ],
      [
        { subject: 'RETURNED_TO_CUSTODY', establishmentCode: 'Barlinnie' },
        /establishmentCode: establishment code must be three/,
      ],
      [
        { preReleaseMeetingDate: '2026-06-30' },
        /preReleaseMeetingEstablishmentCode: the pre-release meeting is named by its day and its prison together/,
      ],
      [
        {
          subject: 'TRANSFERRED',
          establishmentCode: 'GLE',
          previousEstablishmentCode: 'BAR',
          preReleaseMeetingDate: '2026-06-30',
          preReleaseMeetingEstablishmentCode: 'GLE',
        },
        /preReleaseMeetingDate: a pre-release meeting is named with LIBERATION_DATE_CHANGED only/,
      ],
      [
        { preReleaseMeetingDate: '2026-07-14', preReleaseMeetingEstablishmentCode: 'GLE' },
        /preReleaseMeetingDate: must be before the liberation date \(2026-07-14\)/,
      ],
      [
        { preReleaseMeetingEstablishmentCode: 'GLE' },
        /preReleaseMeetingDate: the pre-release meeting is named by its day and its prison together/,
      ],
      [{ subject: 'CASE_CLOSED', message: '   ' }, /message: /],
      [{ subject: 'CASE_CLOSED', message: 'x'.repeat(1001) }, /message: /],
    ];
    for (const [overrides, reason] of refused) {
      const attempt = mockActivityEnvironment().run(() =>
        activities().notifyAgency(aNotification({ agencyId, ...overrides })),
      );
      await expect(attempt).rejects.toMatchObject({ type: 'VALIDATION_FAILED', nonRetryable: true });
      await expect(attempt).rejects.toThrow(reason);
    }
    expect(await rowsOf(agencyId)).toHaveLength(0);
  });

  it('gives notices stored before messages existed the message it writes today (migration 1700000000400)', async () => {
    const rows = (await dataSource.query(
      `SELECT ${LEGACY_NOTICE_MESSAGE_SQL} AS message
         FROM (VALUES ('2026-07-14'::date, '2026-08-03'::date), ('2026-07-14'::date, NULL::date))
           AS legacy (liberation_date, previous_liberation_date)`,
    )) as Array<{ message: string }>;

    expect(rows.map((r) => r.message)).toEqual([
      defaultNotificationMessage('LIBERATION_DATE_CHANGED', {
        liberationDate: '2026-07-14',
        previousLiberationDate: '2026-08-03',
      }),
      defaultNotificationMessage('LIBERATION_DATE_CHANGED', { liberationDate: '2026-07-14' }),
    ]);
  });

  it('keeps one notification when the same key is notified concurrently', async () => {
    const change = aNotification();

    const ids = await Promise.all([1, 2, 3].map(() => activities().notifyAgency(change)));

    expect(new Set(ids.map((r) => r.notificationId)).size).toBe(1);
    expect(await rowsOf(change.agencyId)).toHaveLength(1);
    expect(
      await bus.outbox('referral.agency.notified', 'notificationId', ids[0]!.notificationId),
    ).toHaveLength(1);
  });

  it('fails bad input with a non-retryable VALIDATION_FAILED naming each field, recording nothing', async () => {
    const change = aNotification({
      personId: 'A1234BC',
      liberationDate: '14/07/2026',
      subject: 'SET_FREE' as 'LIBERATION_DATE_CHANGED',
    });

    const attempt = mockActivityEnvironment().run(() => activities().notifyAgency(change));

    await expect(attempt).rejects.toBeInstanceOf(ApplicationFailure);
    await expect(attempt).rejects.toMatchObject({ type: 'VALIDATION_FAILED', nonRetryable: true });
    await expect(attempt).rejects.toThrow(/personId: .*; subject: .*; liberationDate: /);

    const unchanged = aNotification({ previousLiberationDate: '2026-07-14', liberationDate: '2026-07-14' });
    const same = mockActivityEnvironment().run(() => activities().notifyAgency(unchanged));
    await expect(same).rejects.toMatchObject({ type: 'VALIDATION_FAILED', nonRetryable: true });
    await expect(same).rejects.toThrow(/previousLiberationDate: must differ/);

    expect(await rowsOf(change.agencyId)).toHaveLength(0);
    expect(await rowsOf(unchanged.agencyId)).toHaveLength(0);
  });

  it('shows another agency nothing: 404 for the notification, an empty inbox, and 404 when marking it read', async () => {
    const change = aNotification();
    const { notificationId } = await notifications.notify(change);
    const otherAgency = anAgencyId();

    const hidden = await get(`/notifications/${notificationId}`, otherAgency);
    expect(hidden.status).toBe(404);
    expect(hidden.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await hidden.json()).toMatchObject({ status: 404, code: 'NOTIFICATION_NOT_FOUND' });
    expect(await (await get('/notifications', otherAgency)).json()).toEqual({ items: [], nextCursor: null });
    expect(
      (await post(`/notifications/${notificationId}/read`, otherAgency, { readBy: 'Duty team' })).status,
    ).toBe(404);
    expect(await (await get(`/notifications/${notificationId}`, change.agencyId)).json()).toMatchObject({
      read: null,
    });
  });

  it('answers 401 problem+json without an access token', async () => {
    const list = await get('/notifications');
    expect(list.status).toBe(401);
    expect(await list.json()).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    expect((await post(`/notifications/${randomUUID()}/read`, undefined, { readBy: 'x' })).status).toBe(401);
  });

  it('marks a notification read: 200, and again 200 with the first read kept', async () => {
    const change = aNotification();
    const { notificationId } = await notifications.notify(change);
    const before = Date.now();

    const first = await post(`/notifications/${notificationId}/read`, change.agencyId, {
      readBy: 'Justice Social Work duty team',
    });
    expect(first.status).toBe(200);
    const read = (await first.json()) as NotificationView;
    expect(read.read?.readBy).toBe('Justice Social Work duty team');
    expect(Date.parse(read.read!.readAt)).toBeGreaterThanOrEqual(before - 1);

    const again = await post(`/notifications/${notificationId}/read`, change.agencyId, {
      readBy: 'Someone else',
    });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(read);
    expect(await (await get(`/notifications/${notificationId}`, change.agencyId)).json()).toEqual(read);
  });

  it('answers a bad read body, a bad id and a bad list query with 400 naming each field', async () => {
    const change = aNotification();
    const { notificationId } = await notifications.notify(change);

    const body = await post(`/notifications/${notificationId}/read`, change.agencyId, { readBy: ' ', at: 1 });
    expect(body.status).toBe(400);
    const problem = (await body.json()) as Problem;
    expect(problem.code).toBe('VALIDATION_FAILED');
    expect(problem.errors?.map((e) => e.field).sort()).toEqual(['(root)', 'readBy']);

    expect((await get('/notifications/not-a-uuid', change.agencyId)).status).toBe(400);

    const query = await get('/notifications?unread=maybe&limit=101', change.agencyId);
    expect(query.status).toBe(400);
    expect(((await query.json()) as Problem).errors?.map((e) => e.field).sort()).toEqual(['limit', 'unread']);

    const cursor = await get('/notifications?cursor=not-a-cursor', change.agencyId);
    expect(cursor.status).toBe(400);
    expect(((await cursor.json()) as Problem).errors?.[0]?.field).toBe('cursor');
  });

  it('pages through the inbox newest first without gaps or repeats, filtered by unread', async () => {
    const agencyId = anAgencyId();
    const start = Date.now() - 10 * 60 * 60_000;
    const ids: string[] = [];
    for (let i = 0; i < 7; i += 1) {
      // Two share a notifiedAt so the id breaks the tie across a page boundary.
      const at = new Date(start + Math.min(i, 5) * 60_000);
      ids.push((await notifications.notify(aNotification({ agencyId }), at)).notificationId);
    }
    await notifications.notify(aNotification()); // another agency's: never listed
    await post(`/notifications/${ids[1]}/read`, agencyId, { readBy: 'Duty team' });
    await post(`/notifications/${ids[6]}/read`, agencyId, { readBy: 'Duty team' });

    const seen: NotificationView[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response = await get(`/notifications?limit=3${cursor ? `&cursor=${cursor}` : ''}`, agencyId);
      expect(response.status).toBe(200);
      const page = (await response.json()) as Page<NotificationView>;
      seen.push(...page.items);
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);

    expect(pages).toBe(3);
    expect(seen).toHaveLength(7);
    expect(new Set(seen.map((n) => n.id))).toEqual(new Set(ids));
    const order = seen.map((n) => `${n.notifiedAt}|${n.id}`);
    expect(order).toEqual([...order].sort().reverse());
    expect(seen[0]?.notifiedAt).toBe(new Date(start + 5 * 60_000).toISOString());

    const unread = (await (
      await get('/notifications?unread=true&limit=100', agencyId)
    ).json()) as Page<NotificationView>;
    expect(unread.items.map((n) => n.id).sort()).toEqual(
      ids.filter((id) => id !== ids[1] && id !== ids[6]).sort(),
    );
    expect(unread.items.every((n) => n.read === null)).toBe(true);
    const read = (await (
      await get('/notifications?unread=false', agencyId)
    ).json()) as Page<NotificationView>;
    expect(read.items.map((n) => n.id).sort()).toEqual([ids[1], ids[6]].sort());
  });

  it('documents the inbox routes with their bearer token in OpenAPI', async () => {
    const doc = (await (await fetch(`${base}/docs-json`)).json()) as {
      paths: Record<
        string,
        Record<
          string,
          { parameters?: Array<{ name: string; in: string }>; security?: Record<string, string[]>[] }
        >
      >;
    };
    for (const [path, method] of [
      ['/notifications', 'get'],
      ['/notifications/{id}', 'get'],
      ['/notifications/{id}/read', 'post'],
    ] as const) {
      expect(doc.paths[path]?.[method]?.security).toEqual([{ bearer: [] }]);
    }
    const unread = doc.paths['/notifications']?.['get']?.parameters?.find((p) => p.name === 'unread');
    expect(unread).toMatchObject({ in: 'query' });
  });
});
