import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DataSource } from 'typeorm';
import { ReferralOutcomeRecordedV1 } from '@throughcare/contracts';
import { loadReferralConfig } from '../config';
import type { Page } from '../pagination/keyset-cursor';
import type { EventsOnBus } from '../testing/events-on-bus';
import { asAgency, startReferralApp, asThePlatformService } from '../testing/referral-app';
import { aReferral, anAgencyId } from '../testing/referral.mother';
import type { ReferralView, SendReferralInput } from './referral.schemas';
import { ReferralsService } from './referrals.service';

const config = loadReferralConfig({ ...process.env, PORT: '0' });

interface Problem {
  status: number;
  code: string;
  detail?: string;
  errors?: Array<{ field: string; message: string }>;
}

describe('referral outcomes and withdrawal: the feedback loop, scoped to the calling agency (real Postgres, NATS, Temporal)', () => {
  let app: NestFastifyApplication;
  let base: string;
  let bus: EventsOnBus;
  let dataSource: DataSource;
  let referrals: ReferralsService;

  beforeAll(async () => {
    ({ app, base, dataSource, bus } = await startReferralApp(config));
    referrals = asThePlatformService(app.get(ReferralsService));
  });

  afterAll(async () => {
    await bus?.close();
    await app?.close();
  });

  const { get, post } = asAgency(() => base);
  const sent = async (overrides: Partial<SendReferralInput> = {}) => {
    const input = aReferral(overrides);
    return { id: (await referrals.send(input)).referralId, input };
  };
  const minutesAfter = (iso: string, minutes: number) =>
    new Date(Date.parse(iso) + minutes * 60_000).toISOString();
  /** Sent and acknowledged as it was sent: ready for the agency's decisions (the lifecycle's order). */
  const acknowledged = async (overrides: Partial<SendReferralInput> = {}) => {
    const referral = await sent(overrides);
    const response = await post(`/referrals/${referral.id}/acknowledgement`, referral.input.agencyId, {
      acknowledgedBy: 'Duty team',
      acknowledgedAt: referral.input.sentAt,
    });
    expect(response.status).toBe(201);
    return referral;
  };
  const outcome = (id: string, agencyId: string | undefined, body: unknown, key?: string) =>
    post(`/referrals/${id}/outcome`, agencyId, body, key ? { 'idempotency-key': key } : {});
  const storedOutcomes = async (id: string) =>
    (await dataSource.query(
      `SELECT decision, reason, decided_at AS "decidedAt" FROM "referral"."referral_outcome"
        WHERE referral_id = $1 ORDER BY sequence`,
      [id],
    )) as Array<{ decision: string; reason: string | null; decidedAt: Date }>;
  const withdraw = (referralId: string, reason = 'Consent withdrawn') =>
    referrals.withdraw({
      idempotencyKey: `spec:${randomUUID()}:withdraw`,
      referralId,
      reason,
      correlationId: randomUUID(),
    });

  it('records each decision: 201, one outcome-recorded event each, and the referral shows them in decision order', async () => {
    const { id, input } = await acknowledged();
    const correlationId = `spec-${randomUUID()}`;
    const waiting = minutesAfter(input.sentAt, 20);
    const moreInfo = minutesAfter(input.sentAt, 10);

    const first = await outcome(
      id,
      input.agencyId,
      { decision: 'ON_WAITING_LIST', decidedAt: waiting },
      undefined,
    );
    expect(first.status).toBe(201);
    // Reported late, but decided earlier: it shows first.
    const second = await post(
      `/referrals/${id}/outcome`,
      input.agencyId,
      { decision: 'MORE_INFORMATION_REQUESTED', reason: 'Need the licence conditions', decidedAt: moreInfo },
      { 'x-correlation-id': correlationId },
    );
    expect(second.status).toBe(201);
    const before = Date.now();
    const third = await outcome(id, input.agencyId, { decision: 'ACCEPTED' });
    expect(third.status).toBe(201);
    const view = (await third.json()) as ReferralView;

    expect(view.outcomes).toEqual([
      {
        decision: 'MORE_INFORMATION_REQUESTED',
        reason: 'Need the licence conditions',
        decidedAt: moreInfo,
        recordedAt: expect.any(String) as string,
      },
      {
        decision: 'ON_WAITING_LIST',
        reason: null,
        decidedAt: waiting,
        recordedAt: expect.any(String) as string,
      },
      {
        decision: 'ACCEPTED',
        reason: null,
        decidedAt: expect.any(String) as string,
        recordedAt: expect.any(String) as string,
      },
    ]);
    const accepted = view.outcomes[2]!;
    expect(Date.parse(accepted.decidedAt)).toBeGreaterThanOrEqual(before - 1);
    expect(Date.parse(accepted.decidedAt)).toBeLessThanOrEqual(Date.now());
    expect(view).toMatchObject({
      status: 'ACCEPTED',
      allowedActions: ['PLACE_ON_WAITING_LIST', 'WITHDRAW', 'CLOSE', 'BOOK_APPOINTMENT'],
      withdrawal: null,
    });
    expect(await (await get(`/referrals/${id}`, input.agencyId)).json()).toEqual(view);
    const listed = (await (await get('/referrals', input.agencyId)).json()) as Page<ReferralView>;
    expect(listed.items).toEqual([view]);
    expect((await storedOutcomes(id)).map((o) => o.decision)).toEqual([
      'ON_WAITING_LIST',
      'MORE_INFORMATION_REQUESTED',
      'ACCEPTED',
    ]);

    const events = (await bus.onBus('referral.referral.outcome-recorded', 'referralId', id)).map((e) =>
      ReferralOutcomeRecordedV1.parse(e),
    );
    expect(events).toHaveLength(3);
    const envelope = {
      eventType: 'referral.referral.outcome-recorded',
      version: 1,
      eventId: expect.any(String) as string,
      personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: input.personId }] },
    };
    expect(events).toEqual([
      {
        ...envelope,
        occurredAt: waiting,
        correlationId: expect.any(String) as string,
        data: {
          referralId: id,
          episode: 1,
          agencyId: input.agencyId,
          decision: 'ON_WAITING_LIST',
          decidedAt: waiting,
        },
      },
      {
        ...envelope,
        occurredAt: moreInfo,
        correlationId,
        data: {
          referralId: id,
          episode: 1,
          agencyId: input.agencyId,
          decision: 'MORE_INFORMATION_REQUESTED',
          decidedAt: moreInfo,
          reason: 'Need the licence conditions',
        },
      },
      {
        ...envelope,
        occurredAt: accepted.decidedAt,
        correlationId: expect.any(String) as string,
        data: {
          referralId: id,
          episode: 1,
          agencyId: input.agencyId,
          decision: 'ACCEPTED',
          decidedAt: accepted.decidedAt,
        },
      },
    ]);
  });

  it('honours Idempotency-Key: the same key answers 200 with nothing new; the same key with other facts or another referral is 422', async () => {
    const { id, input } = await acknowledged();
    const { id: otherId } = await acknowledged({ agencyId: input.agencyId });
    const key = `spec-${randomUUID()}`;
    const body = {
      decision: 'DECLINED',
      reason: 'Outside our area',
      decidedAt: minutesAfter(input.sentAt, 5),
    };

    const first = await outcome(id, input.agencyId, body, key);
    expect(first.status).toBe(201);
    const recorded = (await first.json()) as ReferralView;

    const retry = await outcome(id, input.agencyId, body, key);
    expect(retry.status).toBe(200);
    expect(await retry.json()).toEqual(recorded);

    const reused = await outcome(id, input.agencyId, { ...body, decision: 'WITHDRAWN' }, key);
    expect(reused.status).toBe(422);
    expect(await reused.json()).toMatchObject({ status: 422, code: 'IDEMPOTENCY_KEY_REUSED' });
    const elsewhere = await outcome(otherId, input.agencyId, body, key);
    expect(elsewhere.status).toBe(422);
    expect(((await elsewhere.json()) as Problem).detail).toMatch(/referral/);

    // Keys are the calling agency's own: another agency's same key is its own (and finds no referral here).
    expect((await outcome(id, anAgencyId(), body, key)).status).toBe(404);

    expect(await storedOutcomes(id)).toHaveLength(1);
    expect(await storedOutcomes(otherId)).toHaveLength(0);
    expect(await bus.onBus('referral.referral.outcome-recorded', 'referralId', id)).toHaveLength(1);
  });

  it('records once when the same key is posted concurrently', async () => {
    const { id, input } = await acknowledged();
    const key = `spec-${randomUUID()}`;

    const statuses = await Promise.all(
      [1, 2, 3, 4].map(async () => (await outcome(id, input.agencyId, { decision: 'ACCEPTED' }, key)).status),
    );

    expect(statuses.sort()).toEqual([200, 200, 200, 201]);
    expect(await storedOutcomes(id)).toHaveLength(1);
    expect(await bus.outbox('referral.referral.outcome-recorded', 'referralId', id)).toHaveLength(1);
  });

  it('answers the same decision, reason and decidedAt again without a key with 200 and no second event', async () => {
    const { id, input } = await acknowledged();
    const body = {
      decision: 'MORE_INFORMATION_REQUESTED',
      reason: 'Need the licence conditions',
      decidedAt: minutesAfter(input.sentAt, 5),
    };

    expect((await outcome(id, input.agencyId, body)).status).toBe(201);
    expect((await outcome(id, input.agencyId, body)).status).toBe(200);
    // Another reason at the same instant is another fact (asking again for more is allowed).
    expect((await outcome(id, input.agencyId, { ...body, reason: 'Need the home address' })).status).toBe(
      201,
    );

    expect(await storedOutcomes(id)).toHaveLength(2);
    expect(await bus.outbox('referral.referral.outcome-recorded', 'referralId', id)).toHaveLength(2);
  });

  it('shows another agency nothing (404) and answers 401 without an access token', async () => {
    const { id, input } = await sent();

    const hidden = await outcome(id, anAgencyId(), { decision: 'ACCEPTED' });
    expect(hidden.status).toBe(404);
    expect(hidden.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await hidden.json()).toMatchObject({ status: 404, code: 'REFERRAL_NOT_FOUND' });
    expect((await outcome(randomUUID(), input.agencyId, { decision: 'ACCEPTED' })).status).toBe(404);

    const anonymous = await outcome(id, undefined, { decision: 'ACCEPTED' });
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });

    expect(await storedOutcomes(id)).toHaveLength(0);
  });

  it('refuses DECLINED and WITHDRAWN without a reason, and other bad bodies and keys, with 400 naming each field', async () => {
    const { id, input } = await sent();

    for (const decision of ['DECLINED', 'WITHDRAWN']) {
      const response = await outcome(id, input.agencyId, { decision });
      expect(response.status).toBe(400);
      const problem = (await response.json()) as Problem;
      expect(problem.code).toBe('VALIDATION_FAILED');
      expect(problem.errors).toEqual([
        { field: 'reason', message: `required when the decision is ${decision}` },
      ]);
    }
    const blank = await outcome(id, input.agencyId, { decision: 'DECLINED', reason: '   ' });
    expect(((await blank.json()) as Problem).errors?.map((e) => e.field)).toEqual(['reason']);

    const bad = await outcome(id, input.agencyId, {
      decision: 'OFFERED',
      decidedAt: 'yesterday',
      reason: 'x'.repeat(501),
      by: 'me',
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Problem).errors?.map((e) => e.field).sort()).toEqual([
      '(root)',
      'decidedAt',
      'decision',
      'reason',
    ]);

    const key = await outcome(id, input.agencyId, { decision: 'ACCEPTED' }, 'k'.repeat(201));
    expect(key.status).toBe(400);
    expect(((await key.json()) as Problem).errors?.map((e) => e.field)).toEqual(['idempotency-key']);

    expect((await outcome('not-a-uuid', input.agencyId, { decision: 'ACCEPTED' })).status).toBe(400);
    expect(await storedOutcomes(id)).toHaveLength(0);
  });

  it('refuses a decision dated before the referral was sent or in the future with 422, recording nothing', async () => {
    const { id, input } = await sent();

    const early = await outcome(id, input.agencyId, {
      decision: 'ACCEPTED',
      decidedAt: minutesAfter(input.sentAt, -1),
    });
    expect(early.status).toBe(422);
    expect(await early.json()).toMatchObject({ code: 'DECIDED_BEFORE_SENT' });
    const future = await outcome(id, input.agencyId, {
      decision: 'ACCEPTED',
      decidedAt: new Date(Date.now() + 24 * 60 * 60_000).toISOString(),
    });
    expect(future.status).toBe(422);
    expect(await future.json()).toMatchObject({ code: 'DECIDED_IN_FUTURE' });

    expect(await storedOutcomes(id)).toHaveLength(0);
    expect(await bus.outbox('referral.referral.outcome-recorded', 'referralId', id)).toHaveLength(0);
  });

  it('refuses an acknowledgement or a decision on a withdrawn referral with 409 and the reason; a keyed retry of an earlier decision still answers', async () => {
    const { id, input } = await acknowledged();
    const key = `spec-${randomUUID()}`;
    expect((await outcome(id, input.agencyId, { decision: 'ON_WAITING_LIST' }, key)).status).toBe(201);
    expect(await withdraw(id, 'Consent withdrawn at the summary review')).toEqual({ withdrawn: true });
    expect(await withdraw(id, 'Case closed')).toEqual({ withdrawn: false });

    const acknowledge = await post(`/referrals/${id}/acknowledgement`, input.agencyId, {
      acknowledgedBy: 'Duty team',
    });
    expect(acknowledge.status).toBe(409);
    const ackProblem = (await acknowledge.json()) as Problem;
    expect(ackProblem).toMatchObject({ status: 409, code: 'REFERRAL_WITHDRAWN' });
    expect(ackProblem.detail).toMatch(/Consent withdrawn at the summary review/);

    const decided = await outcome(id, input.agencyId, { decision: 'ACCEPTED' });
    expect(decided.status).toBe(409);
    const decidedProblem = (await decided.json()) as Problem;
    expect(decidedProblem).toMatchObject({ status: 409, code: 'REFERRAL_WITHDRAWN' });
    expect(decidedProblem.detail).toMatch(/Consent withdrawn at the summary review/);

    const retry = await outcome(id, input.agencyId, { decision: 'ON_WAITING_LIST' }, key);
    expect(retry.status).toBe(200);
    const view = (await retry.json()) as ReferralView;
    expect(view).toMatchObject({
      status: 'WITHDRAWN',
      allowedActions: [],
      acknowledgement: { acknowledgedBy: 'Duty team' },
      withdrawal: { reason: 'Consent withdrawn at the summary review' },
    });
    expect(view.outcomes.map((o) => o.decision)).toEqual(['ON_WAITING_LIST']);
    expect(await bus.outbox('referral.referral.outcome-recorded', 'referralId', id)).toHaveLength(1);
    // The one acknowledgement from before the withdrawal; the refused one added nothing.
    expect(await bus.outbox('referral.referral.acknowledged', 'referralId', id)).toHaveLength(1);
    expect(await bus.outbox('referral.referral.withdrawn', 'referralId', id)).toHaveLength(1);
  });

  it('lists withdrawn referrals on their own: status=WITHDRAWN, and no longer as awaiting or acknowledged', async () => {
    const agencyId = anAgencyId();
    const { id: awaiting } = await sent({ agencyId });
    const { id: acknowledgedId } = await sent({ agencyId });
    const { id: withdrawnAwaiting } = await sent({ agencyId });
    const { id: withdrawnAcknowledged } = await sent({ agencyId });
    for (const id of [acknowledgedId, withdrawnAcknowledged])
      expect(
        (await post(`/referrals/${id}/acknowledgement`, agencyId, { acknowledgedBy: 'Duty team' })).status,
      ).toBe(201);
    await withdraw(withdrawnAwaiting);
    await withdraw(withdrawnAcknowledged);

    const ids = async (status: string) =>
      ((await (await get(`/referrals?status=${status}`, agencyId)).json()) as Page<ReferralView>).items
        .map((r) => r.id)
        .sort();
    expect(await ids('AWAITING_ACKNOWLEDGEMENT')).toEqual([awaiting]);
    expect(await ids('ACKNOWLEDGED')).toEqual([acknowledgedId]);
    expect(await ids('WITHDRAWN')).toEqual([withdrawnAwaiting, withdrawnAcknowledged].sort());
    expect(await ids('ACCEPTED')).toEqual([]);
    const shown = (await (await get(`/referrals/${withdrawnAcknowledged}`, agencyId)).json()) as ReferralView;
    expect(shown).toMatchObject({
      status: 'WITHDRAWN',
      acknowledgement: { acknowledgedBy: 'Duty team' },
      withdrawal: { reason: 'Consent withdrawn', withdrawnAt: expect.any(String) as string },
    });
  });

  it('follows the lifecycle table: a decision before the acknowledgement is 409 with the allowed actions, recording nothing', async () => {
    const { id, input } = await sent();

    const early = await outcome(id, input.agencyId, { decision: 'ACCEPTED' });
    expect(early.status).toBe(409);
    expect(early.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await early.json()).toMatchObject({
      status: 409,
      code: 'TRANSITION_NOT_ALLOWED',
      action: 'ACCEPT',
      statusThen: 'AWAITING_ACKNOWLEDGEMENT',
      allowedThen: ['ACKNOWLEDGE'],
      referralStatus: 'AWAITING_ACKNOWLEDGEMENT',
      allowedActions: ['ACKNOWLEDGE'],
    });
    expect(await storedOutcomes(id)).toHaveLength(0);
    expect(await bus.outbox('referral.referral.outcome-recorded', 'referralId', id)).toHaveLength(0);
    const view = (await (await get(`/referrals/${id}`, input.agencyId)).json()) as ReferralView;
    expect(view).toMatchObject({ status: 'AWAITING_ACKNOWLEDGEMENT', allowedActions: ['ACKNOWLEDGE'] });
  });

  it('checks a late-reported decision where its decidedAt places it: between facts is fine, stranding a later one is 409 naming it', async () => {
    const { id, input } = await acknowledged();
    const at = (minutes: number) => minutesAfter(input.sentAt, minutes);
    expect(
      (await outcome(id, input.agencyId, { decision: 'ON_WAITING_LIST', decidedAt: at(20) })).status,
    ).toBe(201);
    expect(
      (await outcome(id, input.agencyId, { decision: 'DECLINED', reason: 'No capacity', decidedAt: at(30) }))
        .status,
    ).toBe(201);

    // Accepted at 25 would leave the decline at 30 following ACCEPTED, which allows only WITHDRAW.
    const stranding = await outcome(id, input.agencyId, { decision: 'ACCEPTED', decidedAt: at(25) });
    expect(stranding.status).toBe(409);
    const problem = (await stranding.json()) as Problem & Record<string, unknown>;
    expect(problem).toMatchObject({
      code: 'TRANSITION_NOT_ALLOWED',
      action: 'ACCEPT',
      refused: { action: 'DECLINE', at: at(30) },
      statusThen: 'ACCEPTED',
      allowedThen: ['PLACE_ON_WAITING_LIST', 'WITHDRAW', 'CLOSE', 'BOOK_APPOINTMENT'],
      referralStatus: 'DECLINED',
      allowedActions: ['REQUEST_MORE_INFORMATION', 'PLACE_ON_WAITING_LIST', 'ACCEPT'],
    });
    expect(problem['status']).toBe(409);
    expect(problem.detail).toMatch(/would leave the DECLINE/);

    // Reported late but decided at 10, between the acknowledgement and the waiting list: taken.
    expect(
      (
        await outcome(id, input.agencyId, {
          decision: 'MORE_INFORMATION_REQUESTED',
          reason: 'Licence',
          decidedAt: at(10),
        })
      ).status,
    ).toBe(201);
    // Declined, then reconsidered: the agency takes the need back.
    const reconsidered = await outcome(id, input.agencyId, { decision: 'ACCEPTED', decidedAt: at(40) });
    expect(reconsidered.status).toBe(201);
    expect(await reconsidered.json()).toMatchObject({
      status: 'ACCEPTED',
      allowedActions: ['PLACE_ON_WAITING_LIST', 'WITHDRAW', 'CLOSE', 'BOOK_APPOINTMENT'],
      outcomes: [
        { decision: 'MORE_INFORMATION_REQUESTED' },
        { decision: 'ON_WAITING_LIST' },
        { decision: 'DECLINED' },
        { decision: 'ACCEPTED' },
      ],
    });
    // Accepted, then declined, is not a path: the agency withdraws instead.
    const declined = await outcome(id, input.agencyId, { decision: 'DECLINED', reason: 'Changed our mind' });
    expect(declined.status).toBe(409);
    expect(await declined.json()).toMatchObject({
      statusThen: 'ACCEPTED',
      allowedActions: ['PLACE_ON_WAITING_LIST', 'WITHDRAW', 'CLOSE', 'BOOK_APPOINTMENT'],
    });
    expect(
      (await outcome(id, input.agencyId, { decision: 'WITHDRAWN', reason: 'Moved out of our area' })).status,
    ).toBe(201);
    expect(await storedOutcomes(id)).toHaveLength(5);
  });

  it('counts an acknowledgement stamped when a case system synchronised from the decision it reports with its real date', async () => {
    const { id, input } = await sent();
    const at = (minutes: number) => minutesAfter(input.sentAt, minutes);
    // Acknowledged now (no acknowledgedAt), then the acceptance of 10 minutes after sending.
    expect(
      (await post(`/referrals/${id}/acknowledgement`, input.agencyId, { acknowledgedBy: 'Duty team' }))
        .status,
    ).toBe(201);
    const accepted = await outcome(id, input.agencyId, { decision: 'ACCEPTED', decidedAt: at(10) });
    expect(accepted.status).toBe(201);
    // A waiting list reported after, dated before the acceptance: the referral stays ACCEPTED, and
    // the list filter (the stored status) says so too.
    expect(
      (await outcome(id, input.agencyId, { decision: 'ON_WAITING_LIST', decidedAt: at(5) })).status,
    ).toBe(201);
    const listed = async (status: string) =>
      (
        (await (await get(`/referrals?status=${status}`, input.agencyId)).json()) as Page<ReferralView>
      ).items.map((r) => [r.id, r.status]);
    expect(await listed('ACCEPTED')).toEqual([[id, 'ACCEPTED']]);
    expect(await listed('ON_WAITING_LIST')).toEqual([]);
  });

  it('answers a retry without a key or a decidedAt (stamped anew) as a repeat of the latest decision: 200, nothing recorded', async () => {
    const { id, input } = await acknowledged();
    expect((await outcome(id, input.agencyId, { decision: 'ACCEPTED' })).status).toBe(201);
    const retry = await outcome(id, input.agencyId, { decision: 'ACCEPTED' });
    expect(retry.status).toBe(200);
    expect(await retry.json()).toMatchObject({ status: 'ACCEPTED', outcomes: [{ decision: 'ACCEPTED' }] });
    // The place fell through: back on the waiting list, kept by the agency; asked twice, recorded once.
    const body = { decision: 'ON_WAITING_LIST', reason: 'The bed space fell through' };
    expect((await outcome(id, input.agencyId, body)).status).toBe(201);
    expect((await outcome(id, input.agencyId, body)).status).toBe(200);
    // Another reason for the same decision is not a repeat, and the table has no waiting list from itself.
    const other = await outcome(id, input.agencyId, { ...body, reason: 'Another reason' });
    expect(other.status).toBe(409);
    expect(await other.json()).toMatchObject({
      code: 'TRANSITION_NOT_ALLOWED',
      statusThen: 'ON_WAITING_LIST',
    });
    expect((await storedOutcomes(id)).map((o) => o.decision)).toEqual(['ACCEPTED', 'ON_WAITING_LIST']);
    expect(await bus.outbox('referral.referral.outcome-recorded', 'referralId', id)).toHaveLength(2);
  });

  it('keeps the stored status, which the list filters on, equal to what the facts add up to', async () => {
    const agencyId = anAgencyId();
    const { id: accepted } = await acknowledged({ agencyId });
    expect((await outcome(accepted, agencyId, { decision: 'ACCEPTED' })).status).toBe(201);
    const { id: stopped } = await acknowledged({ agencyId });
    expect(
      (await outcome(stopped, agencyId, { decision: 'WITHDRAWN', reason: 'No longer eligible' })).status,
    ).toBe(201);
    const { id: waiting } = await acknowledged({ agencyId });
    expect((await outcome(waiting, agencyId, { decision: 'ON_WAITING_LIST' })).status).toBe(201);
    await withdraw(waiting);

    const listed = async (status: string) =>
      ((await (await get(`/referrals?status=${status}`, agencyId)).json()) as Page<ReferralView>).items.map(
        (r) => [r.id, r.status],
      );
    expect(await listed('ACCEPTED')).toEqual([[accepted, 'ACCEPTED']]);
    expect(await listed('WITHDRAWN_BY_AGENCY')).toEqual([[stopped, 'WITHDRAWN_BY_AGENCY']]);
    expect(await listed('WITHDRAWN')).toEqual([[waiting, 'WITHDRAWN']]);
    expect(await listed('ON_WAITING_LIST')).toEqual([]);
    const all = ((await (await get('/referrals?limit=100', agencyId)).json()) as Page<ReferralView>).items;
    const stored = (await dataSource.query(
      `SELECT id, status FROM "referral"."referral" WHERE agency_id = $1`,
      [agencyId],
    )) as Array<{ id: string; status: string }>;
    expect(Object.fromEntries(stored.map((r) => [r.id, r.status]))).toEqual(
      Object.fromEntries(all.map((r) => [r.id, r.status])),
    );
    const unknown = await get('/referrals?status=FINISHED', agencyId);
    expect(unknown.status).toBe(400);
  });

  it('serves the lifecycle table to agencies', async () => {
    const { input } = await sent();
    const response = await get('/referrals/lifecycle', input.agencyId);
    expect(response.status).toBe(200);
    const table = (await response.json()) as {
      initial: string;
      statuses: string[];
      transitions: Array<{ action: string; by: string; from: string[]; to: string; decision?: string }>;
    };
    expect(table.initial).toBe('AWAITING_ACKNOWLEDGEMENT');
    expect(table.statuses).toContain('WITHDRAWN_BY_AGENCY');
    expect(table.transitions.find((t) => t.action === 'ACCEPT')).toMatchObject({
      by: 'AGENCY',
      decision: 'ACCEPTED',
      to: 'ACCEPTED',
      from: [
        'ACKNOWLEDGED',
        'MORE_INFORMATION_REQUESTED',
        'ON_WAITING_LIST',
        'DECLINED',
        'WITHDRAWN_BY_AGENCY',
      ],
    });
    expect((await get('/referrals/lifecycle', undefined)).status).toBe(401);
  });

  it('documents the outcome route with its bearer token and Idempotency-Key in OpenAPI', async () => {
    const doc = (await (await fetch(`${base}/docs-json`)).json()) as {
      paths: Record<
        string,
        Record<
          string,
          {
            parameters?: Array<{ name: string; in: string; required?: boolean }>;
            security?: Record<string, string[]>[];
          }
        >
      >;
    };
    const operation = doc.paths['/referrals/{id}/outcome']?.['post'];
    const parameters = operation?.parameters ?? [];
    expect(operation?.security).toEqual([{ bearer: [] }]);
    expect(parameters.find((p) => p.name === 'idempotency-key')).toMatchObject({
      in: 'header',
      required: false,
    });
  });
});
