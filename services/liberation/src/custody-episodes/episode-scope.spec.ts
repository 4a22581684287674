import type { EntityManager, Repository } from 'typeorm';
import type { Principal } from '@throughcare/platform-auth';
import { ConflictError } from '@throughcare/platform-errors';
import type { CustodyEpisode } from './custody-episode.entity';
import {
  CustodyRecordConflictError,
  EpisodeAlreadyOpenError,
  EpisodeNotFoundError,
  PersonNotFoundError,
} from './custody-episode.errors';
import { refusalOver, whereHeld } from './episode-history';
import { EpisodesService } from './episodes.service';
import { Movement } from './movement.entity';
import { actorOf, covers, scopeOf } from './prison-scope';
import { httpIdempotencyKey, requestContextOf } from './request-context';

const PERSON = 'p0123456789abcdef0123';

function anEpisode(episode: number, overrides: Partial<CustodyEpisode> = {}): CustodyEpisode {
  return {
    personId: PERSON,
    episode,
    prisonNumber: 'A1234BC',
    establishmentCode: 'BAR',
    jurisdiction: 'SCOTLAND',
    homeLocalAuthority: 'S12000036',
    origin: 'RECEPTION',
    sex: null,
    dateOfBirth: null,
    receptionReason: 'ADMISSION',
    sentenceDate: '2026-01-05',
    sentenceLengthDays: 180,
    expectedReleaseDate: '2026-07-04',
    receivedAt: new Date('2026-01-05T10:00:00Z'),
    receivedBy: 'spec',
    returnToCustodyReason: null,
    recallReasonCode: null,
    legalStatus: null,
    courtLiberationEventId: null,
    releasedAt: null,
    releasedBy: null,
    releaseEstablishmentCode: null,
    releaseReason: null,
    stage: null,
    stageAt: null,
    stageRecordedAt: null,
    voidedAt: null,
    voidedBy: null,
    voidReason: null,
    voidNote: null,
    voidEventId: null,
    voidCorrelationId: null,
    voidAdmission: null,
    createdAt: new Date('2026-01-05T10:00:00Z'),
    ...overrides,
  };
}

let eventNumber = 0;
function aTransfer(episode: number, from: string, to: string, at: string, reversed = false): Movement {
  eventNumber += 1;
  return Object.assign(new Movement(), {
    eventId: `00000000-0000-4000-8000-${String(eventNumber).padStart(12, '0')}`,
    personId: PERSON,
    episode,
    movement: 'TRANSFER',
    fromEstablishmentCode: from,
    toEstablishmentCode: to,
    releaseReason: null,
    occurredAt: new Date(at),
    recordedAt: new Date(at),
    recordedBy: 'spec',
    correlationId: 'c',
    reversedAt: reversed ? new Date(at) : null,
    reversedBy: reversed ? 'spec' : null,
    reversalEventId: null,
    reversalCorrelationId: null,
  } satisfies Partial<Movement>);
}

/** EpisodesService over an in-memory person: these episodes and movements, no other history. */
function serviceOver(episodes: CustodyEpisode[], movements: Movement[]): EpisodesService {
  const manager = {
    find: (entity: unknown) => Promise.resolve(entity === Movement ? movements : []),
  };
  const repository = {
    manager,
    find: () => Promise.resolve(episodes),
    findOneBy: ({ episode }: { episode: number }) =>
      Promise.resolve(episodes.find((e) => e.episode === episode) ?? null),
  };
  return new EpisodesService(repository as unknown as Repository<CustodyEpisode>);
}

const staffOf = (...establishments: string[]) => ({ establishments });

describe('establishment scope of custody episodes', () => {
  it('covers only the establishments named; unrestricted (the bus) covers every one', () => {
    expect(covers(staffOf('BAR', 'LEI'), 'LEI')).toBe(true);
    expect(covers(staffOf('BAR'), 'LEI')).toBe(false);
    expect(covers(staffOf('BAR'), null)).toBe(false);
    expect(covers('unrestricted', 'XYZ')).toBe(true);
  });

  it("records a client-credentials caller as its client, a user as the user, and scopes it by its token's establishments", () => {
    const client: Principal = {
      subject: 'tc-1',
      clientId: 'tc-1',
      roles: ['prison-staff'],
      establishments: ['BAR'],
    };
    const user: Principal = { ...client, subject: 'jo.bloggs' };
    expect(actorOf(client)).toBe('client:tc-1');
    expect(actorOf(user)).toBe('user:jo.bloggs');
    expect(scopeOf(client)).toEqual({ establishments: ['BAR'] });
  });

  it("keeps each HTTP caller's Idempotency-Keys its own: apart from another caller's, and from the bus's", () => {
    const client: Principal = {
      subject: 'tc-1',
      clientId: 'tc-1',
      roles: ['prison-staff'],
      establishments: ['BAR'],
    };
    const keyOf = (principal: Principal, key?: string) =>
      requestContextOf(key === undefined ? {} : { 'idempotency-key': key }, principal).idempotencyKey;
    expect(keyOf(client)).toBeUndefined();
    expect(keyOf(client, 'k-1')).toBe('http:client:tc-1:k-1');
    expect(keyOf(client, ' k-1 ')).toBe('http:client:tc-1:k-1');
    expect(keyOf({ ...client, subject: 'jo.bloggs' }, 'k-1')).toBe('http:user:jo.bloggs:k-1');
    // Another client's same key is another key; nor can an HTTP key be a bus consumer's `bus:<eventId>`.
    expect(keyOf({ ...client, subject: 'tc-2', clientId: 'tc-2' }, 'k-1')).not.toBe(keyOf(client, 'k-1'));
    expect(keyOf(client, 'bus:e-1')).toBe('http:client:tc-1:bus:e-1');
    // A `:` in a caller's id cannot make two callers' keys read alike.
    const colon = { ...client, subject: 'a:b', clientId: 'a:b' };
    const plain = { ...client, subject: 'a', clientId: 'a' };
    expect(httpIdempotencyKey(colon, 'k')).toBe('http:client:a%3Ab:k');
    expect(httpIdempotencyKey(colon, 'k')).not.toBe(httpIdempotencyKey(plain, 'b:k'));
  });

  it('names an episode in a refusal only to a caller that may see it; anyone else gets the fixed CUSTODY_RECORD_CONFLICT', async () => {
    // Received at BAR, transferred to LEI (open); and an episode released from BAR.
    const open = anEpisode(2, { receivedAt: new Date('2026-02-01T10:00:00Z') });
    const released = anEpisode(1, {
      releasedAt: new Date('2026-01-10T10:00:00Z'),
      releaseEstablishmentCode: 'BAR',
    });
    const movements = [aTransfer(2, 'BAR', 'LEI', '2026-02-02T10:00:00Z')];
    const manager = {
      find: (entity: unknown, { where }: { where: { episode: number } }) =>
        Promise.resolve(entity === Movement ? movements.filter((m) => m.episode === where.episode) : []),
    } as unknown as EntityManager;
    const detailed = () => new EpisodeAlreadyOpenError(PERSON, 2, open.receivedAt!);

    for (const scope of [staffOf('LEI'), staffOf('BAR', 'LEI'), 'unrestricted' as const])
      expect(await refusalOver(manager, open, scope, detailed)).toMatchObject({
        code: 'EPISODE_ALREADY_OPEN',
      });
    for (const scope of [staffOf('BAR'), staffOf('GMR')]) {
      const refusal = await refusalOver(manager, open, scope, detailed);
      expect(refusal).toBeInstanceOf(CustodyRecordConflictError);
      expect(refusal).toBeInstanceOf(ConflictError);
      expect(refusal).toMatchObject({
        code: 'CUSTODY_RECORD_CONFLICT',
        category: 'CONFLICT',
        message:
          "this person's custody record held elsewhere conflicts with the request; the establishment holding the record must act",
        details: undefined,
      });
    }
    expect(await refusalOver(manager, released, staffOf('BAR'), detailed)).toMatchObject({
      code: 'EPISODE_ALREADY_OPEN',
    });
    expect(await refusalOver(manager, released, staffOf('LEI'), detailed)).toBeInstanceOf(
      CustodyRecordConflictError,
    );
  });

  it('is held where the last standing transfer took the person, or where released from', () => {
    const open = anEpisode(1);
    const toLei = aTransfer(1, 'BAR', 'LEI', '2026-01-06T10:00:00Z');
    const toGmrReversed = aTransfer(1, 'LEI', 'GMR', '2026-01-07T10:00:00Z', true);
    expect(whereHeld(open, { movements: [] })).toBe('BAR');
    expect(whereHeld(open, { movements: [toLei] })).toBe('LEI');
    expect(whereHeld(open, { movements: [toLei, toGmrReversed] })).toBe('LEI');
    const released = anEpisode(1, {
      releasedAt: new Date('2026-01-08T10:00:00Z'),
      releaseEstablishmentCode: 'LEI',
    });
    expect(whereHeld(released, { movements: [toLei] })).toBe('LEI');
  });

  describe('EpisodesService', () => {
    // Episode 1 released from BAR; episode 2 received at BAR, transferred to LEI; episode 3 not there.
    const episodes = [
      anEpisode(1, { releasedAt: new Date('2026-01-10T10:00:00Z'), releaseEstablishmentCode: 'BAR' }),
      anEpisode(2, { receivedAt: new Date('2026-02-01T10:00:00Z') }),
    ];
    const movements = [aTransfer(2, 'BAR', 'LEI', '2026-02-02T10:00:00Z')];
    const service = serviceOver(episodes, movements);
    const list = async (scope: Parameters<EpisodesService['list']>[2], limit = 20, cursor?: string) => {
      const page = await service.list(PERSON, { limit, ...(cursor ? { cursor } : {}) }, scope);
      return {
        episodes: page.items.map((e) => [e.episode, e.establishmentCode]),
        nextCursor: page.nextCursor,
      };
    };

    it('lists only the episodes within scope, paging over them alone', async () => {
      expect(await list(staffOf('BAR'))).toEqual({ episodes: [[1, 'BAR']], nextCursor: null });
      expect(await list(staffOf('LEI'), 1)).toEqual({ episodes: [[2, 'LEI']], nextCursor: null });
      const first = await list(staffOf('BAR', 'LEI'), 1);
      expect(first.episodes).toEqual([[1, 'BAR']]);
      expect(await list(staffOf('BAR', 'LEI'), 1, first.nextCursor ?? undefined)).toEqual({
        episodes: [[2, 'LEI']],
        nextCursor: null,
      });
      expect(await list('unrestricted')).toMatchObject({
        episodes: [
          [1, 'BAR'],
          [2, 'LEI'],
        ],
      });
    });

    it('answers none within scope as an unknown person, and an episode outside it as a missing one', async () => {
      const asMissing = (error: Error & { code: string }) => ({ code: error.code, message: error.message });
      await expect(list(staffOf('GMR'))).rejects.toMatchObject(asMissing(new PersonNotFoundError(PERSON)));
      await expect(service.get(PERSON, 2, staffOf('BAR'))).rejects.toMatchObject(
        asMissing(EpisodeNotFoundError.of(PERSON, 2)),
      );
      await expect(service.get(PERSON, 3, staffOf('BAR'))).rejects.toMatchObject(
        asMissing(EpisodeNotFoundError.of(PERSON, 3)),
      );
      expect((await service.get(PERSON, 2, staffOf('LEI'))).establishmentCode).toBe('LEI');
    });
  });
});
