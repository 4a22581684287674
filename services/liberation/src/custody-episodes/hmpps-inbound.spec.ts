import type { HmppsDomainEvent } from '@throughcare/contracts';
import { hmppsEventId, parseHmppsEvent } from './hmpps-inbound';

/** A release as HMPPS publishes it (prison-offender-events.prisoner.released, version 1). */
const release = {
  eventType: 'prison-offender-events.prisoner.released',
  version: 1,
  occurredAt: '2026-11-30T10:15:30+00:00',
  publishedAt: '2026-11-30T10:15:31.123456+00:00',
  description: 'A prisoner has been released from prison',
  additionalInformation: {
    nomsNumber: 'A1234BC',
    reason: 'RELEASED',
    details: 'Movement reason code CR',
    currentLocation: 'OUTSIDE_PRISON',
    prisonId: 'LEI',
    nomisMovementReasonCode: 'CR',
    currentPrisonStatus: 'NOT_UNDER_PRISON_CARE',
  },
  personReference: { identifiers: [{ type: 'NOMS', value: 'A1234BC' }] },
};
const bytes = (value: unknown) =>
  new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));

describe('parseHmppsEvent', () => {
  it('reads an HMPPS domain event, keeping the fields the schema lets publishers add', () => {
    const parsed = parseHmppsEvent(bytes(release));
    expect(parsed).toEqual({ ok: true, event: release });
  });

  it('refuses what is not one, naming the fields', () => {
    expect(parseHmppsEvent(bytes('{'))).toMatchObject({ ok: false, code: 'MALFORMED_JSON' });
    // The reason is logged and shown to operators: it quotes no part of the body.
    const broken = parseHmppsEvent(bytes('{"nomsNumber": "A1234BC" "reason"}'));
    expect(broken).toEqual({
      ok: false,
      code: 'MALFORMED_JSON',
      reason: 'body is not JSON: invalid JSON at position 25',
    });
    expect(parseHmppsEvent(bytes({ ...release, version: '1', occurredAt: 'yesterday' }))).toEqual({
      ok: false,
      code: 'INVALID_HMPPS_EVENT',
      reason: expect.stringMatching(/^version: .*; occurredAt: /),
    });
    expect(parseHmppsEvent(bytes({ ...release, eventType: 'Released' }))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('eventType: eventType must read <source>.<entity>.<past-tense>'),
    });
  });
});

describe('hmppsEventId', () => {
  const event = release as HmppsDomainEvent;
  const personId = 'p'.repeat(43);

  it('is a name-based (version 5) UUID of the movement, whatever the instant is written as', () => {
    const id = hmppsEventId(event, personId);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // Another copy: another publishedAt and description, the instant in another form, and the
    // reason and prison HMPPS works out when it publishes possibly different.
    const again = {
      ...event,
      occurredAt: '2026-11-30T10:15:30.000Z',
      publishedAt: '2026-11-30T11:00:31Z',
      additionalInformation: { ...release.additionalInformation, reason: 'UNKNOWN', prisonId: 'MDI' },
    };
    expect(hmppsEventId(again, personId)).toBe(id);
  });

  it('differs when the type, version, instant or person does', () => {
    const id = hmppsEventId(event, personId);
    const others = [
      hmppsEventId({ ...event, occurredAt: '2026-11-30T10:15:31Z' }, personId),
      hmppsEventId({ ...event, version: 2 }, personId),
      hmppsEventId({ ...event, eventType: 'prison-offender-events.prisoner.received' }, personId),
      hmppsEventId(event, 'q'.repeat(43)),
    ];
    expect(new Set([id, ...others]).size).toBe(5);
  });
});
