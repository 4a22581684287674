import {
  auditedCaller,
  auditRecordsAbout,
  withAuditStoreAway,
} from '@throughcare/platform-audit/src/testing';
import { bearer, type TestPrincipal } from '@throughcare/testing';
import type { EpisodeView } from './custody-episode.schemas';
import {
  aLiberation,
  aReception,
  daysFromToday,
  LIBERATION_AUDIENCE,
  minutesAgo,
  personIdOf,
  prisonStaff,
  useLiberation,
} from './spec-support';

// Issue 8, audit: every read, list and change of a custody episode writes one record to the
// liberation chain (audit.audit_record), including the attempts of prison staff of another
// establishment, answered 404 and recorded 'not-found'; and no change goes unaudited.

const BAR = prisonStaff('BAR');
const LEI = prisonStaff('LEI');

/** The record fields a request by `principal` must carry. */
const byCaller = async (principal: TestPrincipal) => ({
  chain: 'liberation',
  ...auditedCaller(await bearer(principal, LIBERATION_AUDIENCE)),
  roles: ['prison-staff'],
  purpose: 'case-work',
});

describe('liberation audit trail: custody episodes (real Postgres, identity provider)', () => {
  // The audit-store-away cases' 503s are logged at error level by design: asserted, not printed.
  const service = useLiberation({ logLevels: ['fatal'] });

  /** Every liberation record about the person (as subject or disclosed), in chain order, but the reception's. */
  const recordsOf = (personId: string) =>
    auditRecordsAbout(service.lib.dataSource, 'liberation', personId, {
      exceptActions: ['custody-episode.record-reception'],
    });

  /** A person received at BAR (by BAR's staff): episode 1, in custody. */
  async function receivedAtBar(): Promise<string> {
    const reception = aReception({ establishmentCode: 'BAR', receivedAt: minutesAgo(1000) });
    expect((await service.lib.post('/receptions', reception, {}, BAR)).status).toBe(201);
    return personIdOf(reception.prisonNumber);
  }

  it('records the reception itself as a change about the person', async () => {
    const reception = aReception({ establishmentCode: 'BAR', receivedAt: minutesAgo(1000) });
    const personId = personIdOf(reception.prisonNumber);
    expect((await service.lib.post('/receptions', reception, {}, BAR)).status).toBe(201);
    const rows = await auditRecordsAbout(service.lib.dataSource, 'liberation', personId);
    expect(rows).toEqual([
      expect.objectContaining({
        ...(await byCaller(BAR)),
        subject_person: personId,
        action: 'custody-episode.record-reception',
        object_type: 'custody-episode',
        outcome: 'allowed',
        reason: null,
        http_method: 'POST',
        route: '/receptions',
      }),
    ]);
  });

  it('records a read of an episode, and the list of the episodes once, naming the person disclosed', async () => {
    const personId = await receivedAtBar();
    expect((await service.lib.get(`/people/${personId}/episodes/1`, BAR)).status).toBe(200);
    expect((await service.lib.get(`/people/${personId}/episodes`, BAR)).status).toBe(200);

    const caller = await byCaller(BAR);
    expect(await recordsOf(personId)).toEqual([
      expect.objectContaining({
        ...caller,
        subject_person: personId,
        disclosed_persons: [],
        action: 'custody-episode.read',
        object_type: 'custody-episode',
        object_id: '1',
        outcome: 'allowed',
        reason: null,
        http_method: 'GET',
        route: '/people/:personId/episodes/:episode',
      }),
      expect.objectContaining({
        ...caller,
        subject_person: personId,
        disclosed_persons: [personId],
        action: 'custody-episode.list',
        object_type: 'custody-episode',
        object_id: null,
        outcome: 'allowed',
        reason: null,
        http_method: 'GET',
        route: '/people/:personId/episodes',
      }),
    ]);
  });

  it('records a release-date change and a transfer as changes of the episode', async () => {
    const personId = await receivedAtBar();
    const changed = await service.lib.post(
      `/people/${personId}/episodes/1/release-date`,
      { expectedReleaseDate: daysFromToday(40), reason: 'PAROLE' },
      {},
      BAR,
    );
    expect(changed.status).toBe(201);
    const moved = await service.lib.post(
      `/people/${personId}/episodes/1/transfers`,
      { toEstablishmentCode: 'LEI', transferredAt: minutesAgo(500) },
      {},
      BAR,
    );
    expect(moved.status).toBe(201);

    const caller = await byCaller(BAR);
    expect(await recordsOf(personId)).toEqual([
      expect.objectContaining({
        ...caller,
        subject_person: personId,
        action: 'custody-episode.change-release-date',
        object_type: 'custody-episode',
        object_id: '1',
        outcome: 'allowed',
        reason: null,
        http_method: 'POST',
        route: '/people/:personId/episodes/:episode/release-date',
      }),
      expect.objectContaining({
        ...caller,
        subject_person: personId,
        action: 'custody-episode.record-transfer',
        object_type: 'custody-episode',
        object_id: '1',
        outcome: 'allowed',
        reason: null,
        http_method: 'POST',
        route: '/people/:personId/episodes/:episode/transfers',
      }),
    ]);
  });

  it("records a liberation from court reversed as a change of the episode, and another establishment's attempt as 'not-found'", async () => {
    const liberation = aLiberation({ establishmentCode: 'BAR', releasedAt: minutesAgo(300) });
    const personId = personIdOf(liberation.prisonNumber);
    expect((await service.lib.post('/court-liberations', liberation, {}, BAR)).status).toBe(201);
    const path = `/people/${personId}/episodes/1/court-liberation-reversal`;
    const body = { reversedAt: minutesAgo(100), reason: 'RECEIVED_IN_ERROR' };
    expect((await service.lib.post(path, body, {}, LEI)).status).toBe(404);
    expect((await service.lib.post(path, body, {}, BAR)).status).toBe(201);

    const reversal = {
      subject_person: personId,
      action: 'custody-episode.reverse-court-liberation',
      object_type: 'custody-episode',
      object_id: '1',
      http_method: 'POST',
      route: '/people/:personId/episodes/:episode/court-liberation-reversal',
    };
    expect(
      await auditRecordsAbout(service.lib.dataSource, 'liberation', personId, {
        exceptActions: ['custody-episode.record-court-liberation'],
      }),
    ).toEqual([
      expect.objectContaining({ ...(await byCaller(LEI)), ...reversal, outcome: 'not-found' }),
      expect.objectContaining({ ...(await byCaller(BAR)), ...reversal, outcome: 'allowed', reason: null }),
    ]);
  });

  it("records prison staff of another establishment reading, listing or changing the episode as 'not-found', with the person", async () => {
    const personId = await receivedAtBar();
    expect((await service.lib.get(`/people/${personId}/episodes/1`, LEI)).status).toBe(404);
    expect((await service.lib.get(`/people/${personId}/episodes`, LEI)).status).toBe(404);
    const change = await service.lib.post(
      `/people/${personId}/episodes/1/release-date`,
      { expectedReleaseDate: daysFromToday(40), reason: 'PAROLE' },
      {},
      LEI,
    );
    expect(change.status).toBe(404);

    const caller = await byCaller(LEI);
    const notFound = { ...caller, subject_person: personId, disclosed_persons: [], outcome: 'not-found' };
    expect(await recordsOf(personId)).toEqual([
      expect.objectContaining({
        ...notFound,
        action: 'custody-episode.read',
        object_id: '1',
        reason: 'EPISODE_NOT_FOUND',
        http_method: 'GET',
        route: '/people/:personId/episodes/:episode',
      }),
      expect.objectContaining({
        ...notFound,
        action: 'custody-episode.list',
        object_id: null,
        reason: 'PERSON_NOT_FOUND',
        http_method: 'GET',
        route: '/people/:personId/episodes',
      }),
      expect.objectContaining({
        ...notFound,
        action: 'custody-episode.change-release-date',
        object_id: '1',
        reason: 'EPISODE_NOT_FOUND',
        http_method: 'POST',
        route: '/people/:personId/episodes/:episode/release-date',
      }),
    ]);
    // BAR's episode is as it was.
    const view = (await (await service.lib.get(`/people/${personId}/episodes/1`, BAR)).json()) as EpisodeView;
    expect(view.releaseDateChanges).toEqual([]);
  });

  it('fails closed: with the audit store away a release-date change answers 503 and is not made', async () => {
    const personId = await receivedAtBar();
    const response = await withAuditStoreAway(() =>
      service.lib.post(
        `/people/${personId}/episodes/1/release-date`,
        { expectedReleaseDate: daysFromToday(40), reason: 'PAROLE' },
        {},
        BAR,
      ),
    );
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({ status: 503, code: 'AUDIT_UNAVAILABLE' });
    const view = (await (await service.lib.get(`/people/${personId}/episodes/1`, BAR)).json()) as EpisodeView;
    expect(view.releaseDateChanges).toEqual([]);
    expect(await service.lib.outboxRows('custody.release-date.changed', personId)).toEqual([]);
    expect((await recordsOf(personId)).map((r) => [r.action, r.outcome])).toEqual([
      ['custody-episode.read', 'allowed'],
    ]);
  });
});
