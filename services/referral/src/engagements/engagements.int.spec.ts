import { randomUUID } from 'node:crypto';
import {
  EngagementAnsweredV1,
  EngagementRecordedV1,
  EngagementRequestedV1,
  EngagementWithdrawnV1,
} from '@throughcare/contracts';
import { addDays, localDateOf } from '@throughcare/domain';
import { loadReferralConfig } from '../config';
import { NotificationsService } from '../notifications/notifications.service';
import type { Page } from '../pagination/keyset-cursor';
import { aNotification, anAgencyId, aPersonId } from '../testing/referral.mother';
import { asPrisonStaff, asThePlatformService, useReferralApp, type Problem } from '../testing/referral-app';
import type { EngagementRequestView } from './engagement.schemas';
import { EngagementsService } from './engagements.service';

const config = loadReferralConfig({ ...process.env, PORT: '0' });

describe('duty to engage: requests to named bodies (real Postgres, NATS, Temporal)', () => {
  const { running, get, post } = useReferralApp(config);
  const today = () => localDateOf(new Date());

  const prison = asPrisonStaff(() => running().base);
  const asPrison = {
    get: (path: string, establishments: string[] = ['BAR']) => prison.get(path, establishments),
    post: (
      path: string,
      body: unknown,
      establishments: string[] = ['BAR'],
      headers: Record<string, string> = {},
    ) => prison.post(path, body, establishments, headers),
  };
  const aRequest = (overrides: Record<string, unknown> = {}) => ({
    personId: aPersonId(),
    episode: 1,
    agencyId: anAgencyId(),
    bodyKind: 'LOCAL_AUTHORITY',
    purpose: 'Housing on release: the council to attend the pre-release case conference.',
    requestedBy: 'Throughcare team, HMP Barlinnie',
    respondBy: addDays(today(), 10),
    expectedReleaseDate: addDays(today(), 40),
    ...overrides,
  });
  const made = async (overrides: Record<string, unknown> = {}, establishments = ['BAR']) => {
    const body = aRequest(overrides);
    const response = await asPrison.post('/prison/engagement-requests', body, establishments);
    expect(response.status).toBe(201);
    return { body, view: (await response.json()) as EngagementRequestView };
  };
  const problem = async (response: Response) => (await response.json()) as Problem & Record<string, unknown>;

  it('prison staff ask a named body (201), a retry with the Idempotency-Key answers the same request (200), and the body is told on the bus', async () => {
    const body = aRequest();
    const first = await asPrison.post('/prison/engagement-requests', body, ['BAR'], {
      'idempotency-key': 'engage-1',
    });
    expect(first.status).toBe(201);
    const view = (await first.json()) as EngagementRequestView;
    expect(view).toEqual({
      id: expect.any(String),
      personId: body.personId,
      episode: 1,
      establishmentCode: 'BAR',
      requestingEstablishmentCode: 'BAR',
      agencyId: body.agencyId,
      bodyKind: 'LOCAL_AUTHORITY',
      purpose: body.purpose,
      expectedReleaseDate: body.expectedReleaseDate,
      requestedBy: body.requestedBy,
      requestedAt: expect.any(String),
      respondBy: body.respondBy,
      status: 'REQUESTED',
      overdue: false,
      answer: null,
      engagement: null,
      withdrawal: null,
      allowedActions: ['WITHDRAW'],
      updatedAt: view.requestedAt,
    });

    const retry = await asPrison.post('/prison/engagement-requests', body, ['BAR'], {
      'idempotency-key': 'engage-1',
    });
    expect(retry.status).toBe(200);
    expect(await retry.json()).toEqual(view);
    const reused = await asPrison.post(
      '/prison/engagement-requests',
      { ...body, purpose: 'Something else' },
      ['BAR'],
      { 'idempotency-key': 'engage-1' },
    );
    expect(reused.status).toBe(422);
    expect(await problem(reused)).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });

    // A second open request to the same body for the same person and episode is refused, naming the first.
    const again = await asPrison.post('/prison/engagement-requests', body);
    expect(again.status).toBe(409);
    expect(await problem(again)).toMatchObject({
      code: 'ENGAGEMENT_ALREADY_REQUESTED',
      engagementRequestId: view.id,
    });

    const events = await running().bus.onBus('referral.engagement.requested', 'engagementRequestId', view.id);
    expect(events).toHaveLength(1);
    const event = EngagementRequestedV1.parse(events[0]);
    expect(event.data).toEqual({
      engagementRequestId: view.id,
      episode: 1,
      agencyId: body.agencyId,
      bodyKind: 'LOCAL_AUTHORITY',
      establishmentCode: 'BAR',
      requestedAt: view.requestedAt,
      respondBy: body.respondBy,
    });
    // The purpose (free text about a person) stays in this service.
    expect(JSON.stringify(event)).not.toContain('Housing on release');
    expect(event.personReference.identifiers).toEqual([{ type: 'THROUGHCARE_ID', value: body.personId }]);
  });

  it('the body reads only its own requests, answers WILL_ENGAGE once, records its engagement, and the prison reads both', async () => {
    const { body, view } = await made();
    const agencyId = body.agencyId as string;
    const stranger = anAgencyId();
    expect((await get(`/engagement-requests/${view.id}`, stranger)).status).toBe(404);
    expect((await asPrison.get(`/prison/engagement-requests/${view.id}`, ['LOW'])).status).toBe(404);
    const listed = (await (
      await get('/engagement-requests?limit=100', agencyId)
    ).json()) as Page<EngagementRequestView>;
    expect(listed.items.map((r) => r.id)).toEqual([view.id]);
    expect(listed.items[0]!.allowedActions).toEqual(['ANSWER']);
    const strangers = (await (
      await get('/engagement-requests', stranger)
    ).json()) as Page<EngagementRequestView>;
    expect(strangers.items).toEqual([]);

    const answer = {
      answer: 'WILL_ENGAGE',
      answeredBy: 'Housing options team',
      contact: 'Housing options duty officer',
    };
    const answered = await post(`/engagement-requests/${view.id}/answer`, agencyId, answer);
    expect(answered.status).toBe(201);
    const afterAnswer = (await answered.json()) as EngagementRequestView;
    expect(afterAnswer).toMatchObject({
      status: 'WILL_ENGAGE',
      answer: { answer: 'WILL_ENGAGE', answeredBy: 'Housing options team', reason: null, late: false },
      allowedActions: ['RECORD_ENGAGEMENT'],
    });
    // The same answer again is a repeat; another answer is refused with what is allowed now.
    const repeat = await post(`/engagement-requests/${view.id}/answer`, agencyId, {
      ...answer,
      answeredAt: afterAnswer.answer!.answeredAt,
    });
    expect(repeat.status).toBe(200);
    expect(await repeat.json()).toEqual(afterAnswer);
    const changed = await post(`/engagement-requests/${view.id}/answer`, agencyId, {
      answer: 'CANNOT_ENGAGE',
      answeredBy: 'Housing options team',
      reason: 'No capacity',
    });
    expect(changed.status).toBe(409);
    expect(await problem(changed)).toMatchObject({
      code: 'TRANSITION_NOT_ALLOWED',
      engagementStatus: 'WILL_ENGAGE',
      allowedActions: ['RECORD_ENGAGEMENT'],
    });

    const engagedAt = new Date().toISOString();
    const engagement = {
      engagedAt,
      mode: 'CASE_CONFERENCE',
      summary: 'Tenancy offered from the release day.',
    };
    const engaged = await post(`/engagement-requests/${view.id}/engagement`, agencyId, engagement);
    expect(engaged.status).toBe(201);
    expect(await engaged.json()).toMatchObject({
      status: 'ENGAGED',
      engagement: { ...engagement, engagedAt: new Date(engagedAt).toISOString() },
      allowedActions: [],
    });
    expect((await post(`/engagement-requests/${view.id}/engagement`, agencyId, engagement)).status).toBe(200);

    const prisonView = (await (
      await asPrison.get(`/prison/engagement-requests/${view.id}`)
    ).json()) as EngagementRequestView;
    expect(prisonView).toMatchObject({
      status: 'ENGAGED',
      answer: { answer: 'WILL_ENGAGE', contact: 'Housing options duty officer' },
      engagement: { mode: 'CASE_CONFERENCE', summary: 'Tenancy offered from the release day.' },
      allowedActions: [],
    });
    // Nothing left to withdraw once the body has engaged.
    const late = await asPrison.post(`/prison/engagement-requests/${view.id}/withdrawal`, {
      reason: 'Released',
    });
    expect(late.status).toBe(409);
    expect(await problem(late)).toMatchObject({ code: 'TRANSITION_NOT_ALLOWED', allowedActions: [] });

    const answeredEvents = await running().bus.onBus(
      'referral.engagement.answered',
      'engagementRequestId',
      view.id,
    );
    expect(answeredEvents.map((e) => EngagementAnsweredV1.parse(e).data)).toEqual([
      {
        engagementRequestId: view.id,
        episode: 1,
        agencyId,
        answer: 'WILL_ENGAGE',
        answeredAt: afterAnswer.answer!.answeredAt,
        late: false,
      },
    ]);
    const recorded = await running().bus.onBus(
      'referral.engagement.recorded',
      'engagementRequestId',
      view.id,
    );
    expect(recorded.map((e) => EngagementRecordedV1.parse(e).data)).toEqual([
      {
        engagementRequestId: view.id,
        episode: 1,
        agencyId,
        mode: 'CASE_CONFERENCE',
        engagedAt: new Date(engagedAt).toISOString(),
      },
    ]);
    expect(JSON.stringify(recorded)).not.toContain('Tenancy offered');
  });

  it('CANNOT_ENGAGE needs its reason; once refused, the prison may ask the body again', async () => {
    const { body, view } = await made({ bodyKind: 'HEALTH_BOARD' });
    const agencyId = body.agencyId as string;
    const missing = await post(`/engagement-requests/${view.id}/answer`, agencyId, {
      answer: 'CANNOT_ENGAGE',
      answeredBy: 'Prison healthcare liaison',
    });
    expect(missing.status).toBe(400);
    expect((await problem(missing)).errors).toEqual([expect.objectContaining({ field: 'reason' })]);
    const refused = await post(`/engagement-requests/${view.id}/answer`, agencyId, {
      answer: 'CANNOT_ENGAGE',
      answeredBy: 'Prison healthcare liaison',
      reason: 'The person is registered with a GP in another board area',
    });
    expect(refused.status).toBe(201);
    expect(await refused.json()).toMatchObject({
      status: 'CANNOT_ENGAGE',
      answer: { answer: 'CANNOT_ENGAGE', reason: 'The person is registered with a GP in another board area' },
    });
    const withdraw = await asPrison.post(`/prison/engagement-requests/${view.id}/withdrawal`, {
      reason: 'x',
    });
    expect(withdraw.status).toBe(409);

    const second = await asPrison.post('/prison/engagement-requests', {
      ...body,
      respondBy: addDays(today(), 3),
    });
    expect(second.status).toBe(201);
  });

  it('the prison withdraws an open request (the body is told and can no longer answer); a repeat answers it again', async () => {
    const { body, view } = await made();
    const withdrawn = await asPrison.post(`/prison/engagement-requests/${view.id}/withdrawal`, {
      reason: 'Transferred to England: the request no longer applies',
    });
    expect(withdrawn.status).toBe(201);
    const after = (await withdrawn.json()) as EngagementRequestView;
    expect(after).toMatchObject({
      status: 'WITHDRAWN',
      withdrawal: { reason: 'Transferred to England: the request no longer applies' },
      allowedActions: [],
    });
    const repeat = await asPrison.post(`/prison/engagement-requests/${view.id}/withdrawal`, {
      reason: 'Transferred to England: the request no longer applies',
    });
    expect(repeat.status).toBe(200);
    expect(await repeat.json()).toEqual(after);
    const answer = await post(`/engagement-requests/${view.id}/answer`, body.agencyId as string, {
      answer: 'WILL_ENGAGE',
      answeredBy: 'Duty team',
    });
    expect(answer.status).toBe(409);
    expect(await problem(answer)).toMatchObject({ engagementStatus: 'WITHDRAWN', allowedActions: [] });
    const events = await running().bus.onBus('referral.engagement.withdrawn', 'engagementRequestId', view.id);
    expect(events.map((e) => EngagementWithdrawnV1.parse(e).data)).toEqual([
      {
        engagementRequestId: view.id,
        episode: 1,
        agencyId: body.agencyId,
        withdrawnAt: after.withdrawal!.withdrawnAt,
      },
    ]);
  });

  it('a request unanswered after its respond-by day is overdue (listed with overdue=true); an answer then is marked late', async () => {
    const engagements = asThePlatformService(running().app.get(EngagementsService));
    const agencyId = anAgencyId();
    const personId = aPersonId();
    const asked = new Date(Date.now() - 5 * 86_400_000);
    const { request: old } = await engagements.request(
      { establishments: ['GRE'] },
      { ...aRequest({ agencyId, personId }), respondBy: addDays(localDateOf(asked), 2) } as never,
      { correlationId: randomUUID() },
      () => asked,
    );
    const { view: fresh } = await made({ personId, agencyId: anAgencyId() }, ['GRE']);

    const overdue = (await (
      await asPrison.get(`/prison/engagement-requests?personId=${personId}&overdue=true`, ['GRE'])
    ).json()) as Page<EngagementRequestView>;
    expect(overdue.items.map((r) => [r.id, r.overdue])).toEqual([[old.id, true]]);
    const notOverdue = (await (
      await asPrison.get(`/prison/engagement-requests?personId=${personId}&overdue=false`, ['GRE'])
    ).json()) as Page<EngagementRequestView>;
    expect(notOverdue.items.map((r) => r.id)).toEqual([fresh.id]);
    const agencyOverdue = (await (
      await get('/engagement-requests?overdue=true', agencyId)
    ).json()) as Page<EngagementRequestView>;
    expect(agencyOverdue.items.map((r) => r.id)).toEqual([old.id]);

    // Dated back to the day it was asked, the answer still reached the service late.
    const answered = await post(`/engagement-requests/${old.id}/answer`, agencyId, {
      answer: 'WILL_ENGAGE',
      answeredBy: 'Duty team',
      answeredAt: old.requestedAt,
    });
    expect(answered.status).toBe(201);
    expect(await answered.json()).toMatchObject({
      overdue: false,
      answer: { answeredAt: old.requestedAt, late: true },
    });
    const events = await running().bus.onBus('referral.engagement.answered', 'engagementRequestId', old.id);
    expect(events.map((e) => EngagementAnsweredV1.parse(e).data.late)).toEqual([true]);
  });

  it('pages the prison list in request order with a cursor', async () => {
    const personId = aPersonId();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await made({ personId }, ['SHO'])).view.id);
    const page1 = (await (
      await asPrison.get(`/prison/engagement-requests?personId=${personId}&limit=2`, ['SHO'])
    ).json()) as Page<EngagementRequestView>;
    expect(page1.items.map((r) => r.id)).toEqual(ids.slice(0, 2));
    const page2 = (await (
      await asPrison.get(
        `/prison/engagement-requests?personId=${personId}&limit=2&cursor=${page1.nextCursor}`,
        ['SHO'],
      )
    ).json()) as Page<EngagementRequestView>;
    expect(page2).toEqual({ items: [expect.objectContaining({ id: ids[2] })], nextCursor: null });
  });

  it('refuses bad requests with the field named: the caller’s prison, the respond-by day, the body', async () => {
    const notMine = await asPrison.post(
      '/prison/engagement-requests',
      aRequest({ establishmentCode: 'LOW' }),
    );
    expect(notMine.status).toBe(400);
    expect((await problem(notMine)).errors).toEqual([
      expect.objectContaining({ field: 'establishmentCode' }),
    ]);
    const which = await asPrison.post('/prison/engagement-requests', aRequest(), ['BAR', 'LOW']);
    expect(which.status).toBe(400);
    expect((await problem(which)).errors).toEqual([expect.objectContaining({ field: 'establishmentCode' })]);
    const named = await asPrison.post('/prison/engagement-requests', aRequest({ establishmentCode: 'LOW' }), [
      'BAR',
      'LOW',
    ]);
    expect(named.status).toBe(201);
    expect(await named.json()).toMatchObject({ establishmentCode: 'LOW' });

    const past = await asPrison.post(
      '/prison/engagement-requests',
      aRequest({ respondBy: addDays(today(), -1) }),
    );
    expect(past.status).toBe(422);
    expect(await problem(past)).toMatchObject({ code: 'RESPOND_BY_IN_PAST' });
    const far = await asPrison.post(
      '/prison/engagement-requests',
      aRequest({ respondBy: addDays(today(), 400) }),
    );
    expect(far.status).toBe(422);
    expect(await problem(far)).toMatchObject({ code: 'RESPOND_BY_TOO_FAR' });

    const bad = await asPrison.post('/prison/engagement-requests', {
      ...aRequest({ bodyKind: 'CHURCH', personId: 'A1234BC' }),
      extra: true,
    });
    expect(bad.status).toBe(400);
    expect((await problem(bad)).errors!.map((e) => e.field).sort()).toEqual([
      '(root)',
      'bodyKind',
      'personId',
    ]);

    const { view } = await made();
    const future = await post(`/engagement-requests/${view.id}/answer`, view.agencyId, {
      answer: 'WILL_ENGAGE',
      answeredBy: 'Duty team',
      answeredAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(future.status).toBe(422);
    expect(await problem(future)).toMatchObject({ code: 'IN_FUTURE' });
    const before = await post(`/engagement-requests/${view.id}/answer`, view.agencyId, {
      answer: 'WILL_ENGAGE',
      answeredBy: 'Duty team',
      answeredAt: new Date(Date.parse(view.requestedAt) - 60_000).toISOString(),
    });
    expect(before.status).toBe(422);
    expect(await problem(before)).toMatchObject({ code: 'BEFORE_REQUESTED' });
    expect((await get('/engagement-requests/not-a-uuid', view.agencyId)).status).toBe(400);
  });

  it('an open request left at another prison still stands: a second is refused without naming the other prison’s', async () => {
    const { body } = await made();
    const again = await asPrison.post('/prison/engagement-requests', body, ['SHO']);
    expect(again.status).toBe(409);
    const answer = await problem(again);
    expect(answer).toMatchObject({ code: 'ENGAGEMENT_ALREADY_REQUESTED' });
    expect(answer).not.toHaveProperty('engagementRequestId');
  });

  it('a transfer moves the request to the prison now holding the person', async () => {
    const { body, view } = await made();
    await asThePlatformService(running().app.get(NotificationsService)).notify(
      aNotification({
        personId: body.personId as string,
        episode: 1,
        agencyId: anAgencyId(),
        subject: 'TRANSFERRED',
        liberationDate: undefined,
        previousLiberationDate: undefined,
        establishmentCode: 'LOW',
        previousEstablishmentCode: 'BAR',
      }),
    );
    const moved = (await (
      await asPrison.get(`/prison/engagement-requests/${view.id}`, ['LOW'])
    ).json()) as EngagementRequestView;
    expect(moved).toMatchObject({
      establishmentCode: 'LOW',
      requestingEstablishmentCode: 'BAR',
      allowedActions: ['WITHDRAW'],
    });
    // The prison that asked still reads it (its record), and acts on it no more.
    const asked = await asPrison.get(`/prison/engagement-requests/${view.id}`, ['BAR']);
    expect(asked.status).toBe(200);
    expect(await asked.json()).toMatchObject({ establishmentCode: 'LOW', allowedActions: [] });
    const fromBar = await asPrison.post(
      `/prison/engagement-requests/${view.id}/withdrawal`,
      { reason: 'x' },
      ['BAR'],
    );
    expect(fromBar.status).toBe(409);
    expect(await problem(fromBar)).toMatchObject({
      code: 'ENGAGEMENT_REQUEST_MOVED',
      establishmentCode: 'LOW',
    });
    expect((await asPrison.get(`/prison/engagement-requests/${view.id}`, ['GRE'])).status).toBe(404);
    expect(
      (
        await asPrison.post(`/prison/engagement-requests/${view.id}/withdrawal`, { reason: 'Plan changed' }, [
          'LOW',
        ])
      ).status,
    ).toBe(201);
  });
});
