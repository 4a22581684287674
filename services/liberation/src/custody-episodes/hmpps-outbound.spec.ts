import { headers as natsHeaders } from '@nats-io/nats-core';
import { z } from 'zod';
import {
  EstablishmentCode,
  EventCatalogue,
  HMPPS_OUTBOUND,
  HmppsDomainEvent,
  PRODUCER_HEADER,
  hmppsOutboundSourceTypes,
  subjectFor,
  toHmppsDomainEvent,
  type KnownEvent,
  type KnownEventKey,
} from '@throughcare/contracts';
import { decideHmppsOutbound } from './hmpps-outbound';

const PERSON = 'p0123456789abcdef0123';
const at = '2027-01-14T09:00:00.000Z';
const id = '6f1c1b7e-4a55-4c8e-9a0e-2f1f5b0c9d11';
const id2 = '0b5b3f7e-9c1d-4e2a-8f3b-5a6c7d8e9f01';
/** In every free-text field of the samples: it must never reach the outbound body. */
const SECRET = 'SECRET-free-text: lives with his sister at 4 Elm Row';

/** One valid event of every type and version the outbound adapter publishes, each field filled. */
const samples: Partial<Record<KnownEventKey, Record<string, unknown>>> = {
  'custody.person.received@2': {
    episode: 2,
    establishmentCode: 'LEI',
    jurisdiction: 'ENGLAND_AND_WALES',
    homeLocalAuthority: 'E08000035',
    reason: 'READMISSION',
    receivedAt: at,
    sentenceDate: '2027-01-10',
    sentenceLengthDays: 540,
    expectedReleaseDate: '2027-09-01',
    returnToCustody: { reason: 'RECALL', recallReasonCode: 'ELR' },
  },
  'custody.person.released@1': { episode: 1, establishmentCode: 'LEI', reason: 'RELEASED', releasedAt: at },
  'custody.person.transferred@1': {
    episode: 1,
    fromEstablishmentCode: 'LEI',
    toEstablishmentCode: 'GMR',
    transferredAt: at,
  },
  'custody.movement.reversed@1': { episode: 1, movement: 'RELEASE', reversedEventId: id2, reversedAt: at },
  'custody.reception.reversed@1': {
    episode: 1,
    establishmentCode: 'LEI',
    reason: 'RECEIVED_IN_ERROR',
    reversedAt: at,
  },
  'custody.court-liberation.reversed@1': {
    episode: 1,
    establishmentCode: 'LEI',
    reason: 'RECEIVED_IN_ERROR',
    reversedAt: at,
    releasedAt: '2027-01-14T08:30:00.000Z',
  },
  'custody.release-date.changed@1': {
    episode: 1,
    expectedReleaseDate: '2027-03-01',
    previousExpectedReleaseDate: '2027-06-01',
    reason: 'HDC_APPROVED',
    changedAt: at,
  },
  'custody.person.liberated-from-court@2': {
    episode: 1,
    establishmentCode: 'LEI',
    jurisdiction: 'ENGLAND_AND_WALES',
    homeLocalAuthority: 'E08000035',
    legalStatus: 'REMAND',
    releasedAt: at,
  },
  'custody.meeting.booked@1': {
    bookingId: id,
    episode: 1,
    kind: 'PRE_RELEASE_MEETING',
    establishmentCode: 'LEI',
    date: '2027-02-01',
  },
  'custody.meeting.cancelled@1': { bookingId: id, episode: 1, reason: SECRET },
  'custody.meeting.held@1': { bookingId: id, episode: 1, kind: 'CJSW_VISIT', heldAt: at },
  'assessment.core-screen.completed@1': {
    assessmentId: id,
    episode: 1,
    needs: ['ACCOMMODATION', 'DRUGS_AND_ALCOHOL'],
    riskOfSeriousHarm: 'HIGH',
    completedAt: at,
  },
  'assessment.assessment.completed@1': {
    assessmentId: id,
    episode: 1,
    kind: 'STANDARD_REVIEW',
    needs: ['DRUGS_AND_ALCOHOL'],
    completedAt: at,
  },
  'referral.referral.sent@1': {
    referralId: id,
    episode: 1,
    agencyId: 'cjsw-edinburgh',
    pathways: ['DRUGS_AND_ALCOHOL'],
    sentAt: at,
    acknowledgeBy: at,
  },
  'referral.referral.acknowledged@1': {
    referralId: id,
    episode: 1,
    agencyId: 'cjsw-edinburgh',
    acknowledgedAt: at,
    acknowledgedBy: 'SECRET Jane Officer',
  },
  'referral.referral.outcome-recorded@1': {
    referralId: id,
    episode: 1,
    agencyId: 'cjsw-edinburgh',
    decision: 'DECLINED',
    decidedAt: at,
    reason: SECRET,
  },
  'referral.referral.withdrawn@1': { referralId: id, episode: 1, reason: SECRET },
  'referral.referral.closed@1': {
    referralId: id,
    episode: 1,
    agencyId: 'cjsw-edinburgh',
    outcome: 'PARTIALLY_ACHIEVED',
    closedAt: at,
  },
  'referral.appointment.booked@1': { appointmentId: id, episode: 1, agencyId: 'cjsw-edinburgh', dueBy: at },
  'referral.appointment.attendance-recorded@1': {
    appointmentId: id,
    episode: 1,
    attendance: 'NO',
    attendedAt: at,
    reason: SECRET,
  },
  'referral.appointment.cancelled@1': { appointmentId: id, episode: 1, reason: SECRET },
  'referral.appointment.scheduled@1': {
    appointmentId: id,
    scheduleId: id2,
    supersedes: id,
    episode: 1,
    agencyId: 'cjsw-edinburgh',
    startsAt: at,
    durationMinutes: 45,
    placeKind: 'AGENCY_OFFICE',
    change: 'MOVED',
    reasonCode: 'PERSON_UNWELL',
  },
  'referral.referral-appointment.booked@1': {
    referralId: id,
    appointmentId: id2,
    episode: 1,
    agencyId: 'cjsw-edinburgh',
    startsAt: at,
    placeKind: 'AGENCY_OFFICE',
  },
  'referral.referral-appointment.attendance-recorded@1': {
    referralId: id,
    appointmentId: id2,
    episode: 1,
    agencyId: 'cjsw-edinburgh',
    attendance: 'LATE',
    attendedAt: at,
    reason: SECRET,
  },
};

/** Data fields that must never be published outbound, whatever the event. */
const NEVER_OUT = [
  'prisonNumber',
  'agencyId',
  'reasonCode',
  'placeKind',
  'sentenceDate',
  'sentenceLengthDays',
  'homeLocalAuthority',
  'legalStatus',
  'needs',
  'pathways',
  'riskOfSeriousHarm',
  'acknowledgedBy',
  'resolvedBy',
  'note',
  'message',
  'what',
  'returnToCustody',
];

function eventOf(key: KnownEventKey, data: Record<string, unknown>, identifiers?: unknown): KnownEvent {
  const [eventType, version] = key.split('@');
  return EventCatalogue[key].parse({
    eventType,
    version: Number(version),
    eventId: id2,
    occurredAt: '2027-01-14T09:00:01.000Z',
    correlationId: 'corr-spec',
    personReference: { identifiers: identifiers ?? [{ type: 'THROUGHCARE_ID', value: PERSON }] },
    data,
  }) as KnownEvent;
}

const mappedKeys = Object.keys(HMPPS_OUTBOUND) as KnownEventKey[];

/**
 * What each type tells, written out here (not read from HMPPS_OUTBOUND): a change to a list
 * fails this spec until the version and this table say so.
 */
const OUTBOUND: Partial<Record<KnownEventKey, [version: number, fields: string[]]>> = {
  'custody.person.received@2': [1, ['episode', 'establishmentCode', 'reason', 'receivedAt']],
  'custody.person.released@1': [1, ['episode', 'establishmentCode', 'reason', 'releasedAt']],
  'custody.person.transferred@1': [
    1,
    ['episode', 'fromEstablishmentCode', 'toEstablishmentCode', 'transferredAt'],
  ],
  'custody.movement.reversed@1': [1, ['episode', 'movement', 'reversedEventId', 'reversedAt']],
  'custody.reception.reversed@1': [1, ['episode', 'establishmentCode', 'reason', 'reversedAt']],
  'custody.court-liberation.reversed@1': [
    1,
    ['episode', 'establishmentCode', 'reason', 'reversedAt', 'releasedAt'],
  ],
  'custody.release-date.changed@1': [
    1,
    ['episode', 'expectedReleaseDate', 'previousExpectedReleaseDate', 'changedAt'],
  ],
  'custody.person.liberated-from-court@2': [1, ['episode', 'establishmentCode', 'releasedAt']],
  'custody.meeting.booked@1': [1, ['bookingId', 'episode', 'kind', 'establishmentCode', 'date']],
  'custody.meeting.cancelled@1': [1, ['bookingId', 'episode']],
  'custody.meeting.held@1': [1, ['bookingId', 'episode', 'kind', 'heldAt']],
  'assessment.core-screen.completed@1': [1, ['assessmentId', 'episode', 'completedAt']],
  'assessment.assessment.completed@1': [1, ['assessmentId', 'episode', 'kind', 'completedAt']],
  'referral.referral.sent@1': [1, ['referralId', 'episode', 'sentAt', 'acknowledgeBy']],
  'referral.referral.acknowledged@1': [1, ['referralId', 'episode', 'acknowledgedAt']],
  'referral.referral.outcome-recorded@1': [1, ['referralId', 'episode', 'decision', 'decidedAt']],
  'referral.referral.withdrawn@1': [1, ['referralId', 'episode']],
  'referral.referral.closed@1': [1, ['referralId', 'episode', 'outcome', 'closedAt']],
  'referral.appointment.booked@1': [1, ['appointmentId', 'episode', 'dueBy']],
  'referral.appointment.attendance-recorded@1': [1, ['appointmentId', 'episode', 'attendance', 'attendedAt']],
  'referral.appointment.cancelled@1': [1, ['appointmentId', 'episode']],
  'referral.appointment.scheduled@1': [
    1,
    ['appointmentId', 'scheduleId', 'supersedes', 'episode', 'startsAt', 'durationMinutes', 'change'],
  ],
  'referral.referral-appointment.booked@1': [1, ['referralId', 'appointmentId', 'episode', 'startsAt']],
  'referral.referral-appointment.attendance-recorded@1': [
    1,
    ['referralId', 'appointmentId', 'episode', 'attendance', 'attendedAt'],
  ],
};

/** The kind of value a catalogue field's schema admits ('other' for free text and anything unlisted). */
function kindOf(schema: z.ZodType | undefined): string {
  let s = schema;
  while (s instanceof z.ZodOptional || s instanceof z.ZodNullable) s = s.unwrap() as z.ZodType;
  if (s === undefined) return 'other';
  if (s === EstablishmentCode) return 'establishment code';
  if (s instanceof z.ZodUUID) return 'uuid';
  if (s instanceof z.ZodEnum) return 'enum';
  if (s instanceof z.ZodISODate || s instanceof z.ZodISODateTime) return 'date';
  if (s instanceof z.ZodNumber && s.format === 'safeint') return 'integer';
  return 'other';
}
const published = new Date('2027-01-14T09:00:05.000Z');

describe('the platform events told in HMPPS shape (HMPPS_OUTBOUND)', () => {
  it('has a sample and a row of the table here for every mapped event, and no more', () => {
    expect(mappedKeys.filter((key) => samples[key] === undefined)).toEqual([]);
    expect(Object.keys(OUTBOUND).sort()).toEqual([...mappedKeys].sort());
  });

  it.each(mappedKeys)('%s becomes a thin HMPPS domain event named by the pseudonym alone', (key) => {
    const event = eventOf(key, samples[key]!);
    const out = toHmppsDomainEvent(event, published);

    expect(HmppsDomainEvent.safeParse(out).success).toBe(true);
    expect(out).toEqual({
      eventType: `throughcare-${event.eventType}`,
      version: 1,
      occurredAt: '2027-01-14T09:00:01.000Z',
      publishedAt: '2027-01-14T09:00:05.000Z',
      description: HMPPS_OUTBOUND[key]!.description,
      additionalInformation: expect.objectContaining({ throughcareEventId: id2 }),
      personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: PERSON }] },
    });
    // <source>.<entity>.<past-tense>, as HMPPS's own event types read.
    expect(out.eventType).toMatch(/^throughcare-[a-z-]+\.[a-z-]+\.[a-z-]+$/);
    // Exactly the fields of the table below, copied as they are.
    const data = event.data as Record<string, unknown>;
    const { throughcareEventId: _id, ...info } = out.additionalInformation!;
    expect(out.version).toBe(OUTBOUND[key]![0]);
    expect(info).toEqual(
      Object.fromEntries(OUTBOUND[key]![1].filter((f) => data[f] !== undefined).map((f) => [f, data[f]])),
    );
    expect(Object.keys(info).filter((f) => NEVER_OUT.includes(f))).toEqual([]);
    // No free text, name or assessment result, in any field.
    const body = JSON.stringify(out);
    expect(body).not.toContain('SECRET');
    expect(body).not.toContain('DRUGS_AND_ALCOHOL');
    expect(body).not.toContain('HIGH');
    expect(body).not.toContain('RECALL');
    expect(body).not.toContain('cjsw-edinburgh');
    expect(body).not.toContain('PERSON_UNWELL');
  });

  it.each(mappedKeys)('%s: every field told is an id, a code, an enum, a number or a date', (key) => {
    const dataShape = (EventCatalogue[key] as unknown as { shape: { data: z.ZodObject } }).shape.data.shape;
    const kinds = HMPPS_OUTBOUND[key]!.fields.map((field) => [field, kindOf(dataShape[field] as z.ZodType)]);
    expect(kinds.filter(([, kind]) => kind === 'other')).toEqual([]);
  });

  it('refuses an event that names its person any other way than by the pseudonym alone', () => {
    const withPrisonNumber = eventOf('custody.person.released@1', samples['custody.person.released@1']!, [
      { type: 'THROUGHCARE_ID', value: PERSON },
      { type: 'NOMS', value: 'A1234BC' },
    ]);
    expect(() => toHmppsDomainEvent(withPrisonNumber, published)).toThrow(
      expect.objectContaining({ code: 'HMPPS_OUTBOUND_NOT_PSEUDONYMOUS' }),
    );
    const byNomsOnly = eventOf('custody.person.released@1', samples['custody.person.released@1']!, [
      { type: 'NOMS', value: 'A1234BC' },
    ]);
    expect(() => toHmppsDomainEvent(byNomsOnly, published)).toThrow(/names its person by NOMS/);
  });

  it('publishes no version that names a person by prison number (version 1 of a reception)', () => {
    expect(mappedKeys).not.toContain('custody.person.received@1');
    expect(mappedKeys).not.toContain('custody.person.liberated-from-court@1');
    expect(hmppsOutboundSourceTypes).toContain('custody.person.received');
  });
});

describe('decideHmppsOutbound: which messages of the platform stream are told outbound', () => {
  const bytes = (event: unknown) => new TextEncoder().encode(JSON.stringify(event));
  const release = eventOf('custody.person.released@1', samples['custody.person.released@1']!);
  const ours = () => {
    const h = natsHeaders();
    h.set(PRODUCER_HEADER, 'liberation');
    return h;
  };
  const subject = subjectFor('custody.person.released');

  it('publishes an event of a Throughcare service on hmpps.outbound.<eventType>, the event id as Nats-Msg-Id', () => {
    expect(decideHmppsOutbound(bytes(release), { subject, headers: ours() }, published)).toEqual({
      publish: {
        subject: 'hmpps.outbound.throughcare-custody.person.released',
        event: release,
        msgId: `throughcare-outbound:${release.eventId}`,
        body: toHmppsDomainEvent(release, published),
      },
    });
  });

  it('skips what another system published (no producer header), even malformed', () => {
    expect(decideHmppsOutbound(bytes(release), { subject, headers: undefined }, published)).toEqual({
      skip: expect.stringContaining('not published by a Throughcare service'),
    });
    expect(
      decideHmppsOutbound(new TextEncoder().encode('{"oops'), { subject, headers: natsHeaders() }, published),
    ).toEqual({
      skip: expect.stringContaining('no Throughcare-Producer header'),
    });
  });

  it('skips a type or version this build does not know (a newer service, mid-upgrade)', () => {
    const newer = { ...release, version: 9 };
    expect(decideHmppsOutbound(bytes(newer), { subject, headers: ours() }, published)).toEqual({
      skip: 'no schema for custody.person.released@9: not published outbound',
    });
  });

  it('skips a version with no mapping', () => {
    const v1 = eventOf('custody.person.liberated-from-court@1', {
      ...samples['custody.person.liberated-from-court@2']!,
      prisonNumber: 'A1234BC',
    });
    expect(
      decideHmppsOutbound(bytes(v1), { subject: subjectFor(v1.eventType), headers: ours() }, published),
    ).toEqual({ skip: 'custody.person.liberated-from-court@1 is not published outbound' });
  });

  it('dead-letters (a permanent error with a code) an event of ours that is invalid, misaddressed or not pseudonymous', () => {
    expect(() =>
      decideHmppsOutbound(new TextEncoder().encode('{"oops'), { subject, headers: ours() }, published),
    ).toThrow(expect.objectContaining({ code: 'MALFORMED_JSON' }));
    expect(() =>
      decideHmppsOutbound(
        bytes(release),
        { subject: subjectFor('custody.person.transferred'), headers: ours() },
        published,
      ),
    ).toThrow(expect.objectContaining({ code: 'SUBJECT_MISMATCH' }));
    const named = { ...release, personReference: { identifiers: [{ type: 'NOMS', value: 'A1234BC' }] } };
    expect(() => decideHmppsOutbound(bytes(named), { subject, headers: ours() }, published)).toThrow(
      expect.objectContaining({ code: 'HMPPS_OUTBOUND_NOT_PSEUDONYMOUS' }),
    );
  });
});
