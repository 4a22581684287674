import { randomUUID } from 'node:crypto';
import { bearer } from '@throughcare/testing';
import { loadReferralConfig } from '../config';
import { NotificationsService } from '../notifications/notifications.service';
import type { Page } from '../pagination/keyset-cursor';
import type { ReferralView, SendReferralInput } from '../referrals/referral.schemas';
import { ReferralsService } from '../referrals/referrals.service';
import {
  asThePlatformService,
  REFERRAL_AUDIENCE,
  useReferralApp,
  type Problem,
} from '../testing/referral-app';
import { aNotification, aReferral } from '../testing/referral.mother';
import type { NoteView } from './referral-note.schemas';

const config = loadReferralConfig({ ...process.env, PORT: '0' });

describe('case notes and the prison side of the loop (real Postgres, NATS, Temporal)', () => {
  const { running, get, post } = useReferralApp(config);
  const referrals = () => asThePlatformService(running().app.get(ReferralsService));
  const notifications = () => asThePlatformService(running().app.get(NotificationsService));
  const code = async (response: Response) => ((await response.json()) as Problem).code;
  const minutesAfter = (iso: string, minutes: number) =>
    new Date(Date.parse(iso) + minutes * 60_000).toISOString();

  /** GET as prison staff of these establishments. */
  const asPrison = async (path: string, establishments: string[]) =>
    fetch(`${running().base}${path}`, {
      headers: await bearer({ roles: ['prison-staff'], establishments }, REFERRAL_AUDIENCE),
    });
  const sent = async (overrides: Partial<SendReferralInput> = {}) => {
    const input = aReferral({ establishmentCode: 'BAR', ...overrides });
    const { referralId } = await referrals().send(input);
    return { id: referralId, input, agencyId: input.agencyId };
  };
  const note = (overrides: Record<string, unknown> = {}) => ({
    text: 'Met at the gate; housing appointment on Monday.',
    audience: 'REFERRER',
    writtenBy: 'Throughcare mentor team',
    ...overrides,
  });

  it('an agency adds notes (201), a retry with its Idempotency-Key answers the same note (200), and lists its own in writing order', async () => {
    const { id, input, agencyId } = await sent();
    const first = await post(
      `/referrals/${id}/notes`,
      agencyId,
      note({ writtenAt: minutesAfter(input.sentAt, 5) }),
      {
        'idempotency-key': 'note-1',
      },
    );
    expect(first.status).toBe(201);
    const written = (await first.json()) as NoteView;
    expect(written).toEqual({
      id: expect.any(String),
      referralId: id,
      agencyId,
      audience: 'REFERRER',
      text: 'Met at the gate; housing appointment on Monday.',
      writtenBy: 'Throughcare mentor team',
      writtenAt: minutesAfter(input.sentAt, 5),
      recordedAt: expect.any(String),
    });

    const retry = await post(
      `/referrals/${id}/notes`,
      agencyId,
      note({ writtenAt: minutesAfter(input.sentAt, 5) }),
      {
        'idempotency-key': 'note-1',
      },
    );
    expect(retry.status).toBe(200);
    expect(await retry.json()).toEqual(written);
    const reused = await post(`/referrals/${id}/notes`, agencyId, note({ text: 'Something else' }), {
      'idempotency-key': 'note-1',
    });
    expect(reused.status).toBe(422);
    expect(await reused.json()).toMatchObject({
      code: 'IDEMPOTENCY_KEY_REUSED',
      detail: expect.stringMatching(/different text, writtenAt: use a new Idempotency-Key/),
    });

    const own = await post(
      `/referrals/${id}/notes`,
      agencyId,
      note({
        audience: 'AGENCY',
        text: 'Internal: risk flag checked',
        writtenAt: minutesAfter(input.sentAt, 1),
      }),
    );
    expect(own.status).toBe(201);
    const third = await post(`/referrals/${id}/notes`, agencyId, note({ text: 'Second shared note' }));
    expect(third.status).toBe(201);

    const page1 = (await (await get(`/referrals/${id}/notes?limit=2`, agencyId)).json()) as Page<NoteView>;
    expect(page1.items.map((n) => n.text)).toEqual([
      'Internal: risk flag checked',
      'Met at the gate; housing appointment on Monday.',
    ]);
    expect(page1.nextCursor).toEqual(expect.any(String));
    const page2 = (await (
      await get(`/referrals/${id}/notes?limit=2&cursor=${page1.nextCursor}`, agencyId)
    ).json()) as Page<NoteView>;
    expect(page2).toEqual({
      items: [expect.objectContaining({ text: 'Second shared note' })],
      nextCursor: null,
    });
  });

  it('refuses notes it cannot keep: another agency 404, bad input 400, dated before the referral or in the future 422, a withdrawn referral 409', async () => {
    const { id, input, agencyId } = await sent();
    expect((await post(`/referrals/${id}/notes`, `other-${randomUUID()}`, note())).status).toBe(404);
    expect((await get(`/referrals/${id}/notes`, `other-${randomUUID()}`)).status).toBe(404);

    const invalid = await post(`/referrals/${id}/notes`, agencyId, {
      text: ' ',
      audience: 'EVERYONE',
      writtenBy: 'x',
      extra: 1,
    });
    expect(invalid.status).toBe(400);
    const fields = ((await invalid.json()) as Problem).errors!.map((e) => e.field).sort();
    expect(fields).toEqual(['(root)', 'audience', 'text']);
    expect((await post(`/referrals/${id}/notes`, agencyId, note({ text: 'x'.repeat(4001) }))).status).toBe(
      400,
    );

    const early = await post(
      `/referrals/${id}/notes`,
      agencyId,
      note({ writtenAt: minutesAfter(input.sentAt, -1) }),
    );
    expect(early.status).toBe(422);
    expect(await code(early)).toBe('NOTE_BEFORE_SENT');
    const future = await post(
      `/referrals/${id}/notes`,
      agencyId,
      note({ writtenAt: minutesAfter(new Date().toISOString(), 60) }),
    );
    expect(future.status).toBe(422);
    expect(await code(future)).toBe('NOTE_IN_FUTURE');

    // Written just before the withdrawal, retried after it (the answer was lost): the note on record.
    const before = await post(`/referrals/${id}/notes`, agencyId, note(), { 'idempotency-key': 'late' });
    expect(before.status).toBe(201);
    await referrals().withdraw({
      idempotencyKey: `spec:${randomUUID()}`,
      referralId: id,
      reason: 'Consent withdrawn',
      correlationId: randomUUID(),
    });
    const withdrawn = await post(`/referrals/${id}/notes`, agencyId, note());
    expect(withdrawn.status).toBe(409);
    expect(await code(withdrawn)).toBe('REFERRAL_WITHDRAWN');
    const retried = await post(`/referrals/${id}/notes`, agencyId, note(), { 'idempotency-key': 'late' });
    expect(retried.status).toBe(200);
    expect(await retried.json()).toEqual(await before.json());
    // Nothing of the refused attempts was kept.
    const kept = ((await (await get(`/referrals/${id}/notes`, agencyId)).json()) as Page<NoteView>).items;
    expect(kept.map((n) => n.text)).toEqual([note().text]);
    // The key kept a digest of the text, never the text.
    const keys = (await running().dataSource.query(
      `SELECT result::text AS result FROM referral.idempotency_key WHERE key = $1`,
      [`referral:note:${agencyId}:late`],
    )) as Array<{ result: string }>;
    expect(keys).toHaveLength(1);
    expect(keys[0]!.result).not.toContain('housing appointment');
  });

  it("the referring prison's staff read the referral with the closure summary and only the notes meant for them; other prisons see nothing", async () => {
    const { id, input, agencyId } = await sent();
    const ack = { acknowledgedBy: 'Duty team', acknowledgedAt: input.sentAt };
    expect((await post(`/referrals/${id}/acknowledgement`, agencyId, ack)).status).toBe(201);
    const accept = { decision: 'ACCEPTED', decidedAt: minutesAfter(input.sentAt, 10) };
    expect((await post(`/referrals/${id}/outcome`, agencyId, accept)).status).toBe(201);
    await post(`/referrals/${id}/notes`, agencyId, note({ audience: 'AGENCY', text: 'Internal only' }));
    await post(`/referrals/${id}/notes`, agencyId, note({ text: 'For the officer: tenancy signed' }));
    const closure = {
      outcome: 'ACHIEVED',
      closedBy: 'Housing Options team',
      summary: 'Settled in a tenancy',
    };
    expect((await post(`/referrals/${id}/closure`, agencyId, closure)).status).toBe(201);

    const read = await asPrison(`/prison/referrals/${id}`, ['BAR']);
    expect(read.status).toBe(200);
    expect((await read.json()) as ReferralView).toMatchObject({
      id,
      agencyId,
      establishmentCode: 'BAR',
      status: 'CLOSED',
      outcomes: [{ decision: 'ACCEPTED' }],
      closure: { outcome: 'ACHIEVED', summary: 'Settled in a tenancy' },
    });
    const shared = (await (
      await asPrison(`/prison/referrals/${id}/notes`, ['BAR'])
    ).json()) as Page<NoteView>;
    expect(shared.items.map((n) => [n.audience, n.text])).toEqual([
      ['REFERRER', 'For the officer: tenancy signed'],
    ]);

    const list = (await (
      await asPrison(`/prison/referrals?personId=${input.personId}`, ['BAR', 'GLE'])
    ).json()) as Page<ReferralView>;
    expect(list.items.map((r) => r.id)).toEqual([id]);

    for (const path of [`/prison/referrals/${id}`, `/prison/referrals/${id}/notes`]) {
      const other = await asPrison(path, ['LOW']);
      expect(other.status).toBe(404);
      expect(await code(other)).toBe('REFERRAL_NOT_FOUND');
    }
    const none = await asPrison(`/prison/referrals?personId=${input.personId}`, ['LOW']);
    expect(await none.json()).toEqual({ items: [], nextCursor: null });
    // An agency's token is not a prison's: outside its roles the route does not exist.
    expect((await get(`/prison/referrals/${id}`, agencyId)).status).toBe(404);
  });

  it("a transfer the journey tells the service of moves the read to the prison now holding the person; a referral naming no prison is nobody's", async () => {
    const { id, input, agencyId } = await sent();
    const { id: legacy } = await sent({ establishmentCode: undefined, personId: input.personId, episode: 1 });
    const { id: otherEpisode } = await sent({ personId: input.personId, episode: 2 });
    expect((await asPrison(`/prison/referrals/${legacy}`, ['BAR'])).status).toBe(404);

    await notifications().notify(
      aNotification({
        personId: input.personId,
        episode: 1,
        agencyId,
        subject: 'TRANSFERRED',
        liberationDate: undefined,
        previousLiberationDate: undefined,
        establishmentCode: 'LOW',
        previousEstablishmentCode: 'BAR',
      }),
    );
    expect((await asPrison(`/prison/referrals/${id}`, ['LOW'])).status).toBe(200);
    expect((await asPrison(`/prison/referrals/${id}`, ['BAR'])).status).toBe(404);
    // A referral naming no prison gains none; the other episode's is not moved by this one's transfer.
    expect((await asPrison(`/prison/referrals/${legacy}`, ['LOW'])).status).toBe(404);
    expect((await asPrison(`/prison/referrals/${otherEpisode}`, ['BAR'])).status).toBe(200);
  });

  it('validates the prison list query (400 naming the field)', async () => {
    const response = await asPrison('/prison/referrals?personId=not-a-person&limit=0', ['BAR']);
    expect(response.status).toBe(400);
    const fields = ((await response.json()) as Problem).errors!.map((e) => e.field).sort();
    expect(fields).toEqual(['limit', 'personId']);
  });
});
