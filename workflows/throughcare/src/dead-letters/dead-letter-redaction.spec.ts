import { createHash, randomUUID } from 'node:crypto';
import { EventCatalogue } from '@throughcare/contracts';
import {
  personIdIn,
  REDACTED,
  REDACTED_DATA_FIELDS,
  redactPayload,
  SHOWN_DATA_FIELDS,
} from './dead-letter-redaction';

const PERSON = 'p0123456789abcdef0123';
const PRISON_NUMBER = 'A1234BC';

const reception = (overrides: Record<string, unknown> = {}, data: Record<string, unknown> = {}) => ({
  eventType: 'custody.person.received',
  version: 1,
  eventId: randomUUID(),
  occurredAt: '2027-01-10T09:00:00Z',
  correlationId: 'corr-1',
  description: 'Jane Doe received at Barlinnie',
  detailUrl: `https://prisons.example/prisoner/${PRISON_NUMBER}`,
  personReference: {
    identifiers: [
      { type: 'NOMS', value: PRISON_NUMBER },
      { type: 'CRN', value: 'X123456' },
      { type: 'PNC', value: '2001/0123456A' },
      { type: 'THROUGHCARE_ID', value: PERSON },
    ],
  },
  data: {
    prisonNumber: PRISON_NUMBER,
    episode: 1,
    establishmentCode: 'BAR',
    jurisdiction: 'SCOTLAND',
    homeLocalAuthority: 'S12000036',
    reason: 'ADMISSION',
    receivedAt: '2027-01-10T08:30:00Z',
    sentenceDate: '2027-01-09',
    sentenceLengthDays: 400,
    expectedReleaseDate: '2027-08-20',
    returnToCustody: { reason: 'RECALL', recallReasonCode: 'PD' },
    previousEpisode: 1,
    ...data,
  },
  ...overrides,
});

const bytesOf = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('dead-letter redaction (finding H1)', () => {
  it('keeps the envelope, the pseudonymous person id and the non-personal data; redacts the prison number, CRN, PNC and free text', () => {
    const event = reception();
    const { event: shown } = redactPayload(bytesOf(event));
    expect(shown).toEqual({
      eventType: 'custody.person.received',
      version: 1,
      eventId: event.eventId,
      occurredAt: '2027-01-10T09:00:00Z',
      correlationId: 'corr-1',
      description: REDACTED,
      detailUrl: REDACTED,
      personReference: {
        identifiers: [
          { type: 'NOMS', value: REDACTED },
          { type: 'CRN', value: REDACTED },
          { type: 'PNC', value: REDACTED },
          { type: 'THROUGHCARE_ID', value: PERSON },
        ],
      },
      data: {
        prisonNumber: REDACTED,
        episode: 1,
        establishmentCode: 'BAR',
        jurisdiction: 'SCOTLAND',
        homeLocalAuthority: 'S12000036',
        reason: 'ADMISSION',
        receivedAt: '2027-01-10T08:30:00Z',
        sentenceDate: '2027-01-09',
        sentenceLengthDays: 400,
        expectedReleaseDate: '2027-08-20',
        returnToCustody: { reason: 'RECALL', recallReasonCode: 'PD' },
        previousEpisode: 1,
      },
    });
    const text = JSON.stringify(shown);
    for (const secret of [PRISON_NUMBER, 'X123456', '2001/0123456A', 'Jane Doe'])
      expect(text).not.toContain(secret);
    expect(personIdIn(shown)).toBe(PERSON);
  });

  it('redacts fields nobody listed (names, dates of birth, notes), whatever their names, and free-text reasons', () => {
    const { event } = redactPayload(
      bytesOf(
        reception(
          { name: 'Jane Doe', extra: { nested: 'Jane' } },
          {
            forename: 'Jane',
            surname: 'Doe',
            dateOfBirth: '1990-04-01',
            notes: 'vulnerable; lives with her sister at 1 High St',
            reason: 'she asked for it',
            agencyId: PRISON_NUMBER, // a prison number in an id field is still redacted
            needs: ['HEALTH', 'DRUGS_AND_ALCOHOL'],
          },
        ),
      ),
    );
    expect(event).toMatchObject({
      name: REDACTED,
      extra: REDACTED,
      data: {
        forename: REDACTED,
        surname: REDACTED,
        dateOfBirth: REDACTED,
        notes: REDACTED,
        reason: REDACTED,
        agencyId: REDACTED,
        needs: REDACTED, // assessment results: special category data
      },
    });
    expect(JSON.stringify(event)).not.toMatch(/Jane|Doe|1990-04-01|sister|A1234BC/);
  });

  it("redacts every catalogue event's free text: notes, messages, what, people's names, cancellation reasons", () => {
    const data = {
      episode: 2,
      note: 'died in hospital',
      message: 'Jane Doe will now be released on Friday',
      what: 'book a gate pick-up for Jane',
      acknowledgedBy: 'Sam Smith',
      resolvedBy: 'Operator Olga',
      reason: 'the person moved to Spain',
      bookingId: randomUUID(),
      heldAt: '2027-01-12T10:00:00Z',
      kind: 'CJSW_VISIT',
    };
    const { event } = redactPayload(bytesOf(reception({ eventType: 'custody.meeting.cancelled' }, data)));
    expect((event as { data: Record<string, unknown> }).data).toMatchObject({
      episode: 2,
      note: REDACTED,
      message: REDACTED,
      what: REDACTED,
      acknowledgedBy: REDACTED,
      resolvedBy: REDACTED,
      reason: REDACTED,
      bookingId: data.bookingId,
      heldAt: data.heldAt,
      kind: 'CJSW_VISIT',
    });
  });

  it("keeps a presumption-lapsing notice's episode, lapse instant and agency ids (codes and instants only)", () => {
    const data = {
      episode: 2,
      presumedUntil: '2027-03-01T09:00:00.000Z',
      agencyIds: ['AG-HOUSING-GLA', 'AG-2'],
    };
    const { event } = redactPayload(
      bytesOf({
        eventType: 'assessment.consent.presumption-lapsing',
        version: 1,
        eventId: randomUUID(),
        occurredAt: '2027-02-15T09:00:00Z',
        correlationId: 'corr-1',
        personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: PERSON }] },
        data: { ...data, agencyIds: [...data.agencyIds, 'a name, not an id'] },
      }),
    );
    expect((event as { data: Record<string, unknown> }).data).toEqual({
      ...data,
      agencyIds: [...data.agencyIds, REDACTED],
    });
  });

  it('keeps who had an attention item addressed again and when, and redacts why (words)', () => {
    const { event } = redactPayload(
      bytesOf({
        eventType: 'throughcare.attention.raised',
        version: 1,
        eventId: randomUUID(),
        occurredAt: '2027-02-15T09:00:00Z',
        correlationId: 'corr-1',
        personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: PERSON }] },
        data: {
          episode: 1,
          itemId: 'att-1',
          action: 'spec',
          what: 'words',
          mustAct: 'prison:GLE',
          since: '2027-02-14T09:00:00.000Z',
          options: ['SKIP'],
          reassigned: {
            from: 'prison:EDI',
            at: '2027-02-15T09:00:00.000Z',
            because: 'transfer destination corrected: the person is at GLE, was never at EDI then',
          },
        },
      }),
    );
    expect((event as { data: Record<string, unknown> }).data).toMatchObject({
      mustAct: 'prison:GLE',
      what: REDACTED,
      reassigned: { from: 'prison:EDI', at: '2027-02-15T09:00:00.000Z', because: REDACTED },
    });
  });

  it("redacts a risk assessment's results (bands, MAPPA, what rose) and keeps its version, episode and date", () => {
    const { event } = redactPayload(
      bytesOf({
        eventType: 'assessment.risk.assessed',
        version: 1,
        eventId: randomUUID(),
        occurredAt: '2027-01-12T10:00:00Z',
        correlationId: 'corr-1',
        personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: PERSON }] },
        data: {
          episode: 1,
          version: 2,
          likelihoodOfReoffending: 'HIGH',
          riskOfSeriousHarm: 'VERY_HIGH',
          mappa: { category: 2, level: 3 },
          assessedOn: '2027-01-12',
          rises: ['RISK_OF_SERIOUS_HARM', 'MAPPA_LEVEL'],
        },
      }),
    );
    expect((event as { data: Record<string, unknown> }).data).toEqual({
      episode: 1,
      version: 2,
      likelihoodOfReoffending: REDACTED,
      riskOfSeriousHarm: REDACTED,
      mappa: REDACTED,
      assessedOn: '2027-01-12',
      rises: REDACTED,
    });
  });

  it.each([
    [
      'custody.gate-arrangement.reconfirmation-needed',
      {
        liberationDate: '2027-03-12',
        previousLiberationDate: '2027-03-05',
        changedAt: '2027-02-20T10:00:00Z',
      },
    ],
    ['custody.gate-arrangement.recorded', { recordedAt: '2027-02-20T10:00:00Z' }],
  ] as const)(
    'shows a %s with codes and dates only; a name where the collector code goes is redacted',
    (eventType, more) => {
      const data = {
        episode: 1,
        version: 2,
        forLiberationDate: '2027-03-05',
        collectedBy: 'AGENCY',
        agencyId: 'housing-s12000036',
        ...more,
      };
      const { event } = redactPayload(bytesOf(reception({ eventType, data })));
      expect((event as { data: Record<string, unknown> }).data).toEqual(data);
      expect(Object.keys(EventCatalogue[`${eventType}@1`].shape.data.shape).sort()).toEqual(
        Object.keys(data).sort(),
      );
      const named = redactPayload(
        bytesOf(reception({ eventType, data: { ...data, collectedBy: 'Jane Doe', name: 'A sister' } })),
      ).event as { data: Record<string, unknown> };
      expect(named.data).toMatchObject({ collectedBy: REDACTED, name: REDACTED });
      expect(JSON.stringify(named)).not.toMatch(/Jane|sister/);
    },
  );

  it.each([
    ['reception', 'custody.reception.reversed', { receivedAt: '2027-01-10T08:30:00Z' }],
    ['liberation from court', 'custody.court-liberation.reversed', { releasedAt: '2027-01-12T09:20:00Z' }],
  ] as const)('shows a %s reversal with what it undoes: codes and instants only', (_, eventType, undone) => {
    const data = {
      episode: 2,
      reversedAt: '2027-01-12T10:00:00Z',
      reason: 'RECEIVED_IN_ERROR',
      establishmentCode: 'BAR',
      ...undone,
    };
    const { event } = redactPayload(bytesOf(reception({ eventType, data })));
    expect((event as { data: Record<string, unknown> }).data).toEqual(data);
    // Each field is the catalogue's (a reception's receivedAt added to v1, optional).
    expect(Object.keys(EventCatalogue[`${eventType}@1`].shape.data.shape).sort()).toEqual(
      Object.keys(data).sort(),
    );
  });

  it('shows a movement correction whole: codes, ids and instants only', () => {
    const data = {
      episode: 1,
      movement: 'TRANSFER',
      correctedEventId: randomUUID(),
      version: 2,
      reason: 'WRONG_TIME_AND_DESTINATION',
      correctedAt: '2027-01-12T10:00:00Z',
      occurredAt: '2027-01-11T09:00:00Z',
      previousOccurredAt: '2027-01-11T10:00:00Z',
      toEstablishmentCode: 'LEI',
      previousToEstablishmentCode: 'GMR',
    };
    const { event } = redactPayload(bytesOf(reception({ eventType: 'custody.movement.corrected', data })));
    expect((event as { data: Record<string, unknown> }).data).toEqual(data);
    expect(Object.keys(EventCatalogue['custody.movement.corrected@1'].shape.data.shape).sort()).toEqual(
      Object.keys(data).sort(),
    );
    // A reason that is not a code is free text: redacted.
    const { event: free } = redactPayload(
      bytesOf(
        reception({ eventType: 'custody.movement.corrected', data: { ...data, reason: 'Jane was late' } }),
      ),
    );
    expect((free as { data: Record<string, unknown> }).data['reason']).toBe(REDACTED);
  });

  it('shows an absence correction whole: codes, ids and instants only', () => {
    const data = {
      episode: 1,
      absenceId: randomUUID(),
      kind: 'ROTL',
      version: 2,
      reason: 'WRONG_TIME_AND_DUE_BACK',
      correctedAt: '2027-01-12T10:00:00Z',
      leftAt: '2027-01-11T09:00:00Z',
      previousLeftAt: '2027-01-11T09:30:00Z',
      returnedAt: '2027-01-11T17:00:00Z',
      previousReturnedAt: '2027-01-11T17:10:00Z',
      dueBackAt: '2027-01-11T18:00:00Z',
      previousDueBackAt: '2027-01-11T17:00:00Z',
    };
    const { event } = redactPayload(bytesOf(reception({ eventType: 'custody.absence.corrected', data })));
    expect((event as { data: Record<string, unknown> }).data).toEqual(data);
    expect(Object.keys(EventCatalogue['custody.absence.corrected@1'].shape.data.shape).sort()).toEqual(
      Object.keys(data).sort(),
    );
  });

  it('classifies every data field of the catalogue as shown or redacted (a new field must be decided), and drops none', () => {
    const unclassified: string[] = [];
    for (const [key, schema] of Object.entries(EventCatalogue)) {
      const fields = Object.keys((schema.shape.data as unknown as { shape: Record<string, unknown> }).shape);
      for (const f of fields)
        if (!SHOWN_DATA_FIELDS.includes(f) && !REDACTED_DATA_FIELDS.includes(f))
          unclassified.push(`${key} ${f}`);
      const { event } = redactPayload(
        bytesOf(reception({ eventType: key.split('@')[0] }, Object.fromEntries(fields.map((f) => [f, 'x'])))),
      );
      expect(Object.keys((event as { data: object }).data)).toEqual(expect.arrayContaining(fields));
    }
    expect(unclassified).toEqual([]);
    expect(SHOWN_DATA_FIELDS.filter((f) => REDACTED_DATA_FIELDS.includes(f))).toEqual([]);
    // The redacted ones are redacted even with a value of a harmless shape.
    const { event } = redactPayload(
      bytesOf(reception({}, Object.fromEntries(REDACTED_DATA_FIELDS.map((f) => [f, 'BAR'])))),
    );
    for (const f of REDACTED_DATA_FIELDS)
      expect((event as { data: Record<string, unknown> }).data[f]).toBe(REDACTED);
  });

  it('shows a payload that does not parse only as its size and SHA-256', () => {
    const raw = `{"eventType": "custody.person.received", "prisonNumber": "${PRISON_NUMBER}", oops`;
    const shown = redactPayload(Buffer.from(raw));
    expect(shown).toEqual({
      event: null,
      payloadBytes: Buffer.byteLength(raw),
      payloadSha256: createHash('sha256').update(raw).digest('hex'),
    });
    expect(JSON.stringify(shown)).not.toContain(PRISON_NUMBER);
    // JSON that is not an object (a bare string), and bytes that are not UTF-8, likewise.
    expect(redactPayload(Buffer.from(JSON.stringify(PRISON_NUMBER))).event).toBeNull();
    expect(redactPayload(Buffer.from([0xff, 0xfe, 0x41])).event).toBeNull();
    expect(personIdIn(null)).toBeNull();
  });

  it('redacts a THROUGHCARE_ID that is not of the pseudonym shape (a prison number filed as one)', () => {
    const { event } = redactPayload(
      bytesOf(
        reception({ personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: PRISON_NUMBER }] } }),
      ),
    );
    expect(event?.personReference).toEqual({ identifiers: [{ type: 'THROUGHCARE_ID', value: REDACTED }] });
    expect(personIdIn(event)).toBeNull();
  });
});
