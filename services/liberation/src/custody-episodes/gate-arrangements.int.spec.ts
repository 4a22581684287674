import { addDays, dayOfWeek, isBankHoliday } from '@throughcare/domain';
import type { KnownEvent } from '@throughcare/contracts';
import type { GateArrangementPage, GateArrangementView } from './gate-arrangement.schemas';
import {
  aReception,
  authorizationOf,
  daysFromToday,
  minutesAgo,
  personIdOf,
  prisonStaff,
  useLiberation,
  type Caller,
  type Problem,
} from './spec-support';

// Issue 10, gate arrangements: who collects, where and when, transport, first night; versions with
// optimistic concurrency; and a date that moves flags the arrangement for confirming again.

describe('liberation: gate arrangements for the day of liberation', () => {
  const ctx = useLiberation();
  const path = (personId: string) => `/people/${personId}/episodes/1/gate-arrangement`;
  const json = async <T>(r: Response) => (await r.json()) as T;

  const put = async (personId: string, body: unknown, headers: Record<string, string> = {}, as?: Caller) =>
    fetch(`${ctx.lib.base}${path(personId)}`, {
      method: 'PUT',
      headers: {
        'content-type': 'application/json',
        ...(await authorizationOf(as ?? prisonStaff('BAR', 'LEI', 'GMR'))),
        ...headers,
      },
      body: JSON.stringify(body),
    });

  const family = {
    collectedBy: { kind: 'FAMILY_OR_FRIEND', name: 'A sister' },
    meetingPoint: 'Visitor centre',
    meetingTime: '09:30',
    transport: { kind: 'CAR' },
    travelWarrant: false,
    firstNight: { kind: 'FAMILY_OR_FRIENDS' },
  };

  const changeDate = async (personId: string, expectedReleaseDate: string) =>
    expect(
      (
        await ctx.lib.post(`/people/${personId}/episodes/1/release-date`, {
          expectedReleaseDate,
          reason: 'OTHER',
        })
      ).status,
    ).toBe(201);

  async function inCustody(overrides: Record<string, unknown> = {}) {
    const reception = aReception({ receivedAt: minutesAgo(2000), ...overrides });
    expect((await ctx.lib.post('/receptions', reception)).status).toBe(201);
    return personIdOf(reception.prisonNumber);
  }

  it('records versions (201, ETag gate-vN), answers the same arrangement again with its version (200), refuses a stale If-Match (412)', async () => {
    // A Wednesday release: the day itself (no weekend or holiday moves it).
    let due = daysFromToday(60);
    while (dayOfWeek(due) !== 3 || isBankHoliday('SCOTLAND', due)) due = addDays(due, 1);
    const personId = await inCustody({ expectedReleaseDate: due });

    const missing = await ctx.lib.get(path(personId));
    expect(missing.status).toBe(404);
    expect((await json<Problem>(missing)).code).toBe('GATE_ARRANGEMENT_NOT_FOUND');

    const first = await put(personId, family);
    expect(first.status).toBe(201);
    expect(first.headers.get('etag')).toBe('"gate-v1"');
    expect(await json<GateArrangementView>(first)).toMatchObject({
      ...family,
      version: 1,
      forLiberationDate: due,
      liberationDate: due,
      concerns: [],
      recordedBy: expect.any(String),
    });
    const again = await put(personId, family, { 'if-match': '"gate-v0"' });
    expect(again.status).toBe(200);
    expect((await json<GateArrangementView>(again)).version).toBe(1);

    const agency = {
      ...family,
      collectedBy: { kind: 'AGENCY', agencyId: 'agency-edinburgh-housing' },
      transport: { kind: 'AGENCY_VEHICLE' },
      firstNight: { kind: 'NONE_ARRANGED' },
    };
    const second = await put(personId, agency, { 'if-match': '"gate-v1"' });
    expect(second.status).toBe(201);
    expect(await json<GateArrangementView>(second)).toMatchObject({
      version: 2,
      concerns: ['no first-night accommodation arranged'],
    });
    const stale = await put(personId, family, { 'if-match': '"gate-v1"' });
    expect(stale.status).toBe(412);
    expect((await json<Problem>(stale)).code).toBe('PRECONDITION_FAILED');

    const current = await ctx.lib.get(path(personId));
    expect(current.status).toBe(200);
    expect(current.headers.get('etag')).toBe('"gate-v2"');
    const page1 = await json<GateArrangementPage>(await ctx.lib.get(`${path(personId)}/versions?limit=1`));
    expect(page1.items.map((v) => v.version)).toEqual([2]);
    const page2 = await json<GateArrangementPage>(
      await ctx.lib.get(`${path(personId)}/versions?limit=1&cursor=${encodeURIComponent(page1.nextCursor!)}`),
    );
    expect(page2).toMatchObject({
      items: [{ version: 1, collectedBy: family.collectedBy }],
      nextCursor: null,
    });
  });

  it('flags the arrangement when the liberation date moves; refuses a new one after release (409), still reads it', async () => {
    const personId = await inCustody();
    const made = await json<GateArrangementView>(await put(personId, family));
    await changeDate(personId, daysFromToday(75));
    const after = await json<GateArrangementView>(await ctx.lib.get(path(personId)));
    expect(after.forLiberationDate).toBe(made.forLiberationDate);
    expect(after.liberationDate).not.toBe(made.forLiberationDate);
    expect(after.concerns).toEqual([
      expect.stringMatching(
        new RegExp(
          `made for liberation on ${made.forLiberationDate}; the liberation date is now ${after.liberationDate}: confirm it again`,
        ),
      ),
    ]);
    // A blind retry of the old request (the same arrangement, nobody confirmed anything) is
    // refused and the concern stands (review M6).
    const blind = await put(personId, family);
    expect(blind.status).toBe(422);
    expect(await json<Problem>(blind)).toMatchObject({
      code: 'GATE_RECONFIRMATION_REQUIRED',
      field: 'confirmedForLiberationDate',
      forLiberationDate: made.forLiberationDate,
      liberationDate: after.liberationDate,
    });
    const forTheOldDate = await put(personId, {
      ...family,
      confirmedForLiberationDate: made.forLiberationDate,
    });
    expect(forTheOldDate.status).toBe(422);
    expect((await json<Problem>(forTheOldDate)).code).toBe('GATE_CONFIRMED_FOR_ANOTHER_DATE');
    expect(await json<GateArrangementView>(await ctx.lib.get(path(personId)))).toMatchObject({
      version: 1,
      concerns: [expect.stringMatching(/confirm it again with whoever collects/)],
    });

    // Confirmed again with the very same arrangement, for the new date: a new version for it, no
    // concern (the confirmation is not stored); the same again is then a retry of it (200).
    const reconfirmation = { ...family, confirmedForLiberationDate: after.liberationDate };
    const confirmed = await put(personId, reconfirmation, { 'if-match': '"gate-v1"' });
    expect(confirmed.status).toBe(201);
    expect(confirmed.headers.get('etag')).toBe('"gate-v2"');
    const confirmedView = await json<GateArrangementView>(confirmed);
    expect(confirmedView).toMatchObject({
      version: 2,
      forLiberationDate: after.liberationDate,
      concerns: [],
    });
    expect(confirmedView).not.toHaveProperty('confirmedForLiberationDate');
    for (const body of [reconfirmation, family]) {
      const retried = await put(personId, body);
      expect(retried.status).toBe(200);
      expect(await json<GateArrangementView>(retried)).toMatchObject({
        version: 2,
        forLiberationDate: after.liberationDate,
      });
    }

    // The date moves again, then the person is released: an identical replay of the recorded
    // version is answered with it (200, review N5), another arrangement is refused (409).
    await changeDate(personId, daysFromToday(90));
    expect(
      (
        await ctx.lib.post('/releases', {
          personId,
          establishmentCode: 'BAR',
          reason: 'RELEASED',
          releasedAt: minutesAgo(5),
        })
      ).status,
    ).toBe(201);
    for (const body of [family, reconfirmation]) {
      const replay = await put(personId, body);
      expect(replay.status).toBe(200);
      expect(await json<GateArrangementView>(replay)).toMatchObject({ version: 2, liberationDate: null });
    }
    const late = await put(personId, { ...family, meetingTime: '11:00' });
    expect(late.status).toBe(409);
    expect((await json<Problem>(late)).code).toBe('EPISODE_ALREADY_RELEASED');
    expect(await json<GateArrangementView>(await ctx.lib.get(path(personId)))).toMatchObject({
      version: 2,
      liberationDate: null,
    });
  });

  it("refuses a confirmedForLiberationDate that is not the liberation date now, even when the date moved back to the current version's (422, review M6 of stop 37)", async () => {
    const personId = await inCustody();
    const expectedAtFirst = (
      await json<{ expectedReleaseDate: string }>(await ctx.lib.get(`/people/${personId}/episodes/1`))
    ).expectedReleaseDate;
    const made = await json<GateArrangementView>(await put(personId, family));
    await changeDate(personId, daysFromToday(75));
    const moved = await json<GateArrangementView>(await ctx.lib.get(path(personId)));
    expect(moved.liberationDate).not.toBe(made.forLiberationDate);
    // Staff confirm with the collector for the moved date, but the date has moved back meanwhile:
    // the collector was last told the other date, so this is no replay of version 1.
    await changeDate(personId, expectedAtFirst);
    const back = await json<GateArrangementView>(await ctx.lib.get(path(personId)));
    expect(back.liberationDate).toBe(made.forLiberationDate);
    const stale = await put(personId, { ...family, confirmedForLiberationDate: moved.liberationDate });
    expect(stale.status).toBe(422);
    expect(await json<Problem>(stale)).toMatchObject({
      code: 'GATE_CONFIRMED_FOR_ANOTHER_DATE',
      field: 'confirmedForLiberationDate',
      liberationDate: made.forLiberationDate,
    });
    // Confirmed for the date it was made for: the replay of version 1 (200).
    const confirmed = await put(personId, { ...family, confirmedForLiberationDate: made.forLiberationDate });
    expect(confirmed.status).toBe(200);
    expect(await json<GateArrangementView>(confirmed)).toMatchObject({ version: 1, concerns: [] });
  });

  it('refuses what does not hold together (400 naming the field), and answers other prisons as unknown (404)', async () => {
    const personId = await inCustody();
    const fieldsOf = async (body: unknown) => {
      const r = await put(personId, body);
      expect(r.status).toBe(400);
      return (await json<{ errors: { field: string }[] }>(r)).errors.map((e) => e.field);
    };
    expect(await fieldsOf({ ...family, collectedBy: { kind: 'AGENCY' } })).toEqual(['collectedBy.agencyId']);
    expect(await fieldsOf({ ...family, collectedBy: { kind: 'FAMILY_OR_FRIEND' } })).toEqual([
      'collectedBy.name',
    ]);
    expect(await fieldsOf({ ...family, meetingTime: '25:00' })).toEqual(['meetingTime']);
    expect(await fieldsOf({ ...family, transport: { kind: 'OTHER' } })).toEqual(['transport.note']);
    expect((await fieldsOf({ ...family, colour: 'red' })).length).toBe(1);

    const elsewhere = await put(personId, family, {}, prisonStaff('LEI'));
    expect(elsewhere.status).toBe(404);
    expect((await json<Problem>(elsewhere)).code).toBe('EPISODE_NOT_FOUND');
    expect((await ctx.lib.get(path(personId), prisonStaff('LEI'))).status).toBe(404);
  });

  it('refuses any arrangement, replay or reconfirmation for an episode received in error (409 EPISODE_RECEIVED_IN_ERROR)', async () => {
    const personId = await inCustody();
    expect((await put(personId, family)).status).toBe(201);
    const voided = await ctx.lib.post(`/people/${personId}/episodes/1/reception-reversal`, {
      reversedAt: minutesAgo(10),
      reason: 'RECEIVED_IN_ERROR',
    });
    expect(voided.status).toBe(201);
    for (const body of [family, { ...family, confirmedForLiberationDate: '2030-01-01' }]) {
      const refused = await put(personId, body);
      expect(refused.status).toBe(409);
      expect(await json<{ code: string }>(refused)).toMatchObject({ code: 'EPISODE_RECEIVED_IN_ERROR' });
    }
    // Still read, but with no liberation date to come and no concern about one (review N1).
    const read = await ctx.lib.get(path(personId));
    expect(read.status).toBe(200);
    expect(await json<GateArrangementView>(read)).toMatchObject({ liberationDate: null, concerns: [] });
  });

  describe('a moved liberation date is said on the bus and listed for the prison (nobody silently misses it)', () => {
    const agency = {
      ...family,
      collectedBy: { kind: 'AGENCY', agencyId: 'agency-edinburgh-housing' },
      transport: { kind: 'AGENCY_VEHICLE' },
      firstNight: { kind: 'SUPPORTED_ACCOMMODATION' },
    };
    const dataOf = (events: KnownEvent[]) => events.map((e) => e.data as Record<string, unknown>);
    /** Every page of the establishment list as `as` sees it, for the people of this test only. */
    async function listed(query: string, people: string[], as?: Caller): Promise<GateArrangementView[]> {
      const found: GateArrangementView[] = [];
      let cursor: string | null = null;
      do {
        const r = await ctx.lib.get(
          `/gate-arrangements?limit=100&${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
          as,
        );
        expect(r.status).toBe(200);
        const page = await json<GateArrangementPage>(r);
        found.push(...page.items.filter((v) => people.includes(v.personId)));
        cursor = page.nextCursor;
      } while (cursor);
      return found;
    }

    it('emits recorded, then reconfirmation-needed (agency and date, no name) when the date moves away, and recorded again on reconfirmation; a move back says nothing', async () => {
      const personId = await inCustody();
      const expectedAtFirst = (
        await json<{ expectedReleaseDate: string }>(await ctx.lib.get(`/people/${personId}/episodes/1`))
      ).expectedReleaseDate;
      const made = await json<GateArrangementView>(await put(personId, agency));
      expect(dataOf(await ctx.lib.eventsOnBus('custody.gate-arrangement.recorded', personId))).toEqual([
        {
          episode: 1,
          version: 1,
          forLiberationDate: made.forLiberationDate,
          collectedBy: 'AGENCY',
          agencyId: 'agency-edinburgh-housing',
          recordedAt: made.recordedAt,
        },
      ]);

      await changeDate(personId, daysFromToday(75));
      const moved = await json<GateArrangementView>(await ctx.lib.get(path(personId)));
      expect(moved.needsReconfirmation).toBe(true);
      const needed = await ctx.lib.eventsOnBus('custody.gate-arrangement.reconfirmation-needed', personId);
      expect(dataOf(needed)).toEqual([
        {
          episode: 1,
          version: 1,
          forLiberationDate: made.forLiberationDate,
          liberationDate: moved.liberationDate,
          previousLiberationDate: made.forLiberationDate,
          collectedBy: 'AGENCY',
          agencyId: 'agency-edinburgh-housing',
          changedAt: expect.any(String),
        },
      ]);
      // Nothing personal beyond the pseudonym: the collector's name never leaves the service.
      expect(JSON.stringify(needed)).not.toMatch(/sister|Visitor centre/);

      // Moves again (still not the date it was made for): said again, for the new date.
      await changeDate(personId, daysFromToday(90));
      const again = await json<GateArrangementView>(await ctx.lib.get(path(personId)));
      expect(
        await ctx.lib.outboxRows('custody.gate-arrangement.reconfirmation-needed', personId),
      ).toHaveLength(2);

      const confirmed = await put(personId, { ...agency, confirmedForLiberationDate: again.liberationDate });
      expect(confirmed.status).toBe(201);
      expect(
        dataOf(await ctx.lib.eventsOnBus('custody.gate-arrangement.recorded', personId)).map((d) => [
          d['version'],
          d['forLiberationDate'],
        ]),
      ).toEqual([
        [1, made.forLiberationDate],
        [2, again.liberationDate],
      ]);
      // A retry of the reconfirmation records nothing, says nothing.
      expect(
        (await put(personId, { ...agency, confirmedForLiberationDate: again.liberationDate })).status,
      ).toBe(200);
      expect(await ctx.lib.outboxRows('custody.gate-arrangement.recorded', personId)).toHaveLength(2);

      // Back to the first date: away from version 2's date, so said; then to version 2's date: not.
      await changeDate(personId, expectedAtFirst);
      await changeDate(personId, daysFromToday(90));
      expect(
        await ctx.lib.outboxRows('custody.gate-arrangement.reconfirmation-needed', personId),
      ).toHaveLength(3);
      expect(await json<GateArrangementView>(await ctx.lib.get(path(personId)))).toMatchObject({
        version: 2,
        needsReconfirmation: false,
      });
    });

    it('says nothing for an episode with no arrangement, or a family collector beyond the kind', async () => {
      const none = await inCustody();
      await changeDate(none, daysFromToday(75));
      expect(await ctx.lib.outboxRows('custody.gate-arrangement.reconfirmation-needed', none)).toEqual([]);

      const personId = await inCustody();
      await put(personId, family);
      await changeDate(personId, daysFromToday(75));
      const [event] = await ctx.lib.eventsOnBus('custody.gate-arrangement.reconfirmation-needed', personId);
      expect(event!.data).toMatchObject({ collectedBy: 'FAMILY_OR_FRIEND' });
      expect(event!.data).not.toHaveProperty('agencyId');
      expect(JSON.stringify(event)).not.toContain('A sister');
    });

    it('says it when a sentence calculation moves the date (the path a re-plan applies by), as for a change by hand', async () => {
      const personId = await inCustody({
        sentenceDate: daysFromToday(-10),
        expectedReleaseDate: daysFromToday(60),
      });
      const made = await json<GateArrangementView>(await put(personId, agency));
      const calculated = await ctx.lib.post(`/people/${personId}/episodes/1/sentence-calculations`, {
        sentences: [{ id: 'charge-1', sentenceDate: daysFromToday(-10), term: { days: 101 } }],
      });
      expect(calculated.status).toBe(201);
      const now = await json<GateArrangementView>(await ctx.lib.get(path(personId)));
      expect(now.liberationDate).not.toBe(made.forLiberationDate);
      expect(
        dataOf(await ctx.lib.eventsOnBus('custody.gate-arrangement.reconfirmation-needed', personId)),
      ).toEqual([
        expect.objectContaining({
          forLiberationDate: made.forLiberationDate,
          liberationDate: now.liberationDate,
          agencyId: 'agency-edinburgh-housing',
        }),
      ]);
    });

    it('documents the list in OpenAPI: its query, an example, the bearer token', async () => {
      const doc = (await (await fetch(`${ctx.lib.base}/docs-json`)).json()) as {
        paths: Record<
          string,
          Record<
            string,
            { parameters?: Array<{ name: string }>; responses: Record<string, unknown>; security?: unknown }
          >
        >;
      };
      const op = doc.paths['/gate-arrangements']?.['get'];
      expect(op?.parameters?.map((p) => p.name).sort()).toEqual(
        ['cursor', 'establishmentCode', 'limit', 'needsReconfirmation'].sort(),
      );
      expect(JSON.stringify(op?.responses['200'])).toContain('"needsReconfirmation":true');
      expect(Object.keys(op?.responses ?? {}).sort()).toEqual(['200', '400', '401'].sort());
      expect(op?.security).toEqual([{ bearer: [] }]);
    });

    it("lists the arrangements to confirm again in the caller's establishments (paged, filtered, 400 naming the field)", async () => {
      const moved = await inCustody();
      const kept = await inCustody();
      const released = await inCustody();
      for (const p of [moved, kept, released]) expect((await put(p, family)).status).toBe(201);
      await changeDate(moved, daysFromToday(75));
      await changeDate(released, daysFromToday(75));
      expect(
        (
          await ctx.lib.post('/releases', {
            personId: released,
            establishmentCode: 'BAR',
            reason: 'RELEASED',
            releasedAt: minutesAgo(5),
          })
        ).status,
      ).toBe(201);
      const people = [moved, kept, released];

      const toConfirm = await listed('establishmentCode=BAR&needsReconfirmation=true', people);
      expect(toConfirm.map((v) => v.personId)).toEqual([moved]);
      expect(toConfirm[0]).toMatchObject({
        episode: 1,
        version: 1,
        needsReconfirmation: true,
        establishmentCode: 'BAR',
        concerns: [expect.stringMatching(/confirm it again with whoever collects/)],
      });
      expect((await listed('needsReconfirmation=false', people)).map((v) => v.personId)).toEqual([kept]);
      expect((await listed('', people)).map((v) => v.personId).sort()).toEqual([moved, kept].sort());

      // One at a time: the cursor walks on by person then episode, none twice.
      const walked: string[] = [];
      let cursor: string | null = null;
      for (let pages = 0; pages < 1000; pages++) {
        const page: GateArrangementPage = await json<GateArrangementPage>(
          await ctx.lib.get(
            `/gate-arrangements?establishmentCode=BAR&limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
          ),
        );
        expect(page.items.length).toBeLessThanOrEqual(1);
        walked.push(...page.items.map((v) => `${v.personId}/${v.episode}`));
        cursor = page.nextCursor;
        if (!cursor) break;
      }
      expect(new Set(walked).size).toBe(walked.length);
      expect(walked).toEqual(expect.arrayContaining([`${moved}/1`, `${kept}/1`]));

      // Another prison's staff see none of them, named or not.
      expect(await listed('needsReconfirmation=true', people, prisonStaff('LEI'))).toEqual([]);
      expect(await listed('establishmentCode=BAR', people, prisonStaff('LEI'))).toEqual([]);

      for (const [query, field] of [
        ['needsReconfirmation=yes', 'needsReconfirmation'],
        ['establishmentCode=bar', 'establishmentCode'],
        ['limit=0', 'limit'],
        ['cursor=nope', 'cursor'],
      ] as const) {
        const bad = await ctx.lib.get(`/gate-arrangements?${query}`);
        expect(bad.status).toBe(400);
        expect((await json<{ errors: { field: string }[] }>(bad)).errors.map((e) => e.field)).toEqual([
          field,
        ]);
      }
    });
  });
});
