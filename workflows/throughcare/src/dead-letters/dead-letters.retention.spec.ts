import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { DlqHeaders } from '@throughcare/platform-messaging';
import type { Client } from '@temporalio/client';
import type { NatsConnection } from '@nats-io/nats-core';
import type { AuditTrail } from '@throughcare/platform-audit';
import type { DataSource } from 'typeorm';
import { DeadLettersService, REPLAY_ALL_LIMIT } from './dead-letters.service';

/**
 * The past-retention guard of a dead letter's replay (`pastRetention`, review of stop 39, N3), at
 * its boundaries, on a fake clock and a fake namespace description (unit: no NATS, database or
 * Temporal is reached; the replay itself is covered by the int spec).
 */

// The service warns when the retention cannot be read, as these cases make it: quiet here (the
// warnings are the int spec's to show; a passing run prints no worker chatter).
Logger.overrideLogger(false);

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.parse('2027-03-01T12:00:00.000Z');
const RETENTION = 30 * DAY;
const MARGIN = HOUR;

type Letter = { seq: number; subject: string; data: Uint8Array; header: undefined; time: Date };

/** A dead letter of `eventType`, dead-lettered at `time`, the event occurred at `occurredAt` (absent: none). */
const letter = (
  time: number,
  occurredAt: string | undefined,
  eventType = 'custody.person.received',
): Letter => ({
  seq: 1,
  subject: 'throughcare.dlq.bridge',
  header: undefined,
  time: new Date(time),
  data: Buffer.from(
    JSON.stringify({
      eventType,
      version: 1,
      eventId: randomUUID(),
      ...(occurredAt !== undefined ? { occurredAt } : {}),
      correlationId: 'corr-1',
      personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: 'p0123456789abcdef0123' }] },
      data: { episode: 1, establishmentCode: 'BAR' },
    }),
  ),
});
const iso = (ms: number) => new Date(ms).toISOString();

/** A namespace description that answers `ttl` (seconds; undefined: none set) or fails. */
function temporalWith(answer: () => Promise<number | undefined>) {
  const describeNamespace = jest.fn(async () => {
    const seconds = await answer();
    return { config: { workflowExecutionRetentionTtl: seconds === undefined ? {} : { seconds } } };
  });
  const client = { workflowService: { describeNamespace }, options: { namespace: 'default' } };
  return { client: client as unknown as Client, describeNamespace };
}

function service(temporal?: Client): { pastRetention: (l: Letter) => Promise<string | undefined> } {
  const s = new DeadLettersService(
    {} as NatsConnection,
    {} as DataSource,
    {} as AuditTrail,
    { replayBatch: REPLAY_ALL_LIMIT },
    temporal,
  );
  // The guard is private: asked as replay() asks it.
  return {
    pastRetention: (l) =>
      (s as unknown as { pastRetention: (l: Letter) => Promise<string | undefined> }).pastRetention(l),
  };
}

describe('dead letters: a replay of an opening event past the retention of closed workflows (pastRetention)', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: NOW, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
  });
  afterEach(() => jest.useRealTimers());

  const thirtyDays = () => temporalWith(async () => RETENTION / 1000);

  it.each([
    ['exactly the retention less the margin old: replayed', 0, false],
    ['1 ms younger: replayed', 1, false],
    ['1 ms older: refused', -1, true],
  ])('the margin boundary (retention − 1 h): %s', async (_, offset, refused) => {
    const occurred = NOW - (RETENTION - MARGIN) + offset;
    const verdict = await service(thirtyDays().client).pastRetention(letter(NOW, iso(occurred)));
    if (refused) {
      expect(verdict).toMatch(
        /^a custody\.person\.received 30 days old opens an episode, and Temporal keeps closed workflows 30 days: a reversal's tombstone of that episode may be gone/,
      );
      expect(verdict).toContain('"force": true');
    } else expect(verdict).toBeUndefined();
  });

  it('counts from the earlier of the event and its dead-lettering', async () => {
    const old = NOW - RETENTION;
    const { client } = thirtyDays();
    // Dead-lettered long ago, the event claiming to be recent: the letter's own time counts.
    expect(await service(client).pastRetention(letter(old, iso(NOW - HOUR)))).toBeDefined();
    // Recently dead-lettered, the event long ago: the event's instant counts.
    expect(await service(client).pastRetention(letter(NOW - HOUR, iso(old)))).toBeDefined();
    expect(await service(client).pastRetention(letter(NOW - HOUR, iso(NOW - 2 * HOUR)))).toBeUndefined();
  });

  it.each([
    ['missing', undefined],
    ['not an instant', 'yesterday'],
  ])('occurredAt %s: falls back to when it was dead-lettered', async (_, occurredAt) => {
    const { client } = thirtyDays();
    const boundary = NOW - (RETENTION - MARGIN);
    expect(await service(client).pastRetention(letter(boundary, occurredAt))).toBeUndefined();
    expect(await service(client).pastRetention(letter(boundary - 1, occurredAt))).toMatch(/30 days old/);
  });

  it('asks nothing of an event that opens no episode, however old', async () => {
    const { client, describeNamespace } = thirtyDays();
    expect(
      await service(client).pastRetention(
        letter(NOW - 400 * DAY, iso(NOW - 400 * DAY), 'custody.person.transferred'),
      ),
    ).toBeUndefined();
    expect(describeNamespace).not.toHaveBeenCalled();
  });

  it.each([
    ['Temporal unreachable', () => temporalWith(async () => Promise.reject(new Error('UNAVAILABLE'))).client],
    ['no retention set on the namespace', () => temporalWith(async () => undefined).client],
    ['no Temporal client injected', () => undefined],
  ])('unreadable retention (%s): fails closed, even for a letter of a minute ago', async (_, temporal) => {
    const verdict = await service(temporal()).pastRetention(letter(NOW - 60_000, iso(NOW - 60_000)));
    expect(verdict).toBe(
      `a custody.person.received opens an episode, and Temporal's retention of closed workflows could not be read: a reversal's tombstone of that episode cannot be relied on; check first that the liberation service does not hold the episode as void (GET /people/:id/episodes), then replay it alone with "force": true and a reason`,
    );
  });

  it('covers a liberation from court, the other opening event', async () => {
    expect(
      await service(thirtyDays().client).pastRetention(
        letter(NOW, iso(NOW - RETENTION), 'custody.person.liberated-from-court'),
      ),
    ).toMatch(/^a custody\.person\.liberated-from-court 30 days old opens an episode/);
  });

  it('reads the retention once per 10 minutes; an unreadable one is not kept, asked again next time', async () => {
    let seconds: number | undefined = RETENTION / 1000;
    let fail = false;
    const { client, describeNamespace } = temporalWith(async () => {
      if (fail) throw new Error('UNAVAILABLE');
      return seconds;
    });
    const s = service(client);
    const tenDaysOld = () => letter(Date.now(), iso(Date.now() - 10 * DAY));
    expect(await s.pastRetention(tenDaysOld())).toBeUndefined();
    expect(describeNamespace).toHaveBeenCalledTimes(1);
    // The namespace's retention is cut to 7 days: within 10 minutes the cached 30 days still holds.
    seconds = (7 * DAY) / 1000;
    jest.setSystemTime(NOW + 10 * 60_000 - 1);
    expect(await s.pastRetention(tenDaysOld())).toBeUndefined();
    expect(describeNamespace).toHaveBeenCalledTimes(1);
    // Expired: read again, and the letter is past the new retention.
    jest.setSystemTime(NOW + 10 * 60_000);
    expect(await s.pastRetention(tenDaysOld())).toMatch(/Temporal keeps closed workflows 7 days/);
    expect(describeNamespace).toHaveBeenCalledTimes(2);
    // Unreadable after the next expiry: fails closed, and is asked again on the next replay.
    fail = true;
    jest.setSystemTime(NOW + 20 * 60_000 + 1);
    expect(await s.pastRetention(tenDaysOld())).toMatch(/could not be read/);
    expect(describeNamespace).toHaveBeenCalledTimes(3);
    fail = false;
    expect(await s.pastRetention(tenDaysOld())).toMatch(/Temporal keeps closed workflows 7 days/);
    expect(describeNamespace).toHaveBeenCalledTimes(4);
  });
});

describe('dead letters: a letter asking an operator to act is discarded, not replayed (REPLAY_DISCARD_ONLY; review of stop 40, fixes S1)', () => {
  /** The service's own check, as replay() and replay-all ask it, for a letter coded `code`. */
  const discardOnly = (code: string | undefined) => {
    const s = new DeadLettersService(
      {} as NatsConnection,
      {} as DataSource,
      {} as AuditTrail,
      { replayBatch: REPLAY_ALL_LIMIT },
      undefined,
    );
    const hdrs = natsHeaders();
    if (code) hdrs.set(DlqHeaders.code, code);
    const l = { ...letter(NOW, iso(NOW)), header: hdrs };
    return (s as unknown as { discardOnly: (l: unknown) => string | undefined }).discardOnly(l);
  };

  it('EPISODE_NOT_RESUMED: refused, saying to discard it once the follow-up is arranged', () => {
    expect(discardOnly('EPISODE_NOT_RESUMED')).toMatch(
      /^a EPISODE_NOT_RESUMED letter asks an operator to act .* arrange the person's follow-up, then discard it/,
    );
  });

  it.each([['UPDATE_REJECTED'], ['RECEPTION_TOMBSTONED'], [undefined]])('%s: replayable', (code) => {
    expect(discardOnly(code)).toBeUndefined();
  });
});
