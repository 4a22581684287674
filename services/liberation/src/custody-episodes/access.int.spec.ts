import { randomUUID } from 'node:crypto';
import { bearer } from '@throughcare/testing';
import { CustodyRecordConflictError } from './custody-episode.errors';
import type {
  CourtLiberationRecordedView,
  EpisodePage,
  EpisodeView,
  MovementReversedView,
  ReceptionRecordedView,
  ReleaseRecordedView,
  TransferRecordedView,
} from './custody-episode.schemas';
import { MeetingService } from './meeting.service';
import { runUnrestricted } from '@throughcare/platform-persistence';
import {
  actorOf,
  aLiberation,
  aPrisonNumber,
  aReception,
  daysFromToday,
  minutesAgo,
  personIdOf,
  prisonStaff,
  useLiberation,
  type Caller,
} from './spec-support';

const BAR = prisonStaff('BAR');
const LEI = prisonStaff('LEI');
const BAR_AND_LEI = prisonStaff('BAR', 'LEI');

/** A person no test has recorded: what the service answers for a missing person or episode. */
const nobody = () => personIdOf(aPrisonNumber());

// Issue 8 step 1: every liberation route admits prison staff only (a real access token from the
// identity provider, audience urn:throughcare:liberation), and each caller sees and changes only
// the episodes held in (or released from) its establishments; anything else is answered exactly
// as a missing person, episode, movement or meeting is.
describe('liberation access: prison staff only, each seeing only its establishments (real identity provider)', () => {
  const service = useLiberation();
  const get = (path: string, as: Caller) => service.lib.get(path, as);
  const post = (path: string, body: unknown, as: Caller, headers: Record<string, string> = {}) =>
    service.lib.post(path, body, headers, as);

  /** Status, content type and body of an answer; with `rename`, one id is read as another in it. */
  async function answerOf(response: Response, rename?: [from: string, to: string]) {
    const text = await response.text();
    return {
      status: response.status,
      contentType: response.headers.get('content-type'),
      body: JSON.parse(rename ? text.replaceAll(rename[0], rename[1]) : text) as Record<string, unknown>,
    };
  }

  /**
   * `outside` (about an object the caller may not see, `realId`) is answered exactly as `missing`
   * (the same request about an object that does not exist, `missingId`): same status, content
   * type, code, title and message, once the missing object's id reads as the real one's.
   */
  async function expectAnsweredAsMissing(
    outside: Response,
    missing: Response,
    [missingId, realId]: [string, string],
    code: string,
  ) {
    const expected = await answerOf(missing, [missingId, realId]);
    expect(expected).toMatchObject({
      status: 404,
      contentType: expect.stringMatching(/^application\/problem\+json/),
      body: { status: 404, code },
    });
    expect(await answerOf(outside)).toEqual(expected);
  }

  /** A reception an hour ago (or as overridden) recorded by `as`. */
  async function received(establishmentCode: string, as: Caller, overrides: Record<string, unknown> = {}) {
    const reception = aReception({ establishmentCode, receivedAt: minutesAgo(1000), ...overrides });
    const response = await post('/receptions', reception, as);
    expect(response.status).toBe(201);
    return { reception, personId: personIdOf(reception.prisonNumber) };
  }

  it('answers 401 problem+json on every route without a valid access token for liberation, before looking at the request', async () => {
    const { personId } = await received('BAR', BAR);
    const routes: Array<[method: 'GET' | 'POST', path: string, body?: unknown]> = [
      ['GET', `/people/${personId}/episodes`],
      ['GET', `/people/${personId}/episodes/1`],
      ['POST', '/receptions', aReception()],
      ['POST', '/receptions', { not: 'a reception' }],
      ['POST', '/court-liberations', aLiberation()],
      [
        'POST',
        '/releases',
        { personId, establishmentCode: 'BAR', reason: 'RELEASED', releasedAt: minutesAgo(5) },
      ],
      [
        'POST',
        `/people/${personId}/episodes/1/release-date`,
        { expectedReleaseDate: daysFromToday(30), reason: 'PAROLE' },
      ],
      [
        'POST',
        `/people/${personId}/episodes/1/transfers`,
        { toEstablishmentCode: 'LEI', transferredAt: minutesAgo(5) },
      ],
      ['POST', `/movements/${randomUUID()}/reversal`, { reversedAt: minutesAgo(5) }],
      ['POST', `/movements/${randomUUID()}/correction`, { occurredAt: minutesAgo(5), reason: 'WRONG_TIME' }],
      ['POST', `/meetings/${randomUUID()}/held`, { heldAt: minutesAgo(5) }],
    ];
    // A real prison-staff token, but issued for another service (audience): not liberation's.
    const otherAudience = await bearer(
      { roles: ['prison-staff'], establishments: ['BAR'] },
      'urn:throughcare:assessment',
    );

    for (const [method, path, body] of routes) {
      const send = (headers: Record<string, string>) =>
        fetch(`${service.lib.base}${path}`, {
          method,
          headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      const none = await send({});
      expect([method, path, none.status]).toEqual([method, path, 401]);
      expect(none.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(none.headers.get('www-authenticate')).toBe('Bearer realm="throughcare"');
      expect(await none.json()).toMatchObject({ status: 401, code: 'UNAUTHORIZED', title: 'Unauthorized' });
      // The old stand-in names somebody but proves nothing.
      expect([path, (await send({ 'throughcare-actor': 'spec:liberation' })).status]).toEqual([path, 401]);
      const forged = await send({ authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' });
      expect([path, forged.status]).toEqual([path, 401]);
      expect(forged.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
      expect([path, (await send(otherAudience)).status]).toEqual([path, 401]);
    }

    // None of them changed the episode.
    for (const type of [
      'custody.person.released',
      'custody.person.transferred',
      'custody.release-date.changed',
    ])
      expect([type, await service.lib.outboxRows(type, personId)]).toEqual([type, []]);
    expect(await (await get(`/people/${personId}/episodes/1`, BAR)).json()).toMatchObject({
      state: 'IN_CUSTODY',
      establishmentCode: 'BAR',
      releaseDateChanges: [],
      movements: [],
    });
  });

  it('answers a token without the prison-staff role as if the route did not exist', async () => {
    const { personId } = await received('BAR', BAR);
    const unknownRoute = await answerOf(await get(`/people/${personId}/episodes/1/nowhere`, BAR), [
      '/1/nowhere',
      '/1',
    ]);
    expect(unknownRoute).toMatchObject({
      status: 404,
      body: { code: 'NOT_FOUND', detail: `Cannot GET /people/${personId}/episodes/1` },
    });
    const others: Caller[] = [
      { roles: ['agency-staff'], agencyId: 'cjsw-edinburgh' },
      { roles: ['agency-system'], agencyId: 'cjsw-edinburgh' },
      { roles: ['manager'] },
      { roles: ['operator'] },
      { roles: ['service'] },
    ];

    for (const caller of others) {
      const read = await get(`/people/${personId}/episodes/1`, caller);
      expect(await answerOf(read)).toEqual(unknownRoute);
      const reception = aReception();
      const receive = await post('/receptions', reception, caller);
      expect(receive.status).toBe(404);
      expect(await receive.json()).toMatchObject({ code: 'NOT_FOUND', detail: 'Cannot POST /receptions' });
      expect((await get(`/people/${personIdOf(reception.prisonNumber)}/episodes`, BAR)).status).toBe(404);
      const release = await post(
        '/releases',
        { personId, establishmentCode: 'BAR', reason: 'RELEASED', releasedAt: minutesAgo(5) },
        caller,
      );
      expect(release.status).toBe(404);
      expect(await release.json()).toMatchObject({ code: 'NOT_FOUND', detail: 'Cannot POST /releases' });
    }
    expect(await service.lib.outboxRows('custody.person.released', personId)).toEqual([]);
  });

  it('refuses a reception or a court liberation at another establishment as an unknown person, recording nothing', async () => {
    const reception = aReception({ establishmentCode: 'LEI' });
    const personId = personIdOf(reception.prisonNumber);

    const refused = await answerOf(await post('/receptions', reception, BAR));
    // The same person, unknown to the service: what a read of their episodes answers.
    const unknown = await answerOf(await get(`/people/${personId}/episodes`, BAR_AND_LEI));
    expect(unknown).toMatchObject({ status: 404, body: { code: 'PERSON_NOT_FOUND' } });
    expect(refused).toEqual({ ...unknown, body: { ...unknown.body, instance: '/receptions' } });

    const liberation = aLiberation({ prisonNumber: reception.prisonNumber, establishmentCode: 'LEI' });
    const refusedLiberation = await answerOf(await post('/court-liberations', liberation, BAR));
    expect(refusedLiberation).toEqual({
      ...unknown,
      body: { ...unknown.body, instance: '/court-liberations' },
    });

    // Nothing recorded, nothing on its way to the bus.
    expect((await get(`/people/${personId}/episodes`, LEI)).status).toBe(404);
    expect(await service.lib.outboxRows('custody.person.received', personId)).toEqual([]);
    expect(await service.lib.outboxRows('custody.person.liberated-from-court', personId)).toEqual([]);

    // LEI's own staff record it, as themselves.
    const accepted = await post('/receptions', reception, LEI, { 'throughcare-actor': 'mallory' });
    expect(accepted.status).toBe(201);
    expect(((await accepted.json()) as ReceptionRecordedView).episode).toBe(1);
    const view = (await (await get(`/people/${personId}/episodes/1`, LEI)).json()) as EpisodeView;
    expect(view.reception?.receivedBy).toBe(await actorOf(LEI));
    expect(view.reception?.receivedBy).toMatch(/^client:/);
  });

  it('a prison the person was transferred away from no longer sees or changes the episode; the receiving prison does', async () => {
    const { personId } = await received('BAR', BAR);
    const toLei = { toEstablishmentCode: 'LEI', transferredAt: minutesAgo(500) };
    const key = { 'idempotency-key': `spec-${randomUUID()}` };
    const transferAs = (as: Caller, headers: Record<string, string> = {}) =>
      post(`/people/${personId}/episodes/1/transfers`, toLei, as, headers);
    const moved = await transferAs(BAR, key);
    expect(moved.status).toBe(201);
    const transfer = (await moved.json()) as TransferRecordedView;
    expect(transfer).toMatchObject({ fromEstablishmentCode: 'BAR', toEstablishmentCode: 'LEI' });

    // BAR's retries of the transfer it recorded are still answered, with and without the key...
    for (const retry of [await transferAs(BAR, key), await transferAs(BAR)]) {
      expect(retry.status).toBe(200);
      expect(await retry.json()).toEqual(transfer);
    }

    // ...but otherwise BAR is answered exactly as for a person, episode or movement that does not exist.
    const other = nobody();
    const requests: Array<[code: string, request: (personId: string) => Promise<Response>]> = [
      ['EPISODE_NOT_FOUND', (id) => get(`/people/${id}/episodes/1`, BAR)],
      ['PERSON_NOT_FOUND', (id) => get(`/people/${id}/episodes`, BAR)],
      [
        'EPISODE_NOT_FOUND',
        (id) =>
          post(
            `/people/${id}/episodes/1/release-date`,
            { expectedReleaseDate: daysFromToday(30), reason: 'PAROLE' },
            BAR,
          ),
      ],
      [
        'EPISODE_NOT_FOUND',
        (id) =>
          post(
            `/people/${id}/episodes/1/transfers`,
            { toEstablishmentCode: 'GMR', transferredAt: minutesAgo(100) },
            BAR,
          ),
      ],
      [
        'EPISODE_NOT_FOUND',
        (id) =>
          post(
            '/releases',
            { personId: id, establishmentCode: 'BAR', reason: 'RELEASED', releasedAt: minutesAgo(100) },
            BAR,
          ),
      ],
      [
        'EPISODE_NOT_FOUND',
        (id) =>
          post(
            '/releases',
            {
              personId: id,
              episode: 1,
              establishmentCode: 'BAR',
              reason: 'RELEASED',
              releasedAt: minutesAgo(100),
            },
            BAR,
          ),
      ],
    ];
    for (const [code, request] of requests)
      await expectAnsweredAsMissing(await request(personId), await request(other), [other, personId], code);
    const missingMovement = randomUUID();
    const reverseAs = (eventId: string, as: Caller) =>
      post(`/movements/${eventId}/reversal`, { reversedAt: minutesAgo(400) }, as);
    await expectAnsweredAsMissing(
      await reverseAs(transfer.eventId, BAR),
      await reverseAs(missingMovement, BAR),
      [missingMovement, transfer.eventId],
      'MOVEMENT_NOT_FOUND',
    );
    for (const type of [
      'custody.person.released',
      'custody.release-date.changed',
      'custody.movement.reversed',
    ])
      expect([type, await service.lib.outboxRows(type, personId)]).toEqual([type, []]);
    expect(await service.lib.outboxRows('custody.person.transferred', personId)).toHaveLength(1);

    // LEI holds the person now: it sees the episode, and can undo the transfer...
    const atLei = await get(`/people/${personId}/episodes/1`, LEI);
    expect(atLei.status).toBe(200);
    expect(await atLei.json()).toMatchObject({ state: 'IN_CUSTODY', establishmentCode: 'LEI' });
    expect(
      ((await (await get(`/people/${personId}/episodes`, LEI)).json()) as EpisodePage).items,
    ).toHaveLength(1);
    const reversed = await reverseAs(transfer.eventId, LEI);
    expect(reversed.status).toBe(201);
    const reversal = (await reversed.json()) as MovementReversedView;
    expect(reversal).toMatchObject({ movement: 'TRANSFER', state: 'IN_CUSTODY', establishmentCode: 'BAR' });
    // ...which sends the person back to BAR: LEI's retry of its reversal is answered, nothing else.
    const again = await reverseAs(transfer.eventId, LEI);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(reversal);
    await expectAnsweredAsMissing(
      await get(`/people/${personId}/episodes/1`, LEI),
      await get(`/people/${other}/episodes/1`, LEI),
      [other, personId],
      'EPISODE_NOT_FOUND',
    );
    const back = await get(`/people/${personId}/episodes/1`, BAR);
    expect(back.status).toBe(200);
    expect(await back.json()).toMatchObject({ state: 'IN_CUSTODY', establishmentCode: 'BAR' });
  });

  it("lists only the episodes of the caller's establishments: where the person is held now, or was released from", async () => {
    const { reception, personId } = await received('BAR', BAR, { receivedAt: minutesAgo(2000) });
    const release = { personId, reason: 'RELEASED', releasedAt: minutesAgo(1500) };
    const other = nobody();

    // LEI may not release a person held at BAR, nor BAR release from LEI: both as if there were no episode.
    await expectAnsweredAsMissing(
      await post('/releases', { ...release, establishmentCode: 'LEI' }, LEI),
      await post('/releases', { ...release, personId: other, establishmentCode: 'LEI' }, LEI),
      [other, personId],
      'EPISODE_NOT_FOUND',
    );
    await expectAnsweredAsMissing(
      await post('/releases', { ...release, establishmentCode: 'LEI' }, BAR),
      await post('/releases', { ...release, personId: other, establishmentCode: 'BAR' }, BAR),
      [other, personId],
      'EPISODE_NOT_FOUND',
    );
    expect(await service.lib.outboxRows('custody.person.released', personId)).toEqual([]);

    // Released from BAR (episode 1), then received at LEI (episode 2).
    expect((await post('/releases', { ...release, establishmentCode: 'BAR' }, BAR)).status).toBe(201);
    const readmission = await post(
      '/receptions',
      { ...reception, establishmentCode: 'LEI', reason: 'READMISSION', receivedAt: minutesAgo(1000) },
      LEI,
    );
    expect(readmission.status).toBe(201);
    expect(((await readmission.json()) as ReceptionRecordedView).episode).toBe(2);

    const pageOf = async (as: Caller, query = '') => {
      const response = await get(`/people/${personId}/episodes${query}`, as);
      expect(response.status).toBe(200);
      const page = (await response.json()) as EpisodePage;
      return { ...page, items: page.items.map((e) => [e.episode, e.state, e.establishmentCode]) };
    };
    expect(await pageOf(BAR)).toEqual({ items: [[1, 'RELEASED', 'BAR']], nextCursor: null });
    expect(await pageOf(LEI)).toEqual({ items: [[2, 'IN_CUSTODY', 'LEI']], nextCursor: null });
    expect(await pageOf(LEI, '?limit=1')).toEqual({ items: [[2, 'IN_CUSTODY', 'LEI']], nextCursor: null });
    // Staff of both see both, a page at a time.
    const first = await pageOf(BAR_AND_LEI, '?limit=1');
    expect(first.items).toEqual([[1, 'RELEASED', 'BAR']]);
    expect(await pageOf(BAR_AND_LEI, `?limit=1&cursor=${first.nextCursor}`)).toEqual({
      items: [[2, 'IN_CUSTODY', 'LEI']],
      nextCursor: null,
    });
    // Each prison reads the other's episode as missing.
    await expectAnsweredAsMissing(
      await get(`/people/${personId}/episodes/2`, BAR),
      await get(`/people/${other}/episodes/2`, BAR),
      [other, personId],
      'EPISODE_NOT_FOUND',
    );
    await expectAnsweredAsMissing(
      await get(`/people/${personId}/episodes/1`, LEI),
      await get(`/people/${other}/episodes/1`, LEI),
      [other, personId],
      'EPISODE_NOT_FOUND',
    );

    // Released from LEI, episode 2 stays LEI's.
    expect(
      (
        await post(
          '/releases',
          { personId, establishmentCode: 'LEI', reason: 'RELEASED', releasedAt: minutesAgo(500) },
          LEI,
        )
      ).status,
    ).toBe(201);
    expect(await pageOf(LEI)).toEqual({ items: [[2, 'RELEASED', 'LEI']], nextCursor: null });
    expect(await pageOf(BAR)).toEqual({ items: [[1, 'RELEASED', 'BAR']], nextCursor: null });
    // A prison that never held the person sees nobody.
    await expectAnsweredAsMissing(
      await get(`/people/${personId}/episodes`, prisonStaff('GMR')),
      await get(`/people/${other}/episodes`, prisonStaff('GMR')),
      [other, personId],
      'PERSON_NOT_FOUND',
    );
  });

  it('records changes of plan and meetings held only for the prison holding the person, as the caller', async () => {
    const { personId } = await received('BAR', BAR);
    // Booked as the journey's activity would: the platform's own work (unrestricted scope).
    const { bookingId } = await runUnrestricted(() =>
      service.lib.app.get(MeetingService).book(
        {
          idempotencyKey: `spec-${randomUUID()}`,
          personId,
          episode: 1,
          establishmentCode: 'BAR',
          kind: 'CJSW_VISIT',
          date: daysFromToday(3),
          correlationId: 'spec-access',
        },
        'spec:access',
      ),
    );
    const missingBooking = randomUUID();
    const holdAs = (id: string, as: Caller) => post(`/meetings/${id}/held`, { heldAt: minutesAgo(30) }, as);
    await expectAnsweredAsMissing(
      await holdAs(bookingId, LEI),
      await holdAs(missingBooking, LEI),
      [missingBooking, bookingId],
      'MEETING_NOT_FOUND',
    );
    const other = nobody();
    const changeAs = (id: string, as: Caller) =>
      post(
        `/people/${id}/episodes/1/release-date`,
        { expectedReleaseDate: daysFromToday(20), reason: 'HDC_APPROVED' },
        as,
      );
    await expectAnsweredAsMissing(
      await changeAs(personId, LEI),
      await changeAs(other, LEI),
      [other, personId],
      'EPISODE_NOT_FOUND',
    );
    expect(await service.lib.outboxRows('custody.meeting.held', personId)).toEqual([]);
    expect(await service.lib.outboxRows('custody.release-date.changed', personId)).toEqual([]);

    expect((await holdAs(bookingId, BAR)).status).toBe(201);
    expect((await changeAs(personId, BAR)).status).toBe(201);
    const view = (await (await get(`/people/${personId}/episodes/1`, BAR)).json()) as EpisodeView;
    expect(view.meetings).toMatchObject([{ bookingId, status: 'HELD' }]);
    expect(view.releaseDateChanges).toMatchObject([
      { expectedReleaseDate: daysFromToday(20), changedBy: await actorOf(BAR) },
    ]);
  });

  /**
   * The whole answer to a request refused because of an episode the caller may not see: a 409
   * with fixed wording, the same for every such request whatever the episode, naming nothing of it.
   */
  async function expectCustodyRecordConflict(response: Response, instance: string) {
    const text = await response.clone().text();
    expect({ instance, answer: await answerOf(response) }).toEqual({
      instance,
      answer: {
        status: 409,
        contentType: expect.stringMatching(/^application\/problem\+json/),
        body: {
          type: 'urn:throughcare:problem:custody-record-conflict',
          title: 'Conflict',
          status: 409,
          detail: CustodyRecordConflictError.MESSAGE,
          instance,
          code: 'CUSTODY_RECORD_CONFLICT',
        },
      },
    });
    // Nothing of the episode in the way: no establishment, episode number, date or time.
    expect(text.replace(instance, '')).not.toMatch(/LEI|GMR|episode \d|\d{4}-\d{2}-\d{2}|\d{2}:\d{2}/);
  }

  it('refuses a reception or court liberation because of an episode held elsewhere with one fixed 409 CUSTODY_RECORD_CONFLICT, naming nothing of it', async () => {
    // Held at LEI (episode 1, open), as LEI's staff recorded it.
    const { reception: atLei, personId } = await received('LEI', LEI, { receivedAt: minutesAgo(2000) });
    const { prisonNumber } = atLei;
    const atBar = (overrides: Record<string, unknown>) =>
      aReception({ prisonNumber, establishmentCode: 'BAR', ...overrides });
    const liberatedAtBar = (overrides: Record<string, unknown>) =>
      aLiberation({ prisonNumber, establishmentCode: 'BAR', ...overrides });
    type Refused = [
      detailed: { status: number; code: string },
      path: '/receptions' | '/court-liberations',
      body: Record<string, unknown>,
    ];
    /**
     * Each request, sent by BAR (which may not see the episode in the way), answers the fixed
     * conflict; sent by staff of BAR and LEI (who may), the detailed error it answered before.
     */
    async function expectRefused(requests: Refused[]) {
      for (const [detailed, path, body] of requests) {
        await expectCustodyRecordConflict(await post(path, body, BAR), path);
        const seen = await post(path, body, BAR_AND_LEI);
        expect([path, detailed.code, seen.status]).toEqual([path, detailed.code, detailed.status]);
        expect(await seen.json()).toMatchObject(detailed);
      }
    }

    await expectRefused([
      [{ status: 409, code: 'EPISODE_ALREADY_OPEN' }, '/receptions', atBar({ receivedAt: minutesAgo(100) })],
      [
        { status: 409, code: 'NOT_A_RETURN_TO_CUSTODY' },
        '/receptions',
        atBar({
          reason: 'READMISSION',
          receivedAt: minutesAgo(100),
          returnToCustody: { reason: 'RECALL', recallReasonCode: 'B' },
        }),
      ],
      // LEI's reception at that very instant, sent as BAR's.
      [{ status: 409, code: 'RECEPTION_CONFLICT' }, '/receptions', { ...atLei, establishmentCode: 'BAR' }],
      [
        { status: 409, code: 'EPISODE_ALREADY_OPEN' },
        '/court-liberations',
        liberatedAtBar({ releasedAt: minutesAgo(100) }),
      ],
    ]);

    // Released from LEI, then liberated from court at LEI (episode 2): both LEI's.
    const released = await post(
      '/releases',
      { personId, establishmentCode: 'LEI', reason: 'RELEASED', releasedAt: minutesAgo(1000) },
      LEI,
    );
    expect(released.status).toBe(201);
    const liberation = aLiberation({ prisonNumber, establishmentCode: 'LEI', releasedAt: minutesAgo(500) });
    const liberated = await post('/court-liberations', liberation, LEI);
    expect(liberated.status).toBe(201);
    expect(((await liberated.json()) as CourtLiberationRecordedView).episode).toBe(2);

    await expectRefused([
      [
        { status: 422, code: 'RECEPTION_BEFORE_PREVIOUS_RELEASE' },
        '/receptions',
        atBar({ reason: 'READMISSION', receivedAt: minutesAgo(700) }),
      ],
      [
        { status: 422, code: 'LIBERATION_BEFORE_PREVIOUS_RELEASE' },
        '/court-liberations',
        liberatedAtBar({ releasedAt: minutesAgo(700) }),
      ],
      // LEI's liberation at that very instant, sent as BAR's.
      [
        { status: 409, code: 'COURT_LIBERATION_CONFLICT' },
        '/court-liberations',
        { ...liberation, establishmentCode: 'BAR' },
      ],
    ]);

    // None of them recorded anything, and BAR still knows nobody by that prison number.
    expect(await service.lib.outboxRows('custody.person.received', personId)).toHaveLength(1);
    expect(await service.lib.outboxRows('custody.person.liberated-from-court', personId)).toHaveLength(1);
    const other = nobody();
    await expectAnsweredAsMissing(
      await get(`/people/${personId}/episodes`, BAR),
      await get(`/people/${other}/episodes`, BAR),
      [other, personId],
      'PERSON_NOT_FOUND',
    );
  });

  it('refuses to reverse a release superseded by a later episode held elsewhere with the fixed CUSTODY_RECORD_CONFLICT', async () => {
    const { reception, personId } = await received('BAR', BAR);
    const releasedFromBar = await post(
      '/releases',
      { personId, establishmentCode: 'BAR', reason: 'RELEASED', releasedAt: minutesAgo(800) },
      BAR,
    );
    expect(releasedFromBar.status).toBe(201);
    const { eventId } = (await releasedFromBar.json()) as ReleaseRecordedView;
    // Received again, at LEI: episode 2, which BAR may not see.
    const readmission = await post(
      '/receptions',
      { ...reception, establishmentCode: 'LEI', reason: 'READMISSION', receivedAt: minutesAgo(600) },
      LEI,
    );
    expect(readmission.status).toBe(201);
    expect(((await readmission.json()) as ReceptionRecordedView).episode).toBe(2);

    const reversal = { reversedAt: minutesAgo(500) };
    await expectCustodyRecordConflict(
      await post(`/movements/${eventId}/reversal`, reversal, BAR),
      `/movements/${eventId}/reversal`,
    );
    // Staff who may see episode 2 are told which episode supersedes the release.
    const seen = await post(`/movements/${eventId}/reversal`, reversal, BAR_AND_LEI);
    expect(seen.status).toBe(409);
    expect(await seen.json()).toMatchObject({
      code: 'MOVEMENT_SUPERSEDED',
      detail: expect.stringContaining('episode 2'),
    });

    expect(await service.lib.outboxRows('custody.movement.reversed', personId)).toEqual([]);
    expect(await (await get(`/people/${personId}/episodes/1`, BAR)).json()).toMatchObject({
      state: 'RELEASED',
      release: { establishmentCode: 'BAR' },
    });
  });

  it("keeps each client's Idempotency-Keys its own: another client's same key neither replays nor is compared with its request", async () => {
    // Another API client (a second prison system) at BAR.
    const alsoBar = prisonStaff('BAR', 'GMR');
    const [barActor, alsoBarActor] = [await actorOf(BAR), await actorOf(alsoBar)];
    expect(alsoBarActor).not.toBe(barActor);
    const key = `spec-${randomUUID()}`;
    const headers = { 'idempotency-key': key };

    // Two clients receive two different people under the same key: each recorded, neither
    // answered with the other's person (nor told which of its fields differ from the other's).
    const first = aReception({ receivedAt: minutesAgo(1000) });
    const second = aReception({ receivedAt: minutesAgo(1000) });
    const byBar = await post('/receptions', first, BAR, headers);
    expect(byBar.status).toBe(201);
    const firstRecorded = (await byBar.json()) as ReceptionRecordedView;
    const byAlsoBar = await post('/receptions', second, alsoBar, headers);
    expect(byAlsoBar.status).toBe(201);
    expect(await byAlsoBar.json()).toMatchObject({
      personId: personIdOf(second.prisonNumber),
      prisonNumber: second.prisonNumber,
      episode: 1,
    });
    // The same client's retry is answered as before, and its own reuse of the key still refused.
    const retry = await post('/receptions', first, BAR, headers);
    expect(retry.status).toBe(200);
    expect(await retry.json()).toEqual(firstRecorded);
    const reused = await post('/receptions', aReception({ receivedAt: minutesAgo(900) }), BAR, headers);
    expect(reused.status).toBe(422);
    expect(await reused.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });

    // The other client's release under BAR's key is its own request, judged against the record
    // (RELEASE_CONFLICT), not compared with BAR's (IDEMPOTENCY_KEY_REUSED).
    const personId = personIdOf(first.prisonNumber);
    const release = { personId, establishmentCode: 'BAR', reason: 'RELEASED', releasedAt: minutesAgo(500) };
    const releasedByBar = await post('/releases', release, BAR, headers);
    expect(releasedByBar.status).toBe(201);
    const { eventId } = (await releasedByBar.json()) as ReleaseRecordedView;
    const otherReason = { ...release, reason: 'RELEASED_TO_HOSPITAL' };
    const byOther = await post('/releases', otherReason, alsoBar, headers);
    expect(byOther.status).toBe(409);
    expect(await byOther.json()).toMatchObject({ code: 'RELEASE_CONFLICT' });
    const reusedByBar = await post('/releases', otherReason, BAR, headers);
    expect(reusedByBar.status).toBe(422);
    expect(await reusedByBar.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    const releaseRetry = await post('/releases', release, BAR, headers);
    expect(releaseRetry.status).toBe(200);
    expect(((await releaseRetry.json()) as ReleaseRecordedView).eventId).toBe(eventId);
    expect(await service.lib.outboxRows('custody.person.released', personId)).toHaveLength(1);

    // Each key is kept under its caller (and the operation); an HTTP key that reads like the bus
    // consumer's `bus:<eventId>` is still the caller's, so it can never meet the consumer's.
    const keysLike = async (suffix: string) =>
      (
        (await service.lib.dataSource.query(
          'SELECT key FROM liberation.idempotency_key WHERE right(key, $2) = $1',
          [suffix, suffix.length],
        )) as Array<{ key: string }>
      )
        .map((r) => r.key)
        .sort();
    expect(await keysLike(key)).toEqual(
      [
        `liberation:reception:http:${barActor}:${key}`,
        `liberation:reception:http:${alsoBarActor}:${key}`,
        `liberation:release:http:${barActor}:${key}`,
      ].sort(),
    );
    const busLike = `bus:${randomUUID()}`;
    expect((await post('/receptions', aReception(), BAR, { 'idempotency-key': busLike })).status).toBe(201);
    expect(await keysLike(busLike)).toEqual([`liberation:reception:http:${barActor}:${busLike}`]);
  });

  it('records a release only from where the person is held (422 RELEASE_ESTABLISHMENT_MISMATCH), after the scope check', async () => {
    const { personId } = await received('BAR', BAR);
    const release = { personId, reason: 'RELEASED', releasedAt: minutesAgo(100) };
    const releaseAs = (establishmentCode: string, as: Caller) =>
      post('/releases', { ...release, establishmentCode }, as);

    // Staff of both prisons may see the person, but not release from LEI a person held at BAR.
    const fromLei = await releaseAs('LEI', BAR_AND_LEI);
    expect(fromLei.status).toBe(422);
    expect(fromLei.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await fromLei.json()).toMatchObject({
      status: 422,
      code: 'RELEASE_ESTABLISHMENT_MISMATCH',
      detail: expect.stringContaining('establishmentCode'),
    });
    // Staff who may not see the person learn nothing of it: as a missing episode.
    const other = nobody();
    await expectAnsweredAsMissing(
      await releaseAs('LEI', LEI),
      await post('/releases', { ...release, personId: other, establishmentCode: 'LEI' }, LEI),
      [other, personId],
      'EPISODE_NOT_FOUND',
    );

    // Transferred to LEI: released from LEI only.
    const moved = await post(
      `/people/${personId}/episodes/1/transfers`,
      { toEstablishmentCode: 'LEI', transferredAt: minutesAgo(500) },
      BAR,
    );
    expect(moved.status).toBe(201);
    const fromBar = await releaseAs('BAR', BAR_AND_LEI);
    expect(fromBar.status).toBe(422);
    expect(await fromBar.json()).toMatchObject({ code: 'RELEASE_ESTABLISHMENT_MISMATCH' });
    await expectAnsweredAsMissing(
      await releaseAs('BAR', BAR),
      await post('/releases', { ...release, personId: other, establishmentCode: 'BAR' }, BAR),
      [other, personId],
      'EPISODE_NOT_FOUND',
    );
    expect(await service.lib.outboxRows('custody.person.released', personId)).toEqual([]);

    expect((await releaseAs('LEI', BAR_AND_LEI)).status).toBe(201);
    expect(await (await get(`/people/${personId}/episodes/1`, LEI)).json()).toMatchObject({
      state: 'RELEASED',
      establishmentCode: 'LEI',
      release: { establishmentCode: 'LEI' },
    });
  });

  it('documents CUSTODY_RECORD_CONFLICT where a refusal may concern an episode held elsewhere, and RELEASE_ESTABLISHMENT_MISMATCH', async () => {
    const doc = (await (await get('/docs-json', 'nobody')).json()) as {
      paths: Record<string, Record<string, { responses?: Record<string, { description?: string }> }>>;
    };
    const described = (path: string, status: string) =>
      doc.paths[path]?.['post']?.responses?.[status]?.description ?? '';
    for (const path of [
      '/receptions',
      '/court-liberations',
      '/movements/{eventId}/reversal',
      '/movements/{eventId}/correction',
    ])
      expect([path, described(path, '409')]).toEqual([
        path,
        expect.stringContaining('CUSTODY_RECORD_CONFLICT'),
      ]);
    expect(described('/releases', '422')).toContain('RELEASE_ESTABLISHMENT_MISMATCH');
  });

  it('documents the bearer access token on every liberation route, and no throughcare-actor header', async () => {
    const doc = (await (await get('/docs-json', 'nobody')).json()) as {
      paths: Record<string, Record<string, { security?: Array<Record<string, string[]>> }>>;
      components: { securitySchemes?: Record<string, { type: string; scheme?: string }> };
    };
    expect(doc.components.securitySchemes?.['bearer']).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const [path, method] of [
      ['/receptions', 'post'],
      ['/releases', 'post'],
      ['/court-liberations', 'post'],
      ['/people/{personId}/episodes', 'get'],
      ['/people/{personId}/episodes/{episode}', 'get'],
      ['/people/{personId}/episodes/{episode}/release-date', 'post'],
      ['/people/{personId}/episodes/{episode}/transfers', 'post'],
      ['/movements/{eventId}/reversal', 'post'],
      ['/movements/{eventId}/correction', 'post'],
      ['/people/{personId}/episodes/{episode}/absences/{absenceId}/correction', 'post'],
      ['/meetings/{bookingId}/held', 'post'],
    ] as const) {
      expect([path, doc.paths[path]?.[method]?.security]).toEqual([path, [{ bearer: [] }]]);
    }
    expect(JSON.stringify(doc)).not.toContain('throughcare-actor');
  });
});
