import { randomUUID } from 'node:crypto';
import {
  caseCloseRequestedUpdate,
  EventCatalogue,
  parseEvent,
  PersonReceivedV1,
  PersonReceivedV2,
  subjectFor,
  type KnownEvent,
} from '@throughcare/contracts';
import { bridgedSubjects, commandFor, readerFactKeys, UnroutableEvent } from './event-to-command';
import { derive, fact, PERSON, receptionData, riskData } from './spec-support';

function reception(identifiers: KnownEvent['personReference']['identifiers']): KnownEvent {
  return PersonReceivedV1.parse({
    eventType: 'custody.person.received',
    version: 1,
    eventId: randomUUID(),
    occurredAt: '2026-11-23T10:00:00Z',
    correlationId: 'corr-1',
    personReference: { identifiers },
    data: receptionData,
  });
}

/** Throughcare's own reception (version 2): the data without the prison number, and `more`. */
function receptionV2(more: object = {}) {
  const { prisonNumber: _pn, ...pseudonymous } = receptionData;
  return {
    eventType: 'custody.person.received',
    version: 2,
    eventId: randomUUID(),
    occurredAt: '2026-11-23T10:00:00Z',
    correlationId: 'corr-1',
    personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: 'p0123456789abcdef0123' }] },
    data: { ...pseudonymous, ...more },
  };
}

describe('bridge: event → workflow command', () => {
  it('starts the episode journey under the pseudonymous id derived from the prison number', () => {
    const command = commandFor(reception([{ type: 'NOMS', value: 'A1234BC' }]), derive);
    expect(command).toMatchObject({
      kind: 'start',
      workflowId: `throughcare-${derive('A1234BC')}-2`,
      input: {
        personId: derive('A1234BC'),
        episode: 2,
        homeLocalAuthority: 'S12000036',
        correlationId: 'corr-1',
      },
    });
    expect(JSON.stringify(command)).not.toContain('A1234BC"'); // workflow id and input carry no prison number
  });

  it('prefers the THROUGHCARE_ID the publisher already knew', () => {
    const command = commandFor(
      reception([
        { type: 'NOMS', value: 'A1234BC' },
        { type: 'THROUGHCARE_ID', value: 'p0123456789abcdef0123' },
      ]),
      derive,
    );
    expect(command).toMatchObject({ workflowId: 'throughcare-p0123456789abcdef0123-2' });
  });

  it('starts the same journey from version 2, Throughcare’s own reception without a prison number', () => {
    const event = receptionV2();
    const v1 = commandFor(reception([{ type: 'THROUGHCARE_ID', value: 'p0123456789abcdef0123' }]), derive);
    expect(commandFor(PersonReceivedV2.parse(event), derive)).toEqual(v1);
    // Version 2 names nobody by prison number: one in its data or its person reference is invalid.
    expect(parseEvent({ ...event, data: receptionData })).toMatchObject({
      ok: false,
      code: 'INVALID_DATA',
      reason: expect.stringContaining('data.prisonNumber'),
    });
    expect(
      parseEvent({
        ...event,
        personReference: {
          identifiers: [
            { type: 'NOMS', value: 'A1234BC' },
            { type: 'THROUGHCARE_ID', value: 'p0123456789abcdef0123' },
          ],
        },
      }),
    ).toMatchObject({ ok: false, code: 'INVALID_DATA', reason: expect.stringContaining('personReference') });
  });

  it("hands the journey the person's sex when the reception has it, and never the date of birth (the liberation service keeps it)", () => {
    const withFacts = (data: object) =>
      commandFor(
        PersonReceivedV1.parse({
          eventType: 'custody.person.received',
          version: 1,
          eventId: randomUUID(),
          occurredAt: '2026-11-23T10:00:00Z',
          correlationId: 'corr-1',
          personReference: { identifiers: [{ type: 'NOMS', value: 'A1234BC' }] },
          data: { ...receptionData, ...data },
        }),
        derive,
      );
    const given = withFacts({ sex: 'FEMALE', dateOfBirth: '1991-02-28' });
    expect(given).toMatchObject({ kind: 'start', input: { sex: 'FEMALE' } });
    expect(given.kind === 'start' && given.input).not.toHaveProperty('dateOfBirth');
    const without = withFacts({});
    expect(without).toMatchObject({ kind: 'start' });
    expect(without.kind === 'start' && without.input).not.toHaveProperty('sex');
  });

  it('reads a version-2 reception published before the date of birth left the bus without it', () => {
    const event = PersonReceivedV2.parse(receptionV2({ sex: 'MALE', dateOfBirth: '1991-02-28' }));
    expect(event.data).not.toHaveProperty('dateOfBirth');
    const command = commandFor(event, derive);
    expect(command).toMatchObject({ kind: 'start', input: { sex: 'MALE' } });
    expect(command.kind === 'start' && command.input).not.toHaveProperty('dateOfBirth');
  });

  it('refuses an event it cannot route to a person', () => {
    expect(() => commandFor(reception([{ type: 'CRN', value: 'X123456' }]), derive)).toThrow(UnroutableEvent);
  });

  it('refuses a blank identifier at the envelope: a prison number of spaces names nobody', () => {
    for (const value of [' ', '\t', ' \n ']) {
      const event = {
        eventType: 'custody.person.received',
        version: 1,
        eventId: randomUUID(),
        occurredAt: '2026-11-23T10:00:00Z',
        correlationId: 'corr-1',
        personReference: { identifiers: [{ type: 'NOMS', value }] },
        data: receptionData,
      };
      expect(parseEvent(event)).toMatchObject({
        ok: false,
        code: 'INVALID_ENVELOPE',
        reason: expect.stringContaining('must not be blank'),
      });
    }
  });

  it('maps a release to the release update of that episode, keyed by event id', () => {
    const eventId = randomUUID();
    const command = commandFor(
      {
        eventType: 'custody.person.released',
        version: 1,
        eventId,
        occurredAt: '2027-06-01T08:00:00Z',
        correlationId: 'corr-2',
        personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: 'p0123456789abcdef0123' }] },
        data: {
          episode: 2,
          establishmentCode: 'BAR',
          reason: 'RELEASED',
          releasedAt: '2027-06-01T08:00:00Z',
        },
      },
      derive,
    );
    expect(command).toMatchObject({
      kind: 'update',
      name: 'releaseRecorded',
      workflowId: 'throughcare-p0123456789abcdef0123-2',
      arg: { releasedAt: '2027-06-01T08:00:00Z', establishmentCode: 'BAR', eventId },
    });
  });

  it('maps a release date change to the journey update of that episode', () => {
    const eventId = randomUUID();
    const command = commandFor(
      {
        eventType: 'custody.release-date.changed',
        version: 1,
        eventId,
        occurredAt: '2027-01-10T09:00:00Z',
        correlationId: 'corr-3',
        personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: 'p0123456789abcdef0123' }] },
        data: {
          episode: 1,
          expectedReleaseDate: '2027-02-05',
          previousExpectedReleaseDate: '2027-04-01',
          reason: 'HDC_APPROVED',
          changedAt: '2027-01-10T09:00:00Z',
        },
      },
      derive,
    );
    expect(command).toMatchObject({
      kind: 'update',
      name: 'releaseDateChanged',
      workflowId: 'throughcare-p0123456789abcdef0123-1',
      arg: { expectedReleaseDate: '2027-02-05', reason: 'HDC_APPROVED', eventId },
    });
  });

  it('maps a later assessment to the assessment update of that episode', () => {
    const eventId = randomUUID();
    const assessmentId = randomUUID();
    const command = commandFor(
      fact(
        'assessment.assessment.completed@1',
        {
          assessmentId,
          episode: 2,
          kind: 'COMPREHENSIVE_SCREEN',
          needs: ['HEALTH', 'FINANCE_AND_ID'],
          completedAt: '2027-01-10T09:00:00Z',
        },
        eventId,
      ),
      derive,
    );
    expect(command).toEqual({
      kind: 'update',
      name: 'assessmentCompleted',
      workflowId: `throughcare-${PERSON}-2`,
      update: expect.anything(),
      arg: {
        assessmentId,
        kind: 'COMPREHENSIVE_SCREEN',
        needs: ['HEALTH', 'FINANCE_AND_ID'],
        completedAt: '2027-01-10T09:00:00Z',
        eventId,
      },
    });
  });

  it('passes each pathway’s status from both completion events into the facts, and none when absent', () => {
    const pathways = [
      { pathway: 'HEALTH', status: 'SUPPORT_DECLINED' },
      { pathway: 'ACCOMMODATION', status: 'SUPPORT_REQUIRED' },
      { pathway: 'EDUCATION_SKILLS_AND_WORK', status: 'NOT_STARTED', skipped: { reason: 'TRANSFER' } },
    ];
    const assessmentId = randomUUID();
    const review = commandFor(
      fact('assessment.assessment.completed@1', {
        assessmentId,
        episode: 1,
        kind: 'STANDARD_REVIEW',
        needs: ['ACCOMMODATION'],
        completedAt: '2027-01-10T09:00:00Z',
        pathways,
      }),
      derive,
    );
    expect(review).toMatchObject({
      kind: 'update',
      name: 'assessmentCompleted',
      arg: { assessmentId, pathways },
    });
    /** The core screen's completion event, with `extra` (its pathways) added. */
    const screenCompleted = (extra: object = {}) =>
      commandFor(
        fact('assessment.core-screen.completed@1', {
          assessmentId,
          episode: 1,
          needs: ['ACCOMMODATION'],
          riskOfSeriousHarm: 'LOW',
          completedAt: '2027-01-10T09:00:00Z',
          ...extra,
        }),
        derive,
      );
    const screen = screenCompleted({ pathways });
    expect(screen).toMatchObject({
      kind: 'update',
      name: 'coreScreenCompleted',
      arg: { assessmentId, pathways },
    });
    // A typed completion (no pathways) carries no key at all: its update is as before.
    const typed = screenCompleted();
    expect(typed.kind === 'update' && Object.keys(typed.arg as object)).not.toContain('pathways');
    // A bad status is refused at the bus, never reaching a journey.
    expect(
      parseEvent({
        eventType: 'assessment.core-screen.completed',
        version: 1,
        eventId: randomUUID(),
        occurredAt: '2027-01-10T09:00:00Z',
        correlationId: 'corr-1',
        personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: PERSON }] },
        data: {
          assessmentId,
          episode: 1,
          needs: [],
          riskOfSeriousHarm: 'LOW',
          completedAt: '2027-01-10T09:00:00Z',
          pathways: [{ pathway: 'HEALTH', status: 'MAYBE' }],
        },
      }),
    ).toMatchObject({ ok: false, code: 'INVALID_DATA', reason: expect.stringContaining('pathways') });
  });

  it('maps a meeting held to the meeting update of that episode', () => {
    const eventId = randomUUID();
    const bookingId = randomUUID();
    const command = commandFor(
      fact(
        'custody.meeting.held@1',
        { bookingId, episode: 1, kind: 'PRE_RELEASE_MEETING', heldAt: '2027-01-12T14:00:00Z' },
        eventId,
      ),
      derive,
    );
    expect(command).toMatchObject({
      kind: 'update',
      name: 'meetingHeld',
      workflowId: `throughcare-${PERSON}-1`,
      arg: { bookingId, kind: 'PRE_RELEASE_MEETING', heldAt: '2027-01-12T14:00:00Z', eventId },
    });
  });

  it('maps a transfer to the transferred update, carrying only where the person went and when', () => {
    const eventId = randomUUID();
    const command = commandFor(
      fact(
        'custody.person.transferred@1',
        {
          episode: 1,
          fromEstablishmentCode: 'BAR',
          toEstablishmentCode: 'EDI',
          transferredAt: '2027-01-11T07:45:00Z',
        },
        eventId,
      ),
      derive,
    );
    expect(command).toMatchObject({
      kind: 'update',
      name: 'transferred',
      workflowId: `throughcare-${PERSON}-1`,
    });
    expect(command.kind === 'update' && command.arg).toEqual({
      toEstablishmentCode: 'EDI',
      transferredAt: '2027-01-11T07:45:00Z',
      eventId,
    });
  });

  it('maps a reversed movement to the reversal update, naming the event it undoes', () => {
    const eventId = randomUUID();
    const reversedEventId = randomUUID();
    const command = commandFor(
      fact(
        'custody.movement.reversed@1',
        { episode: 1, movement: 'RELEASE', reversedEventId, reversedAt: '2027-06-01T11:00:00Z' },
        eventId,
      ),
      derive,
    );
    expect(command).toMatchObject({
      kind: 'update',
      name: 'movementReversed',
      workflowId: `throughcare-${PERSON}-1`,
    });
    expect(command.kind === 'update' && command.arg).toEqual({
      movement: 'RELEASE',
      reversedEventId,
      reversedAt: '2027-06-01T11:00:00Z',
      eventId,
    });
  });

  it("maps an agency's referral decision to the referral outcome update", () => {
    const eventId = randomUUID();
    const referralId = randomUUID();
    const command = commandFor(
      fact(
        'referral.referral.outcome-recorded@1',
        {
          referralId,
          episode: 1,
          agencyId: 'cjsw-s12000036',
          decision: 'DECLINED',
          decidedAt: '2027-01-13T10:00:00Z',
          reason: 'outside our area',
        },
        eventId,
      ),
      derive,
    );
    expect(command).toMatchObject({
      kind: 'update',
      name: 'referralOutcome',
      workflowId: `throughcare-${PERSON}-1`,
    });
    expect(command.kind === 'update' && command.arg).toEqual({
      referralId,
      decision: 'DECLINED',
      decidedAt: '2027-01-13T10:00:00Z',
      reason: 'outside our area',
      eventId,
    });
  });

  it("maps an agency's closure of a case to the referral closed update", () => {
    const eventId = randomUUID();
    const referralId = randomUUID();
    const command = commandFor(
      fact(
        'referral.referral.closed@1',
        {
          referralId,
          episode: 2,
          agencyId: 'housing-s12000036',
          outcome: 'NOT_ACHIEVED',
          closedAt: '2027-03-01T10:00:00Z',
        },
        eventId,
      ),
      derive,
    );
    expect(command).toMatchObject({
      kind: 'update',
      name: 'referralClosed',
      workflowId: `throughcare-${PERSON}-2`,
    });
    expect(command.kind === 'update' && command.arg).toEqual({
      referralId,
      outcome: 'NOT_ACHIEVED',
      closedAt: '2027-03-01T10:00:00Z',
      eventId,
    });
  });

  it("maps attendance at an agency's own appointment to the journey, only if it is running", () => {
    const eventId = randomUUID();
    const referralId = randomUUID();
    const appointmentId = randomUUID();
    const command = commandFor(
      fact(
        'referral.referral-appointment.attendance-recorded@1',
        {
          referralId,
          appointmentId,
          episode: 2,
          agencyId: 'housing-s12000036',
          attendance: 'NO',
          attendedAt: '2027-01-20T10:00:00Z',
          reason: 'POP_UNACCEPTABLE',
        },
        eventId,
      ),
      derive,
    );
    expect(command).toMatchObject({
      kind: 'update',
      name: 'agencyAttendanceRecorded',
      workflowId: `throughcare-${PERSON}-2`,
      onlyIfRunning: true,
      handlerRequired: true,
    });
    expect(command.kind === 'update' && command.arg).toEqual({
      referralId,
      appointmentId,
      agencyId: 'housing-s12000036',
      attendance: 'NO',
      attendedAt: '2027-01-20T10:00:00Z',
      reason: 'POP_UNACCEPTABLE',
      eventId,
    });
  });

  it('maps a risk assessment to the journey of its episode, only if it is running (issue 10)', () => {
    const eventId = randomUUID();
    const rose = { version: 3, riskOfSeriousHarm: 'HIGH', mappa: { category: 1, level: 2 } };
    const data = riskData({ ...rose, rises: ['RISK_OF_SERIOUS_HARM', 'MAPPA_LEVEL'] });
    const command = commandFor(fact('assessment.risk.assessed@1', data, eventId), derive);
    expect(command).toMatchObject({
      kind: 'update',
      name: 'riskAssessed',
      workflowId: `throughcare-${PERSON}-2`,
      onlyIfRunning: true,
      handlerRequired: true,
    });
    const { episode: _e, ...carried } = data;
    expect(command.kind === 'update' && command.arg).toEqual({ ...carried, eventId });
  });

  it('maps a gate arrangement recorded to the journey of its episode, only if it is running (gate-reconfirmation-1)', () => {
    const eventId = randomUUID();
    const data = {
      episode: 2,
      version: 3,
      forLiberationDate: '2027-03-12',
      collectedBy: 'AGENCY',
      agencyId: 'housing-s12000036',
      recordedAt: '2027-02-20T10:00:00Z',
    };
    const command = commandFor(fact('custody.gate-arrangement.recorded@1', data, eventId), derive);
    expect(command).toMatchObject({
      kind: 'update',
      name: 'gateArrangementRecorded',
      workflowId: `throughcare-${PERSON}-2`,
      onlyIfRunning: true,
      handlerRequired: true,
    });
    const { episode: _e, ...carried } = data;
    expect(command.kind === 'update' && command.arg).toEqual({ ...carried, eventId });
    // A name where the code goes is refused before any journey (dead-lettered with the field).
    const parsed = parseEvent({
      ...fact('custody.gate-arrangement.recorded@1', data),
      data: { ...data, collectedBy: 'A sister' },
    });
    expect(parsed).toMatchObject({ ok: false, code: 'INVALID_DATA' });
    expect(!parsed.ok && parsed.reason).toEqual(expect.stringContaining('collectedBy'));
  });

  it('maps a release or transfer corrected in place to the journey of its episode, only if it is running (movement-correction-1)', () => {
    const eventId = randomUUID();
    const data = {
      episode: 1,
      movement: 'TRANSFER',
      correctedEventId: randomUUID(),
      version: 2,
      reason: 'WRONG_DESTINATION',
      correctedAt: '2027-02-20T10:00:00Z',
      occurredAt: '2027-02-19T09:00:00Z',
      previousOccurredAt: '2027-02-19T09:00:00Z',
      toEstablishmentCode: 'GLE',
      previousToEstablishmentCode: 'LOW',
    };
    const command = commandFor(fact('custody.movement.corrected@1', data, eventId), derive);
    expect(command).toMatchObject({
      kind: 'update',
      name: 'movementCorrected',
      workflowId: `throughcare-${PERSON}-1`,
      onlyIfRunning: true,
      handlerRequired: true,
    });
    const { episode: _e, ...carried } = data;
    expect(command.kind === 'update' && command.arg).toEqual({ ...carried, eventId });
    // A release's correction names no destination.
    const { toEstablishmentCode: _t, previousToEstablishmentCode: _p, ...release } = data;
    const releaseCommand = commandFor(
      fact('custody.movement.corrected@1', { ...release, movement: 'RELEASE', reason: 'WRONG_TIME' }),
      derive,
    );
    expect(releaseCommand.kind === 'update' && releaseCommand.arg).not.toHaveProperty('toEstablishmentCode');
  });

  it('refuses a risk assessment of the wrong shape before it reaches a journey (dead-lettered)', () => {
    const valid = fact('assessment.risk.assessed@1', riskData());
    const bad = { riskOfSeriousHarm: 'EXTREME', mappa: { category: 1, level: 4 } };
    const parsed = parseEvent({ ...valid, data: { ...valid.data, ...bad } });
    expect(parsed).toMatchObject({ ok: false, code: 'INVALID_DATA' });
    expect(!parsed.ok && parsed.reason).toEqual(expect.stringContaining('riskOfSeriousHarm'));
    expect(!parsed.ok && parsed.reason).toEqual(expect.stringContaining('mappa.level'));
  });

  it('maps a consent withdrawal to the consent update of that episode', () => {
    const eventId = randomUUID();
    const command = commandFor(
      fact('assessment.consent.withdrawn@1', { episode: 3, withdrawnAt: '2027-01-14T09:00:00Z' }, eventId),
      derive,
    );
    expect(command).toMatchObject({
      kind: 'update',
      name: 'consentWithdrawn',
      workflowId: `throughcare-${PERSON}-3`,
      arg: { withdrawnAt: '2027-01-14T09:00:00Z', eventId },
    });
  });

  it('maps an upstream close request to the close-requested update, with its reason and note', () => {
    const eventId = randomUUID();
    const command = commandFor(
      fact(
        'throughcare.case.close-requested@1',
        {
          episode: 1,
          reason: 'DEPORTED',
          requestedAt: '2027-02-01T12:00:00Z',
          note: 'removed to country of origin',
        },
        eventId,
      ),
      derive,
    );
    expect(command).toMatchObject({
      kind: 'update',
      name: 'caseCloseRequested',
      workflowId: `throughcare-${PERSON}-1`,
      arg: {
        reason: 'DEPORTED',
        requestedAt: '2027-02-01T12:00:00Z',
        note: 'removed to country of origin',
        eventId,
      },
    });
  });

  it.each([
    [
      'a reception (naming it: its receivedAt)',
      'custody.reception.reversed@1',
      { receivedAt: '2027-02-01T09:30:00Z' },
      { receivedAt: '2027-02-01T09:30:00Z' },
    ],
    ['a reception (an older event, not naming it)', 'custody.reception.reversed@1', {}, {}],
    [
      'a liberation from court (naming it: its releasedAt)',
      'custody.court-liberation.reversed@1',
      { releasedAt: '2027-02-01T11:20:00Z' },
      { receivedAt: '2027-02-01T11:20:00Z' },
    ],
  ] as const)(
    'maps %s reversed as recorded in error to an early closure (RECEIVED_IN_ERROR) at the reversal, if the journey runs, with its handler required; else a tombstone; both name the opening reversed',
    (_, key, undone, opened) => {
      const eventId = randomUUID();
      const command = commandFor(
        fact(
          key,
          {
            episode: 2,
            reversedAt: '2027-02-01T12:00:00Z',
            reason: 'RECEIVED_IN_ERROR',
            establishmentCode: 'BAR',
            ...undone,
          },
          eventId,
        ),
        derive,
      );
      expect(command).toEqual({
        kind: 'update',
        name: 'caseCloseRequested',
        update: caseCloseRequestedUpdate,
        workflowId: `throughcare-${PERSON}-2`,
        // The opening's instant: the journey refuses the reversal of another (REVERSAL_MISMATCH).
        arg: { reason: 'RECEIVED_IN_ERROR', requestedAt: '2027-02-01T12:00:00Z', eventId, ...opened },
        onlyIfRunning: true,
        // A running journey must close: a worker that refuses the reason is retried, never dropped.
        handlerRequired: true,
        // One that never started never will: a tombstone takes its id, recording what was reversed.
        tombstone: { episode: 2, reversedAt: '2027-02-01T12:00:00Z', reversalEventId: eventId, ...opened },
      });
    },
  );

  describe('liberation direct from court', () => {
    function liberation(releasedAt: string, eventId = randomUUID()) {
      return EventCatalogue['custody.person.liberated-from-court@1'].parse({
        eventType: 'custody.person.liberated-from-court',
        version: 1,
        eventId,
        occurredAt: releasedAt,
        correlationId: 'corr-court',
        personReference: { identifiers: [{ type: 'NOMS', value: 'A1234BC' }] },
        data: {
          prisonNumber: 'A1234BC',
          episode: 1,
          establishmentCode: 'BAR',
          jurisdiction: 'SCOTLAND',
          homeLocalAuthority: 'S12000036',
          legalStatus: 'REMAND',
          releasedAt,
        },
      });
    }

    it('signal-with-starts the episode journey like a reception, flagged as liberated from court', () => {
      const eventId = randomUUID();
      const command = commandFor(liberation('2027-03-02T15:20:00Z', eventId), derive);
      expect(command).toEqual({
        kind: 'start',
        workflowId: `throughcare-${derive('A1234BC')}-1`,
        input: {
          personId: derive('A1234BC'),
          episode: 1,
          jurisdiction: 'SCOTLAND',
          establishmentCode: 'BAR',
          homeLocalAuthority: 'S12000036',
          receivedAt: '2027-03-02T15:20:00Z',
          sentenceDate: '2027-03-02',
          sentenceLengthDays: 1,
          expectedReleaseDate: '2027-03-02',
          correlationId: 'corr-court',
          liberatedFromCourt: { releasedAt: '2027-03-02T15:20:00Z', legalStatus: 'REMAND', eventId },
        },
      });
      expect(JSON.stringify(command)).not.toContain('A1234BC"');
    });

    it('takes the release date in UK local time (23:30 UTC in summer is the next day in London)', () => {
      const command = commandFor(liberation('2027-07-14T23:30:00Z'), derive);
      expect(command).toMatchObject({
        kind: 'start',
        input: { expectedReleaseDate: '2027-07-15', sentenceDate: '2027-07-15' },
      });
    });
  });

  describe('return to custody', () => {
    function returned(
      returnToCustody: Record<string, unknown> | undefined,
      episode = 2,
      eventId = randomUUID(),
      more: { previousEpisode?: number } = {},
    ) {
      return PersonReceivedV1.parse({
        eventType: 'custody.person.received',
        version: 1,
        eventId,
        occurredAt: '2027-09-01T10:00:00Z',
        correlationId: 'corr-recall',
        personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: PERSON }] },
        data: {
          prisonNumber: 'A1234BC',
          episode,
          establishmentCode: 'LEI',
          jurisdiction: 'ENGLAND_AND_WALES',
          homeLocalAuthority: 'E08000035',
          reason: 'READMISSION',
          receivedAt: '2027-09-01T09:30:00Z',
          sentenceDate: '2026-11-20',
          sentenceLengthDays: 540,
          expectedReleaseDate: '2028-01-10',
          returnToCustody,
          ...more,
        },
      });
    }

    it('tells the previous episode first, then starts the new episode as for any reception', () => {
      const eventId = randomUUID();
      const command = commandFor(returned({ reason: 'RECALL', recallReasonCode: 'PD' }, 3, eventId), derive);
      expect(command).toMatchObject({
        kind: 'start',
        workflowId: `throughcare-${PERSON}-3`,
        input: { personId: PERSON, episode: 3, establishmentCode: 'LEI', correlationId: 'corr-recall' },
        previousEpisode: {
          kind: 'update',
          name: 'returnedToCustody',
          workflowId: `throughcare-${PERSON}-2`,
        },
      });
      expect(
        command.kind === 'start' && command.previousEpisode?.kind === 'update' && command.previousEpisode.arg,
      ).toEqual({
        reason: 'RECALL',
        recallReasonCode: 'PD',
        receivedAt: '2027-09-01T09:30:00Z',
        establishmentCode: 'LEI',
        expectedReleaseDate: '2028-01-10',
        sentenceDate: '2026-11-20',
        sentenceLengthDays: 540,
        newEpisode: 3,
        eventId,
      });
      // The new episode's input is a plain reception: the old journey hands its history on itself.
      expect(command.kind === 'start' && command.input).not.toHaveProperty('carried');
    });

    it('tells the episode the event names as the one it follows: after a void episode, the released one before it', () => {
      const eventId = randomUUID();
      // Released from episode 1; episode 2 received in error (void); the recall opens episode 3.
      const command = commandFor(
        returned({ reason: 'RECALL', recallReasonCode: 'L' }, 3, eventId, { previousEpisode: 1 }),
        derive,
      );
      expect(command).toMatchObject({
        kind: 'start',
        workflowId: `throughcare-${PERSON}-3`,
        input: { personId: PERSON, episode: 3 },
        previousEpisode: {
          kind: 'update',
          name: 'returnedToCustody',
          workflowId: `throughcare-${PERSON}-1`,
          arg: { reason: 'RECALL', recallReasonCode: 'L', newEpisode: 3, eventId },
        },
      });
      // Named as the one before (what the liberation service says of every return): the same as unnamed.
      const named = commandFor(
        returned({ reason: 'NEW_SENTENCE' }, 3, eventId, { previousEpisode: 2 }),
        derive,
      );
      expect(named).toEqual(commandFor(returned({ reason: 'NEW_SENTENCE' }, 3, eventId), derive));
      // Throughcare's own version 2 carries it the same way.
      const v2 = commandFor(
        PersonReceivedV2.parse(
          receptionV2({ episode: 3, returnToCustody: { reason: 'RECALL' }, previousEpisode: 1 }),
        ),
        derive,
      );
      expect(v2).toMatchObject({
        previousEpisode: { workflowId: `throughcare-${PERSON}-1`, arg: { newEpisode: 3 } },
      });
    });

    it('refuses (unroutable) a previousEpisode that is not before the episode, or given without returnToCustody', () => {
      for (const previousEpisode of [3, 4])
        expect(() =>
          commandFor(returned({ reason: 'RECALL' }, 3, randomUUID(), { previousEpisode }), derive),
        ).toThrow(
          new UnroutableEvent(
            `data.previousEpisode (${previousEpisode}) is not an episode before episode 3: no journey to tell of the return`,
          ),
        );
      expect(() => commandFor(returned(undefined, 3, randomUUID(), { previousEpisode: 1 }), derive)).toThrow(
        UnroutableEvent,
      );
    });

    it('a new sentence carries no recall reason code', () => {
      const command = commandFor(returned({ reason: 'NEW_SENTENCE' }), derive);
      expect(command).toMatchObject({
        previousEpisode: {
          workflowId: `throughcare-${PERSON}-1`,
          arg: { reason: 'NEW_SENTENCE', newEpisode: 2 },
        },
      });
      expect(
        command.kind === 'start' && command.previousEpisode?.kind === 'update' && command.previousEpisode.arg,
      ).toEqual(expect.not.objectContaining({ recallReasonCode: expect.anything() }));
    });

    it('a return to custody in episode 1 has no previous journey to tell: it only starts the episode', () => {
      const command = commandFor(returned({ reason: 'RECALL' }, 1), derive);
      expect(command).toMatchObject({
        kind: 'start',
        workflowId: `throughcare-${PERSON}-1`,
        previousEpisode: { kind: 'ignore' },
      });
    });

    it('a first reception tells no previous episode', () => {
      const command = commandFor(returned(undefined), derive);
      expect(command.kind === 'start' && command.previousEpisode).toBeUndefined();
    });
  });

  describe('facts for readers, not commands', () => {
    const samples: Record<(typeof readerFactKeys)[number], Record<string, unknown>> = {
      'referral.agency.notified@1': {
        notificationId: randomUUID(),
        episode: 1,
        agencyId: 'cjsw-s12000036',
        subject: 'LIBERATION_DATE_CHANGED',
        liberationDate: '2027-02-05',
      },
      'referral.agency.notified@2': {
        notificationId: randomUUID(),
        episode: 1,
        agencyId: 'cjsw-s12000036',
        subject: 'TRANSFERRED',
        message: 'Moved from BAR to EDI',
        establishmentCode: 'EDI',
        previousEstablishmentCode: 'BAR',
      },
      'custody.meeting.booked@1': {
        bookingId: randomUUID(),
        episode: 1,
        kind: 'CJSW_VISIT',
        establishmentCode: 'BAR',
        date: '2027-01-20',
      },
      'custody.meeting.cancelled@1': { bookingId: randomUUID(), episode: 1, reason: 'transferred' },
      'referral.appointment.cancelled@1': {
        appointmentId: randomUUID(),
        episode: 1,
        reason: 'release reversed',
      },
      'referral.referral.withdrawn@1': { referralId: randomUUID(), episode: 1, reason: 'consent withdrawn' },
      'assessment.assessment.requested@1': {
        assessmentId: randomUUID(),
        episode: 1,
        kind: 'STANDARD_REVIEW',
        dueBy: '2027-02-01T17:00:00Z',
      },
      'referral.appointment.scheduled@1': {
        appointmentId: randomUUID(),
        scheduleId: randomUUID(),
        episode: 1,
        agencyId: 'cjsw-s12000036',
        startsAt: '2027-02-03T10:00:00Z',
        durationMinutes: null,
        placeKind: 'AGENCY_OFFICE',
        change: 'FIRST',
      },
      'custody.gate-arrangement.reconfirmation-needed@1': {
        episode: 1,
        version: 2,
        forLiberationDate: '2027-03-05',
        liberationDate: '2027-03-12',
        previousLiberationDate: '2027-03-05',
        collectedBy: 'AGENCY',
        agencyId: 'housing-s12000036',
        changedAt: '2027-02-20T10:00:00Z',
      },
      'referral.referral-appointment.booked@1': {
        referralId: randomUUID(),
        appointmentId: randomUUID(),
        episode: 1,
        agencyId: 'housing-s12000036',
        startsAt: '2027-01-20T10:00:00Z',
        placeKind: 'PRISON',
      },
    };

    it.each(readerFactKeys)('%s is acknowledged and ignored, never dead-lettered', (key) => {
      expect(commandFor(fact(key, samples[key]), derive)).toEqual({
        kind: 'ignore',
        reason: `${key} is not bridged to workflows`,
      });
    });

    it('are not even consumed: the bridge subscribes to none of their subjects', () => {
      for (const key of readerFactKeys) expect(bridgedSubjects).not.toContain(subjectFor(key.split('@')[0]!));
    });
  });

  it('consumes exactly the subjects it bridges', () => {
    expect(bridgedSubjects).toEqual([
      'throughcare.events.custody.person.received',
      'throughcare.events.assessment.core-screen.completed',
      'throughcare.events.referral.referral.acknowledged',
      'throughcare.events.custody.person.released',
      'throughcare.events.referral.appointment.attendance-recorded',
      'throughcare.events.custody.release-date.changed',
      'throughcare.events.assessment.assessment.completed',
      'throughcare.events.custody.meeting.held',
      'throughcare.events.custody.person.transferred',
      'throughcare.events.custody.movement.reversed',
      'throughcare.events.referral.referral.outcome-recorded',
      'throughcare.events.referral.referral.closed',
      'throughcare.events.assessment.consent.withdrawn',
      'throughcare.events.throughcare.case.close-requested',
      'throughcare.events.custody.person.liberated-from-court',
      'throughcare.events.referral.referral-appointment.attendance-recorded',
      'throughcare.events.assessment.risk.assessed',
      'throughcare.events.custody.reception.reversed',
      'throughcare.events.custody.court-liberation.reversed',
      'throughcare.events.custody.gate-arrangement.recorded',
      'throughcare.events.custody.movement.corrected',
    ]);
  });

  it("accounts for every event type in the catalogue: bridged, a fact for readers, or the journey's own effect", () => {
    const bridgedTypes = new Set(bridgedSubjects);
    const readerTypes = new Set(readerFactKeys.map((k) => k.split('@')[0]!));
    const unaccounted = Object.keys(EventCatalogue)
      .map((k) => k.split('@')[0]!)
      .filter((t) => !bridgedTypes.has(subjectFor(t)) && !readerTypes.has(t));
    // The orchestrator's own events and the journey's effects echoed back are read elsewhere;
    // duty-to-engage facts are the referral service's to track (the journey does not wait on them yet);
    // a temporary absence (ROTL, court) is the prison's record: the journey does not pause for it yet.
    // (A risk assessment, issue 10, is bridged since the journey's `risk-assessed-1`.) A
    // presumption-lapsing notice (review stop 41, M6) is for staff, not the journey: it does not
    // change the plan (the agencies' access is the assessment service's to end).
    // A correction in place of an absence is the prison's record (the journey does not follow
    // absences); a release's or transfer's is bridged since `movement-correction-1`.
    // A reconviction is for the outcome measures (issue 11), not a journey (often closed by then).
    expect([...new Set(unaccounted)].sort()).toEqual([
      'assessment.consent.presumption-lapsing',
      'assessment.core-screen.requested',
      'custody.absence.corrected',
      'custody.absence.ended',
      'custody.absence.reversed',
      'custody.absence.started',
      'custody.gate-pickup.booked',
      'custody.gate-pickup.cancelled',
      'justice.person.reconvicted',
      'referral.appointment.booked',
      'referral.engagement.answered',
      'referral.engagement.recorded',
      'referral.engagement.requested',
      'referral.engagement.withdrawn',
      'referral.referral.sent',
      'throughcare.attention.raised',
      'throughcare.attention.resolved',
      'throughcare.case.closed',
      'throughcare.sla.breached',
      'throughcare.sla.clocks-reported',
    ]);
  });
});
