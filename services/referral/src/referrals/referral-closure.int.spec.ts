import { randomUUID } from 'node:crypto';
import { ReferralClosedV1 } from '@throughcare/contracts';
import { loadReferralConfig } from '../config';
import type { Page } from '../pagination/keyset-cursor';
import { asThePlatformService, useReferralApp, type Problem } from '../testing/referral-app';
import { aReferral, anAgencyId } from '../testing/referral.mother';
import type { ReferralView, SendReferralInput } from './referral.schemas';
import { ReferralsService } from './referrals.service';

const config = loadReferralConfig({ ...process.env, PORT: '0' });

describe('closing a case: the agency says what its work achieved, once (real Postgres, NATS, Temporal)', () => {
  const { running, get, post } = useReferralApp(config);
  const bus = () => running().bus;
  const referrals = () => asThePlatformService(running().app.get(ReferralsService));
  const minutesAfter = (iso: string, minutes: number) =>
    new Date(Date.parse(iso) + minutes * 60_000).toISOString();
  const code = async (response: Response) => ((await response.json()) as Problem).code;

  /** Sent an hour ago, acknowledged when sent, accepted 10 minutes later. */
  const accepted = async (overrides: Partial<SendReferralInput> = {}) => {
    const input = aReferral({ sentAt: new Date(Date.now() - 60 * 60_000).toISOString(), ...overrides });
    const { referralId: id } = await referrals().send(input);
    const { agencyId } = input;
    const ack = { acknowledgedBy: 'Duty team', acknowledgedAt: input.sentAt };
    expect((await post(`/referrals/${id}/acknowledgement`, agencyId, ack)).status).toBe(201);
    const acceptedAt = minutesAfter(input.sentAt, 10);
    const accept = { decision: 'ACCEPTED', decidedAt: acceptedAt };
    expect((await post(`/referrals/${id}/outcome`, agencyId, accept)).status).toBe(201);
    return { id, agencyId, input, acceptedAt };
  };
  const close = (id: string, agencyId: string | undefined, body: unknown) =>
    post(`/referrals/${id}/closure`, agencyId, body);
  const closure = {
    outcome: 'PARTIALLY_ACHIEVED',
    closedBy: 'Housing Options team',
    summary: 'Tenancy signed; benefits claim still open with the DWP',
  };

  it('closes an accepted case (201): CLOSED, nothing more allowed, and the bus carries the outcome code but never the summary', async () => {
    const { id, agencyId, input } = await accepted();
    const closedAt = minutesAfter(input.sentAt, 30);
    const correlationId = `spec-${randomUUID()}`;

    const response = await post(
      `/referrals/${id}/closure`,
      agencyId,
      { ...closure, closedAt },
      { 'x-correlation-id': correlationId },
    );
    expect(response.status).toBe(201);
    const view = (await response.json()) as ReferralView;
    expect(view).toMatchObject({
      status: 'CLOSED',
      allowedActions: [],
      closure: {
        outcome: 'PARTIALLY_ACHIEVED',
        closedAt,
        closedBy: 'Housing Options team',
        summary: closure.summary,
        recordedAt: expect.any(String) as string,
      },
    });
    expect(await (await get(`/referrals/${id}`, agencyId)).json()).toEqual(view);

    const events = await bus().onBus('referral.referral.closed', 'referralId', id);
    expect(events).toHaveLength(1);
    const event = ReferralClosedV1.parse(events[0]);
    expect(event).toMatchObject({
      correlationId,
      occurredAt: closedAt,
      data: { referralId: id, episode: input.episode, agencyId, outcome: 'PARTIALLY_ACHIEVED', closedAt },
    });
    expect(JSON.stringify(events[0])).not.toContain('Tenancy');

    // The list filter knows the status.
    const page = (await (
      await get('/referrals?status=CLOSED&limit=100', agencyId)
    ).json()) as Page<ReferralView>;
    expect(page.items.map((r) => r.id)).toEqual([id]);

    // Nothing follows: a decision after the closure is refused, naming what is allowed (nothing).
    const waiting = await post(`/referrals/${id}/outcome`, agencyId, { decision: 'ON_WAITING_LIST' });
    expect(waiting.status).toBe(409);
    expect(await waiting.json()).toMatchObject({
      code: 'TRANSITION_NOT_ALLOWED',
      statusThen: 'CLOSED',
      allowedThen: [],
      referralStatus: 'CLOSED',
    });
  });

  it('answers the same closure again with 200 and no second event; another closure is refused with 409', async () => {
    const { id, agencyId } = await accepted();
    expect((await close(id, agencyId, closure)).status).toBe(201);
    const again = await close(id, agencyId, closure);
    expect(again.status).toBe(200);
    expect(((await again.json()) as ReferralView).status).toBe('CLOSED');
    expect(await bus().outbox('referral.referral.closed', 'referralId', id)).toHaveLength(1);

    const other = await close(id, agencyId, { ...closure, outcome: 'ACHIEVED' });
    expect(other.status).toBe(409);
    expect(await other.json()).toMatchObject({ code: 'TRANSITION_NOT_ALLOWED', referralStatus: 'CLOSED' });
    const stored = (await running().dataSource.query(
      `SELECT closure_outcome AS outcome FROM referral.referral WHERE id = $1`,
      [id],
    )) as Array<{ outcome: string }>;
    expect(stored).toEqual([{ outcome: 'PARTIALLY_ACHIEVED' }]);
  });

  it('closes only a case the agency took on, dated after its acceptance, by the agency holding it', async () => {
    // Not accepted: only acknowledged.
    const input = aReferral();
    const { referralId: id } = await referrals().send(input);
    await post(`/referrals/${id}/acknowledgement`, input.agencyId, { acknowledgedBy: 'Duty team' });
    const early = await close(id, input.agencyId, closure);
    expect(early.status).toBe(409);
    expect(await early.json()).toMatchObject({
      code: 'TRANSITION_NOT_ALLOWED',
      statusThen: 'ACKNOWLEDGED',
      allowedActions: ['REQUEST_MORE_INFORMATION', 'PLACE_ON_WAITING_LIST', 'ACCEPT', 'DECLINE', 'WITHDRAW'],
    });

    const taken = await accepted();
    // Dated before its acceptance: the case was not yet taken on then.
    const before = await close(taken.id, taken.agencyId, {
      ...closure,
      closedAt: minutesAfter(taken.acceptedAt, -1),
    });
    expect(before.status).toBe(409);
    expect(await before.json()).toMatchObject({ code: 'TRANSITION_NOT_ALLOWED', statusThen: 'ACKNOWLEDGED' });
    expect(
      await code(await close(taken.id, taken.agencyId, { ...closure, closedAt: '2020-01-01T00:00:00Z' })),
    ).toBe('CLOSED_BEFORE_SENT');
    const future = new Date(Date.now() + 60 * 60_000).toISOString();
    expect(await code(await close(taken.id, taken.agencyId, { ...closure, closedAt: future }))).toBe(
      'CLOSED_IN_FUTURE',
    );
    // Another agency's referral does not exist for the caller.
    const elsewhere = await close(taken.id, anAgencyId(), closure);
    expect(elsewhere.status).toBe(404);
    expect(await bus().outbox('referral.referral.closed', 'referralId', taken.id)).toHaveLength(0);
  });

  it('refuses a body it cannot take, naming each field', async () => {
    const { id, agencyId } = await accepted();
    const response = await close(id, agencyId, {
      outcome: 'DONE',
      closedBy: '   ',
      summary: 'x'.repeat(2001),
      closedAt: 'yesterday',
      note: 'extra',
    });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as Problem;
    expect(problem.errors?.map((e) => e.field).sort()).toEqual(
      ['(root)', 'closedAt', 'closedBy', 'outcome', 'summary'].sort(),
    );
  });

  it('a closed case stays closed when the journey withdraws it (nothing left to withdraw), and a withdrawn one cannot be closed', async () => {
    const { id, agencyId } = await accepted();
    expect((await close(id, agencyId, { outcome: 'ACHIEVED', closedBy: 'Mentoring service' })).status).toBe(
      201,
    );
    const withdrawal = {
      idempotencyKey: `spec:${randomUUID()}`,
      referralId: id,
      reason: 'The case closed',
      correlationId: randomUUID(),
    };
    expect(await referrals().withdraw(withdrawal)).toEqual({ withdrawn: false });
    const view = (await (await get(`/referrals/${id}`, agencyId)).json()) as ReferralView;
    expect(view).toMatchObject({
      status: 'CLOSED',
      withdrawal: null,
      closure: { outcome: 'ACHIEVED', summary: null },
    });

    const other = await accepted();
    expect(
      await referrals().withdraw({
        ...withdrawal,
        idempotencyKey: `spec:${randomUUID()}`,
        referralId: other.id,
      }),
    ).toEqual({
      withdrawn: true,
    });
    expect(await code(await close(other.id, other.agencyId, closure))).toBe('REFERRAL_WITHDRAWN');
  });

  it("takes one of two different closures sent at once, and refuses the other; a closure racing the journey's withdrawal leaves one of them, never both", async () => {
    const { id, agencyId } = await accepted();
    const answers = await Promise.all([
      close(id, agencyId, { ...closure, outcome: 'ACHIEVED' }),
      close(id, agencyId, { ...closure, outcome: 'NOT_ACHIEVED' }),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
    expect(await bus().outbox('referral.referral.closed', 'referralId', id)).toHaveLength(1);

    for (let n = 0; n < 3; n++) {
      const race = await accepted();
      const [closing, withdrawal] = await Promise.all([
        close(race.id, race.agencyId, closure),
        referrals().withdraw({
          idempotencyKey: `spec:${randomUUID()}`,
          referralId: race.id,
          reason: 'The case closed',
          correlationId: randomUUID(),
        }),
      ]);
      const [row] = (await running().dataSource.query(
        `SELECT status, closed_at IS NOT NULL AS closed, withdrawn_at IS NOT NULL AS withdrawn FROM referral.referral WHERE id = $1`,
        [race.id],
      )) as Array<{ status: string; closed: boolean; withdrawn: boolean }>;
      if (closing.status === 201) {
        expect([withdrawal, row]).toEqual([
          { withdrawn: false },
          { status: 'CLOSED', closed: true, withdrawn: false },
        ]);
      } else {
        expect([closing.status, await code(closing), withdrawal]).toEqual([
          409,
          'REFERRAL_WITHDRAWN',
          { withdrawn: true },
        ]);
        expect(row).toEqual({ status: 'WITHDRAWN', closed: false, withdrawn: true });
      }
    }
  });
});
