import { randomBytes, randomUUID } from 'node:crypto';
import { runUnrestricted, runWithDatabaseScope } from '@throughcare/platform-persistence';
import type { TestPrincipal } from '@throughcare/testing';
import type { AgencyMeetingPage, AgencyMeetingView } from './custody-episode.schemas';
import { MeetingService } from './meeting.service';
import { aReception, daysFrom, personIdOf, useLiberation, type Problem } from './spec-support';

/** One base for the whole file: dates built and expected across midnight agree. */
const daysFromToday = daysFrom(Date.now());

/**
 * Issue 9: an agency sees the custody visits and pre-release meetings it takes part in, with the
 * day and the prison, through `GET /agency/meetings` (real Postgres, real tokens), and nothing of
 * another agency's: the service's filter, and the table's read policy behind it.
 */
describe('liberation: GET /agency/meetings, the meetings an agency takes part in', () => {
  const ctx = useLiberation();
  const agencyA = `cjsw-a-${randomBytes(4).toString('hex')}`;
  const agencyB = `cjsw-b-${randomBytes(4).toString('hex')}`;
  const asAgency = (agencyId: string, role = 'agency-system'): TestPrincipal => ({ roles: [role], agencyId });
  let first: string;
  let second: string;
  /** Agency A's meetings by day: first's two visits, second's pre-release meeting (cancelled). */
  const mine: string[] = [];
  let theirs: string;
  let nobodys: string;

  beforeAll(async () => {
    const { lib } = ctx;
    const receptions = [aReception({ establishmentCode: 'BAR' }), aReception({ establishmentCode: 'LEI' })];
    for (const r of receptions) expect((await lib.post('/receptions', r)).status).toBe(201);
    [first, second] = receptions.map((r) => personIdOf(r.prisonNumber)) as [string, string];
    const meetings = lib.app.get(MeetingService);
    // Bookings are the journey's (the platform itself, as its activities run): unrestricted.
    const book = (
      personId: string,
      establishmentCode: string,
      kind: 'CJSW_VISIT' | 'PRE_RELEASE_MEETING',
      days: number,
      agencyId?: string,
    ) =>
      runUnrestricted(() =>
        meetings.book(
          {
            idempotencyKey: randomUUID(),
            personId,
            episode: 1,
            establishmentCode,
            kind,
            date: daysFromToday(days),
            agencyId,
            correlationId: 'agency-meetings-spec',
          },
          'spec',
        ),
      ).then((b) => b.bookingId);
    mine.push(await book(first, 'BAR', 'CJSW_VISIT', 10, agencyA));
    mine.push(await book(first, 'BAR', 'CJSW_VISIT', 20, agencyA));
    mine.push(await book(second, 'LEI', 'PRE_RELEASE_MEETING', 30, agencyA));
    theirs = await book(second, 'LEI', 'CJSW_VISIT', 12, agencyB);
    nobodys = await book(second, 'LEI', 'CJSW_VISIT', 14);
    const cancelled = await runUnrestricted(() =>
      meetings.cancel(
        {
          idempotencyKey: randomUUID(),
          bookingId: mine[2]!,
          reason: 'liberation date changed',
          correlationId: 'c',
        },
        'spec',
      ),
    );
    expect(cancelled.cancelled).toBe(true);
  });

  const list = async (query: string, as: TestPrincipal = asAgency(agencyA)) => {
    const res = await ctx.lib.get(`/agency/meetings${query}`, as);
    return { status: res.status, body: (await res.json()) as AgencyMeetingPage & Problem };
  };
  const ids = (page: AgencyMeetingPage) => page.items.map((m) => m.bookingId);

  it('lists the agency’s meetings by day with the person, the prison and the status, page by page', async () => {
    const one = await list('?limit=2');
    expect(one.status).toBe(200);
    expect(ids(one.body)).toEqual(mine.slice(0, 2));
    expect(one.body.items[0]).toEqual({
      bookingId: mine[0],
      personId: first,
      episode: 1,
      kind: 'CJSW_VISIT',
      establishmentCode: 'BAR',
      date: daysFromToday(10),
      status: 'BOOKED',
      agencyId: agencyA,
      bookedAt: expect.any(String) as string,
      heldAt: null,
      cancelledAt: null,
      cancellationReason: null,
    });
    expect(one.body.nextCursor).toEqual(expect.any(String));
    const two = await list(`?limit=2&cursor=${one.body.nextCursor}`);
    expect(ids(two.body)).toEqual([mine[2]]);
    expect(two.body.items[0]).toMatchObject({
      personId: second,
      kind: 'PRE_RELEASE_MEETING',
      establishmentCode: 'LEI',
      date: daysFromToday(30),
      status: 'CANCELLED',
      cancellationReason: 'liberation date changed',
    });
    expect(two.body.nextCursor).toBeNull();
    // Staff of the agency see the same.
    expect(ids((await list('', asAgency(agencyA, 'agency-staff'))).body)).toEqual(mine);
  });

  it('filters by day, status and person', async () => {
    expect(ids((await list(`?from=${daysFromToday(15)}`)).body)).toEqual(mine.slice(1));
    expect(ids((await list(`?to=${daysFromToday(15)}`)).body)).toEqual(mine.slice(0, 1));
    expect(ids((await list(`?from=${daysFromToday(10)}&to=${daysFromToday(20)}`)).body)).toEqual(
      mine.slice(0, 2),
    );
    expect(ids((await list('?status=CANCELLED')).body)).toEqual([mine[2]]);
    expect(ids((await list('?status=BOOKED')).body)).toEqual(mine.slice(0, 2));
    expect(ids((await list('?status=HELD')).body)).toEqual([]);
    expect(ids((await list(`?personId=${second}`)).body)).toEqual([mine[2]]);
  });

  it('shows one meeting to its agency, and another agency’s or nobody’s as unknown', async () => {
    const own = await ctx.lib.get(`/agency/meetings/${mine[0]}`, asAgency(agencyA));
    expect(own.status).toBe(200);
    expect(((await own.json()) as AgencyMeetingView).personId).toBe(first);
    for (const id of [theirs, nobodys, randomUUID()]) {
      const res = await ctx.lib.get(`/agency/meetings/${id}`, asAgency(agencyA));
      expect({ id, status: res.status, code: ((await res.json()) as Problem).code }).toEqual({
        id,
        status: 404,
        code: 'MEETING_NOT_FOUND',
      });
    }
    expect(ids((await list('', asAgency(agencyB))).body)).toEqual([theirs]);
  });

  it('refuses a bad query with a 400 naming each field', async () => {
    for (const [query, field] of [
      ['?limit=0', 'limit'],
      ['?limit=101', 'limit'],
      ['?cursor=not-ours', 'cursor'],
      ['?from=2026-13-01', 'from'],
      [`?from=${daysFromToday(20)}&to=${daysFromToday(10)}`, 'to'],
      ['?status=MAYBE', 'status'],
      ['?personId=A1234BC', 'personId'],
      ['?agencyId=other', ''],
    ] as const) {
      const res = await list(query);
      expect({ query, status: res.status }).toEqual({ query, status: 400 });
      if (field) expect(res.body.errors?.map((e) => e.field).join(' ')).toContain(field);
    }
    const bad = await ctx.lib.get('/agency/meetings/not-a-uuid', asAgency(agencyA));
    expect(bad.status).toBe(400);
  });

  it('is for agencies only: prison staff get the answer of an unknown route', async () => {
    const res = await ctx.lib.get('/agency/meetings');
    expect(res.status).toBe(404);
  });

  it('the second wall: under an agency scope the service connection reads only that agency’s meetings, and writes none', async () => {
    const seen = (agency: string) =>
      runWithDatabaseScope({ establishments: [], agency }, () =>
        ctx.lib.serviceDataSource.query(
          `SELECT id FROM liberation.meeting WHERE person_id = ANY($1) ORDER BY meeting_date`,
          [[first, second]],
        ),
      ) as Promise<Array<{ id: string }>>;
    expect((await seen(agencyA)).map((r) => r.id)).toEqual(mine);
    expect((await seen(agencyB)).map((r) => r.id)).toEqual([theirs]);
    await runWithDatabaseScope({ establishments: [], agency: agencyA }, () =>
      ctx.lib.serviceDataSource.query(
        `UPDATE liberation.meeting SET cancellation_reason = 'x' WHERE id = $1`,
        [mine[0]],
      ),
    );
    // As the owner: the row is as it was.
    expect(
      await ctx.lib.dataSource.query(`SELECT cancellation_reason FROM liberation.meeting WHERE id = $1`, [
        mine[0],
      ]),
    ).toEqual([{ cancellation_reason: null }]);
  });
});
