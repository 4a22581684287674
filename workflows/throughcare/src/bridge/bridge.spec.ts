import { randomUUID } from 'node:crypto';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import {
  ApplicationFailure,
  defaultFailureConverter,
  defaultPayloadConverter,
  ServerFailure,
  WorkflowIdReusePolicy,
} from '@temporalio/common';
import {
  CourtLiberationReversedV1,
  LiberatedFromCourtV1,
  PersonReceivedV1,
  RECEPTION_REVERSED_TOMBSTONE_TYPE,
  ReceptionReversedV1,
  ReferralAppointmentAttendanceRecordedV1,
  ReferralClosedV1,
  type KnownEvent,
} from '@throughcare/contracts';
import { ErrorTypes } from '@throughcare/contracts';
import { isPermanent, TransientError, type MessageContext } from '@throughcare/platform-messaging';
import { BridgeErrorCodes, bridgeHandler, staticSummaryOf } from './bridge';

const PERSON = 'p0123456789abcdef0123';
const context: MessageContext = { subject: 's', streamSequence: 1, deliveryCount: 1, headers: undefined };

function recall(episode = 2): KnownEvent {
  return PersonReceivedV1.parse({
    eventType: 'custody.person.received',
    version: 1,
    eventId: randomUUID(),
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
      returnToCustody: { reason: 'RECALL', recallReasonCode: 'Y' },
    },
  });
}

/** Temporal's answer when the journey named does not exist or has completed. */
const journeyNotRunning =
  (message = 'workflow execution already completed', workflowId = `throughcare-${PERSON}-1`) =>
  async (): Promise<never> => {
    throw new WorkflowNotFoundError(message, workflowId, undefined);
  };
/** The workflow SDK's answer to an update with no handler (a journey of an earlier version). */
const noHandlerFor = (update: string) => async (): Promise<never> => {
  throw new WorkflowUpdateFailedError(
    'Workflow Update failed',
    ApplicationFailure.nonRetryable(`No registered handler for update: ${update}`),
  );
};
/** As the journey's validator refuses a fact (facts.ts `reject`). */
const refusedWith =
  (message: string, type: string = ErrorTypes.validation) =>
  async (): Promise<never> => {
    throw new WorkflowUpdateFailedError(
      'Workflow Update failed',
      ApplicationFailure.create({ type, message, nonRetryable: true }),
    );
  };
/** An event the referral service published about PERSON's first episode. */
const referralEvent = <T>(
  schema: { parse(input: unknown): T },
  eventType: string,
  data: Record<string, unknown>,
): T =>
  schema.parse({
    eventType,
    version: 1,
    eventId: randomUUID(),
    occurredAt: '2027-06-01T10:00:00Z',
    correlationId: 'c',
    personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: PERSON }] },
    data: { referralId: randomUUID(), episode: 1, agencyId: 'housing-1', ...data },
  });

/** A Temporal client double that records the calls the bridge makes, in order. */
function fakeTemporal(
  updateOutcome: () => Promise<void>,
  startOutcome: () => Promise<void> = async () => {},
  /**
   * What runs, or ran, under a workflow id already: a workflow start there is refused. `input`: the
   * run's start input (its history's first event), encoded as the client's data converter would.
   */
  existing?: { status: string; type: string; closureReason?: string; input?: unknown; plan?: object },
) {
  const calls: string[] = [];
  const updates: { workflowId: string; name: string; updateId?: string; arg: unknown }[] = [];
  const deadlines: number[] = [];
  const starts: Array<Record<string, unknown>> = [];
  /** The input of each signal-with-start. */
  const signalled: unknown[] = [];
  const client = {
    options: {
      loadedDataConverter: {
        payloadConverter: defaultPayloadConverter,
        failureConverter: defaultFailureConverter,
        payloadCodecs: [],
      },
    },
    // A run's start input is read from its first event alone (review of stop 39, N5).
    workflowService: {
      getWorkflowExecutionHistory: async (req: {
        execution: { workflowId: string };
        maximumPageSize?: number;
      }) => {
        const { workflowId } = req.execution;
        calls.push(`history ${workflowId}`);
        if (req.maximumPageSize !== 1) throw new Error('the whole history was asked for');
        const input =
          existing?.input === undefined
            ? undefined
            : { payloads: [defaultPayloadConverter.toPayload(existing.input)] };
        return { history: { events: [{ workflowExecutionStartedEventAttributes: { input } }] } };
      },
    },
    withDeadline: (deadline: number, fn: () => Promise<unknown>) => {
      deadlines.push(deadline);
      return fn();
    },
    workflow: {
      start: async (
        type: string,
        options: { workflowId: string; args: unknown[]; workflowIdReusePolicy?: WorkflowIdReusePolicy },
      ) => {
        calls.push(`start ${type} ${options.workflowId}`);
        starts.push(options);
        // As the server: a closed run's id is reused only with ALLOW_DUPLICATE; a running one never.
        if (
          existing &&
          (existing.status === 'RUNNING' ||
            options.workflowIdReusePolicy !== WorkflowIdReusePolicy.ALLOW_DUPLICATE)
        )
          throw new WorkflowExecutionAlreadyStartedError('already started', options.workflowId, type);
      },
      getHandle: (workflowId: string) => ({
        describe: async () => {
          calls.push(`describe ${workflowId}`);
          if (!existing) throw new WorkflowNotFoundError('not found', workflowId, undefined);
          return { status: { name: existing.status }, type: existing.type, runId: 'run-1' };
        },
        result: async () => {
          calls.push(`result ${workflowId}`);
          if (existing?.status === 'FAILED')
            throw new WorkflowFailedError('failed', undefined, 'NON_RETRYABLE_FAILURE');
          return { closureReason: existing?.closureReason, ...existing?.plan };
        },
        executeUpdate: async (def: { name: string }, options: { args: unknown[]; updateId?: string }) => {
          calls.push(`update ${def.name} → ${workflowId}`);
          updates.push({ workflowId, name: def.name, updateId: options.updateId, arg: options.args[0] });
          await updateOutcome();
        },
      }),
      signalWithStart: async (_type: string, options: { workflowId: string; args: unknown[] }) => {
        calls.push(`signalWithStart ${options.workflowId}`);
        signalled.push(options.args[0]);
        await startOutcome();
      },
    },
  } as unknown as Client;
  const logs: string[] = [];
  const logger = {
    log: (m: string) => logs.push(m),
    warn: (m: string) => logs.push(`WARN ${m}`),
    error: (m: string) => logs.push(`ERROR ${m}`),
  };
  const handle = bridgeHandler(client, (noms) => `p${noms.toLowerCase().padEnd(20, '0')}`, logger, {
    temporalDeadlineMs: 2500,
    notYetKnownHorizonMs: 60_000,
  });
  return { calls, updates, logs, handle, deadlines, starts, signalled };
}

/** The handler's failure for an event it dead-letters (asserted permanent). */
async function deadLetterOf(handled: Promise<void>): Promise<unknown> {
  const failure = await handled.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isPermanent(failure)).toBe(true);
  return failure;
}

describe('bridge handler: a return to custody', () => {
  it('updates the previous episode (updateId = eventId) before it starts the new one', async () => {
    const t = fakeTemporal(async () => {});
    const event = recall(2);
    await t.handle(event, context);
    expect(t.calls).toEqual([
      `update returnedToCustody → throughcare-${PERSON}-1`,
      `signalWithStart throughcare-${PERSON}-2`,
    ]);
    expect(t.updates[0]).toMatchObject({ updateId: event.eventId, arg: { newEpisode: 2, reason: 'RECALL' } });
    // The new episode's journey knows which journey took the return (review of stop 39, S1).
    expect(t.signalled).toEqual([expect.objectContaining({ episode: 2, returnOf: 1 })]);
  });

  it('logs and carries on when the previous journey does not exist or has closed', async () => {
    const t = fakeTemporal(journeyNotRunning());
    await expect(t.handle(recall(2), context)).resolves.toBeUndefined();
    expect(t.calls).toEqual([
      `update returnedToCustody → throughcare-${PERSON}-1`,
      `describe throughcare-${PERSON}-1`,
      `signalWithStart throughcare-${PERSON}-2`,
    ]);
    expect(
      t.logs.some((l) => l.startsWith('WARN') && l.includes(`no running journey throughcare-${PERSON}-1`)),
    ).toBe(true);
    // No journey took the return: none is named (a reversal of it then starts none again).
    expect(t.signalled).toHaveLength(1);
    expect(t.signalled[0]).not.toHaveProperty('returnOf');
  });

  it('a closed previous journey that is not void (closed otherwise) is skipped as before', async () => {
    const t = fakeTemporal(journeyNotRunning(), undefined, {
      status: 'COMPLETED',
      type: 'throughcare',
      closureReason: 'FOLLOW_UP_COMPLETE',
    });
    await expect(t.handle(recall(2), context)).resolves.toBeUndefined();
    expect(t.calls.at(-1)).toBe(`signalWithStart throughcare-${PERSON}-2`);
  });

  it.each([
    ['a tombstone holds its id', { status: 'COMPLETED', type: RECEPTION_REVERSED_TOMBSTONE_TYPE }],
    [
      'it closed RECEIVED_IN_ERROR',
      { status: 'COMPLETED', type: 'throughcare', closureReason: 'RECEIVED_IN_ERROR' },
    ],
  ])(
    'dead-letters a return whose previous episode was received in error (%s), and starts nothing (review stop 38, M1)',
    async (_, existing) => {
      const t = fakeTemporal(journeyNotRunning(), undefined, existing);
      const error = await t.handle(recall(2), context).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isPermanent(error)).toBe(true);
      expect(error).toMatchObject({ code: BridgeErrorCodes.previousEpisodeVoid });
      expect(t.calls.some((c) => c.startsWith('signalWithStart'))).toBe(false);
    },
  );

  it('a return that names the episode before it is not stopped by a tombstone there (final review of stop 38, S1)', async () => {
    // A tombstone an upstream reversal (refused by liberation) put after episode 1's closed journey.
    const t = fakeTemporal(journeyNotRunning(), undefined, {
      status: 'COMPLETED',
      type: RECEPTION_REVERSED_TOMBSTONE_TYPE,
    });
    const e = recall(2);
    await expect(
      t.handle({ ...e, data: { ...e.data, previousEpisode: 1 } } as KnownEvent, context),
    ).resolves.toBeUndefined();
    expect(t.calls).toEqual([
      `update returnedToCustody → throughcare-${PERSON}-1`,
      `signalWithStart throughcare-${PERSON}-2`,
    ]);
  });

  describe('a previousEpisode below the episode before (a return after a void episode; review stop 38, S1)', () => {
    const afterVoid = (): KnownEvent => {
      const e = recall(3);
      return { ...e, data: { ...e.data, previousEpisode: 1 } } as KnownEvent;
    };

    it.each([
      ['a tombstone holds its id', { status: 'COMPLETED', type: RECEPTION_REVERSED_TOMBSTONE_TYPE }],
      [
        'it closed RECEIVED_IN_ERROR (its plan, read from history)',
        { status: 'COMPLETED', type: 'throughcare', closureReason: 'RECEIVED_IN_ERROR' },
      ],
    ])('is followed, whoever published it, when the journey between is void: %s', async (_, existing) => {
      const t = fakeTemporal(async () => {}, undefined, existing);
      await t.handle(afterVoid(), context);
      expect(t.calls.filter((c) => !c.startsWith('describe') && !c.startsWith('result'))).toEqual([
        `update returnedToCustody → throughcare-${PERSON}-1`,
        `signalWithStart throughcare-${PERSON}-3`,
      ]);
      expect(t.calls[0]).toBe(`describe throughcare-${PERSON}-2`);
    });

    it.each([
      ['never started (or past retention)', undefined],
      ['closed otherwise', { status: 'COMPLETED', type: 'throughcare', closureReason: 'FOLLOW_UP_COMPLETE' }],
      ['failed (its result unreadable)', { status: 'FAILED', type: 'throughcare' }],
    ])('is dead-lettered before anyone is told when the journey between is %s', async (_, existing) => {
      const t = fakeTemporal(async () => {}, undefined, existing);
      const error = await t.handle(afterVoid(), context).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isPermanent(error)).toBe(true);
      expect(error).toMatchObject({ code: BridgeErrorCodes.previousEpisodeUnverified });
      expect(t.calls.some((c) => c.startsWith('update') || c.startsWith('signalWithStart'))).toBe(false);
    });

    it('is retried (transient) while the journey between still runs (it may be closing)', async () => {
      const t = fakeTemporal(async () => {}, undefined, { status: 'RUNNING', type: 'throughcare' });
      const error = await t.handle(afterVoid(), context).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TransientError);
      expect(t.calls.some((c) => c.startsWith('update') || c.startsWith('signalWithStart'))).toBe(false);
    });

    it('the episode before, named, needs no check', async () => {
      const t = fakeTemporal(async () => {});
      const e = recall(2);
      await t.handle({ ...e, data: { ...e.data, previousEpisode: 1 } } as KnownEvent, context);
      expect(t.calls).toEqual([
        `update returnedToCustody → throughcare-${PERSON}-1`,
        `signalWithStart throughcare-${PERSON}-2`,
      ]);
    });
  });

  it('dead-letters with the reason when the previous journey rejects it, and starts nothing', async () => {
    const t = fakeTemporal(refusedWith('episode 1 has not been released'));
    const error = await t.handle(recall(2), context).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isPermanent(error)).toBe(true);
    expect(error).toMatchObject({
      code: BridgeErrorCodes.rejected,
      message: `throughcare-${PERSON}-1 rejected returnedToCustody: episode 1 has not been released`,
    });
    expect(t.calls).toEqual([`update returnedToCustody → throughcare-${PERSON}-1`]);
  });

  it('dead-letters RETURN_REVERSED a late copy of a reversed return, refused by the journey started again after it, and starts nothing', async () => {
    const why = 'the return to custody into episode 2 was reversed as recorded in error';
    const t = fakeTemporal(refusedWith(why, ErrorTypes.returnReversed));
    const error = await t.handle(recall(2), context).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isPermanent(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'RETURN_REVERSED',
      message: `throughcare-${PERSON}-1 refused returnedToCustody: ${why}`,
    });
    expect(t.calls).toEqual([`update returnedToCustody → throughcare-${PERSON}-1`]);
  });

  it('leaves a transient failure to be retried (not dead-lettered), before starting anything', async () => {
    const t = fakeTemporal(async () => {
      throw new Error('14 UNAVAILABLE: connection refused');
    });
    const error = await t.handle(recall(2), context).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isPermanent(error)).toBe(false);
    expect(t.calls).toHaveLength(1);
  });

  it('a redelivery after the new episode already closed is acknowledged as a duplicate', async () => {
    const t = fakeTemporal(
      journeyNotRunning(),
      async () => {
        throw new WorkflowExecutionAlreadyStartedError('already started', `throughcare-${PERSON}-2`, 'x');
      },
      { status: 'COMPLETED', type: 'throughcareJourney', closureReason: 'RECALLED' },
    );
    await expect(t.handle(recall(2), context)).resolves.toBeUndefined();
    expect(t.logs.at(-1)).toContain(
      `journey throughcare-${PERSON}-2 already closed; duplicate reception ignored`,
    );
  });
});

describe('bridge handler: facts', () => {
  const consent = (): KnownEvent => ({
    eventType: 'assessment.consent.withdrawn',
    version: 1,
    eventId: randomUUID(),
    occurredAt: '2027-01-14T09:00:00Z',
    correlationId: 'c',
    personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: PERSON }] },
    data: { episode: 1, withdrawnAt: '2027-01-14T09:00:00Z' },
  });

  it('dead-letters a fact for a journey that does not exist', async () => {
    const t = fakeTemporal(journeyNotRunning('not found'));
    await expect(t.handle(consent(), context)).rejects.toMatchObject({ code: BridgeErrorCodes.noJourney });
  });

  it('dead-letters at once (permanent) a fact the journey rejects as VALIDATION_FAILED', async () => {
    const t = fakeTemporal(refusedWith('case is closed (CONSENT_WITHDRAWN)'));
    const error = await t.handle(consent(), context).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isPermanent(error)).toBe(true);
    expect(error).toMatchObject({ code: BridgeErrorCodes.rejected });
  });

  it('holds (transient, with its own horizon) a fact the journey refuses as NOT_YET_KNOWN', async () => {
    const t = fakeTemporal(async () => {
      throw new WorkflowUpdateFailedError(
        'Workflow Update failed',
        ApplicationFailure.create({
          type: ErrorTypes.notYetKnown,
          message: 'booking b-1 is not known to this episode (yet)',
          nonRetryable: true,
        }),
      );
    });
    const error = await t.handle(consent(), context).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isPermanent(error)).toBe(false);
    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({
      code: BridgeErrorCodes.notYetKnown,
      retryHorizonMs: 60_000,
      message: `throughcare-${PERSON}-1 does not know yet what consentWithdrawn refers to: booking b-1 is not known to this episode (yet)`,
    });
  });

  // Crash soak (test/chaos), 2,000 journeys: while the dev server's store was slow after a kill, a
  // workflow task completed without the update it carried, the server failed the update, and the
  // bridge dead-lettered the comprehensive screen's completion: the journey never heard of it.
  it('retries (transient) an update the server failed because no worker processed it', async () => {
    const t = fakeTemporal(async () => {
      throw new WorkflowUpdateFailedError(
        'Workflow Update failed',
        new ServerFailure(
          "Workflow Update is rejected because it wasn't processed by worker. Probably, Workflow Update is not supported by the worker.",
          true,
        ),
      );
    });
    const error = await t.handle(consent(), context).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isPermanent(error)).toBe(false);
    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({ code: BridgeErrorCodes.notProcessed, retryHorizonMs: undefined });
  });

  // The second 2,000-journey soak: the server's actual answer is an ApplicationFailure of type
  // UnprocessedUpdate (source "Server"), decoded here from the failure the server sends, through
  // the client's default failure converter, as the client does.
  it('retries (transient) the server’s UnprocessedUpdate failure as it arrives on the wire', async () => {
    const cause = defaultFailureConverter.failureToError(
      {
        message:
          "Workflow Update is rejected because it wasn't processed by worker. Probably, Workflow Update is not supported by the worker.",
        source: 'Server',
        applicationFailureInfo: { type: 'UnprocessedUpdate', nonRetryable: true },
      },
      defaultPayloadConverter,
    );
    expect(cause).toBeInstanceOf(ApplicationFailure);
    const t = fakeTemporal(async () => {
      throw new WorkflowUpdateFailedError('Workflow Update failed', cause);
    });
    const error = await t.handle(consent(), context).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isPermanent(error)).toBe(false);
    expect(error).toMatchObject({
      code: BridgeErrorCodes.notProcessed,
      retryHorizonMs: undefined,
      message: expect.stringContaining('(the server failed the update)'),
    });
  });

  it('dead-letters at once only the journey’s own refusals; an unknown failure type is retried', async () => {
    const failing = (type: string) =>
      fakeTemporal(async () => {
        throw new WorkflowUpdateFailedError(
          'Workflow Update failed',
          ApplicationFailure.create({ type, message: `refused (${type})`, nonRetryable: true }),
        );
      });
    for (const type of [ErrorTypes.validation, ErrorTypes.notFound, ErrorTypes.conflict]) {
      const error = await failing(type)
        .handle(consent(), context)
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect([type, isPermanent(error), (error as { code?: string }).code]).toEqual([
        type,
        true,
        BridgeErrorCodes.rejected,
      ]);
    }
    const unknown = await failing('SomethingNew')
      .handle(consent(), context)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isPermanent(unknown)).toBe(false);
    expect(unknown).toMatchObject({
      code: BridgeErrorCodes.notProcessed,
      message: expect.stringContaining('(unclassified failure SomethingNew)'),
    });
  });

  it("acknowledges an agency's closure when no journey is running or the journey predates the update (it only shows it); a refusal still dead-letters", async () => {
    const closed = () =>
      referralEvent(ReferralClosedV1, 'referral.referral.closed', {
        outcome: 'ACHIEVED',
        closedAt: '2027-06-01T10:00:00Z',
      });
    const ended = fakeTemporal(journeyNotRunning());
    await expect(ended.handle(closed(), context)).resolves.toBeUndefined();
    expect(ended.logs).toEqual([expect.stringContaining(`no running journey throughcare-${PERSON}-1`)]);
    const earlier = fakeTemporal(noHandlerFor('referralClosed'));
    await expect(earlier.handle(closed(), context)).resolves.toBeUndefined();
    expect(earlier.logs).toEqual([expect.stringContaining('has no handler for it')]);
    // Any other fact without a journey, or without a handler, is not dropped.
    const unhandled = fakeTemporal(noHandlerFor('consentWithdrawn'));
    await expect(unhandled.handle(consent(), context)).rejects.toMatchObject({
      code: BridgeErrorCodes.notProcessed,
    });
    const refused = fakeTemporal(refusedWith('not this episode'));
    await expect(refused.handle(closed(), context)).rejects.toMatchObject({
      code: BridgeErrorCodes.rejected,
    });
  });

  it("acknowledges an agency's attendance when no journey is running, but retries (then dead-letters) it when the journey has no handler yet: its clocks depend on it", async () => {
    const attended = () =>
      referralEvent(
        ReferralAppointmentAttendanceRecordedV1,
        'referral.referral-appointment.attendance-recorded',
        {
          appointmentId: randomUUID(),
          attendance: 'YES',
          attendedAt: '2027-06-01T10:00:00Z',
        },
      );
    const ended = fakeTemporal(journeyNotRunning());
    await expect(ended.handle(attended(), context)).resolves.toBeUndefined();
    expect(ended.logs).toEqual([expect.stringContaining(`no running journey throughcare-${PERSON}-1`)]);
    const olderWorker = fakeTemporal(noHandlerFor('agencyAttendanceRecorded'));
    const failure = await olderWorker.handle(attended(), context).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isPermanent(failure)).toBe(false);
    expect(failure).toMatchObject({ code: BridgeErrorCodes.notProcessed });
  });

  /** A reversal of what opened episode 2 (its reception, or its liberation from court), as liberation publishes it. */
  const reversalOf =
    (eventType: 'custody.reception.reversed' | 'custody.court-liberation.reversed') => (): KnownEvent =>
      (eventType === 'custody.reception.reversed' ? ReceptionReversedV1 : CourtLiberationReversedV1).parse({
        eventType,
        version: 1,
        eventId: randomUUID(),
        occurredAt: '2027-02-01T16:00:00Z',
        correlationId: 'c',
        personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: PERSON }] },
        data: {
          episode: 2,
          reversedAt: '2027-02-01T16:00:00Z',
          reason: 'RECEIVED_IN_ERROR',
          establishmentCode: 'BAR',
          ...(eventType === 'custody.court-liberation.reversed'
            ? { releasedAt: '2027-02-01T15:20:00Z' }
            : { receivedAt: '2027-02-01T09:30:00Z' }),
        },
      });
  const id = `throughcare-${PERSON}-2`;

  describe.each([
    ['a reception', 'custody.reception.reversed', 'reception', '2027-02-01T09:30:00Z'],
    [
      'a liberation from court',
      'custody.court-liberation.reversed',
      'liberation from court',
      '2027-02-01T15:20:00Z',
    ],
  ] as const)(
    '%s reversed (recorded in error): the journey closes, or never starts',
    (_, eventType, opening, openedAt) => {
      const reversal = reversalOf(eventType);

      it('closes a running journey at the reversal (no tombstone), naming the opening it reverses', async () => {
        const t = fakeTemporal(async () => {});
        await t.handle(reversal(), context);
        expect(t.calls).toEqual([`update caseCloseRequested → ${id}`]);
        expect(t.updates[0]?.arg).toMatchObject({
          reason: 'RECEIVED_IN_ERROR',
          requestedAt: '2027-02-01T16:00:00Z',
          receivedAt: openedAt,
        });
      });

      it('dead-letters at once (REVERSAL_MISMATCH) a reversal the journey refuses as naming another opening; no tombstone', async () => {
        const reason = `the reversal names the reception or liberation at ${openedAt}, but episode 2 was opened by its reception at 2027-01-30T09:00:00Z: it reverses another opening under this episode number (an upstream numbering mismatch), so this journey is not closed`;
        const t = fakeTemporal(async () => {
          throw new WorkflowUpdateFailedError(
            'Workflow Update failed',
            ApplicationFailure.create({
              type: ErrorTypes.reversalMismatch,
              message: reason,
              nonRetryable: true,
            }),
          );
        });
        const failure = await t.handle(reversal(), context).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isPermanent(failure)).toBe(true);
        expect(failure).toMatchObject({
          code: 'REVERSAL_MISMATCH',
          message: `${id} refused caseCloseRequested: ${reason}`,
        });
        expect(t.calls).toEqual([`update caseCloseRequested → ${id}`]);
      });

      it('places a completed tombstone (REJECT_DUPLICATE) under the id of a journey that never started, saying what was reversed', async () => {
        const t = fakeTemporal(journeyNotRunning('not found', id));
        const event = reversal();
        await t.handle(event, context);
        expect(t.calls).toEqual([
          `update caseCloseRequested → ${id}`,
          `start receptionReversedTombstone ${id}`,
        ]);
        expect(t.starts[0]).toMatchObject({
          taskQueue: 'throughcare',
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          args: [
            {
              episode: 2,
              reversedAt: '2027-02-01T16:00:00Z',
              reversalEventId: event.eventId,
              receivedAt: openedAt,
            },
          ],
          staticSummary: `Throughcare episode 2 · ${opening} reversed (recorded in error) before its journey started: no journey`,
        });
        expect(t.logs).toEqual([
          expect.stringMatching(
            `tombstone receptionReversedTombstone placed under its id, so the episode's ${opening}, if it comes later, starts none`,
          ),
        ]);
      });

      it('after a journey that closed already, places a tombstone run (ALLOW_DUPLICATE) so the episode reads as void (review stop 38 of h-cl, S1)', async () => {
        const t = fakeTemporal(journeyNotRunning('completed', id), async () => {}, {
          status: 'COMPLETED',
          type: 'throughcareJourney',
        });
        await expect(t.handle(reversal(), context)).resolves.toBeUndefined();
        expect(t.calls).toEqual([
          `update caseCloseRequested → ${id}`,
          `start receptionReversedTombstone ${id}`,
          `describe ${id}`,
          // Not closed RECEIVED_IN_ERROR (its plan says so): not void yet.
          `result ${id}`,
          // What opened it (here no input to read: not checked).
          `history ${id}`,
          `start receptionReversedTombstone ${id}`,
        ]);
        expect(t.starts.at(-1)).toMatchObject({
          workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        });
        expect(t.logs).toEqual([expect.stringContaining('had closed (COMPLETED)')]);
      });

      it('places no tombstone over a journey that completed closing RECEIVED_IN_ERROR (a redelivered reversal): its plan stays readable', async () => {
        const t = fakeTemporal(journeyNotRunning('completed', id), async () => {}, {
          status: 'COMPLETED',
          type: 'throughcareJourney',
          closureReason: 'RECEIVED_IN_ERROR',
        });
        await expect(t.handle(reversal(), context)).resolves.toBeUndefined();
        expect(t.calls).toEqual([
          `update caseCloseRequested → ${id}`,
          `start receptionReversedTombstone ${id}`,
          `describe ${id}`,
          `result ${id}`,
        ]);
        expect(t.starts).toHaveLength(1);
        expect(t.starts[0]).toMatchObject({ workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE });
        expect(t.logs).toEqual([
          expect.stringContaining(
            `caseCloseRequested not applied: ${id} completed closing RECEIVED_IN_ERROR already; the episode reads as void, so no tombstone is placed over its plan`,
          ),
        ]);
      });

      /** A closed journey's start input, opened at `at` as this kind of opening opens one. */
      const openedBy = (at: string) =>
        opening === 'reception'
          ? { episode: 2, receivedAt: at }
          : {
              episode: 2,
              receivedAt: at,
              liberatedFromCourt: { releasedAt: at, legalStatus: 'REMAND', eventId: 'l' },
            };

      it('after a closed journey opened at the instant the reversal names, places the tombstone run (its input read)', async () => {
        const t = fakeTemporal(journeyNotRunning('completed', id), async () => {}, {
          status: 'COMPLETED',
          type: 'throughcareJourney',
          closureReason: 'FOLLOW_UP_COMPLETE',
          input: openedBy(openedAt.replace('Z', '.000Z')),
        });
        await expect(t.handle(reversal(), context)).resolves.toBeUndefined();
        expect(t.calls).toEqual([
          `update caseCloseRequested → ${id}`,
          `start receptionReversedTombstone ${id}`,
          `describe ${id}`,
          `result ${id}`,
          `history ${id}`,
          `start receptionReversedTombstone ${id}`,
        ]);
        expect(t.starts.at(-1)).toMatchObject({
          workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        });
      });

      it('dead-letters (REVERSAL_MISMATCH) a reversal naming another opening than the closed journey was opened by: no tombstone, the episode not voided', async () => {
        const t = fakeTemporal(journeyNotRunning('completed', id), async () => {}, {
          status: 'COMPLETED',
          type: 'throughcareJourney',
          closureReason: 'FOLLOW_UP_COMPLETE',
          input: openedBy('2027-01-20T08:00:00Z'),
        });
        const failure = await t.handle(reversal(), context).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isPermanent(failure)).toBe(true);
        expect(failure).toMatchObject({
          code: 'REVERSAL_MISMATCH',
          message: `${id} had closed (COMPLETED); the reversal names the reception or liberation at ${openedAt}, but episode 2 was opened by its ${opening} at 2027-01-20T08:00:00Z: it reverses another opening under this episode number (an upstream numbering mismatch), so no tombstone is placed and the episode is not voided`,
        });
        expect(t.starts).toHaveLength(1);
      });

      it.each([
        ['its history handed over (the plan)', { plan: { carried: { fromEpisode: 1 } } }],
        ['naming the journey that took it (returnOf)', { input: { episode: 2, returnOf: 1 } }],
      ])(
        'a return to custody that closed otherwise before its reversal (%s): the tombstone run placed, then dead-lettered EPISODE_NOT_RESUMED for an operator (review of stop 39, M1)',
        async (_, held) => {
          const t = fakeTemporal(journeyNotRunning('completed', id), async () => {}, {
            status: 'COMPLETED',
            type: 'throughcareJourney',
            closureReason: 'CONSENT_WITHDRAWN',
            ...held,
          });
          expect(await deadLetterOf(t.handle(reversal(), context))).toMatchObject({
            code: 'EPISODE_NOT_RESUMED',
            message: expect.stringContaining(
              `its journey ${id} had closed (CONSENT_WITHDRAWN) before: the episode is void (a tombstone), and the journey of episode 1, closed by that return, is not started again on its own`,
            ),
          });
          // The tombstone records it, so that a later delivery letters it again.
          expect(t.starts.at(-1)).toMatchObject({
            workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
            args: [
              expect.objectContaining({ episodeNotResumed: { episode: 1, closure: 'CONSENT_WITHDRAWN' } }),
            ],
          });
          expect(t.starts).toHaveLength(2);
        },
      );

      it('still places the tombstone run after a journey that failed (no plan to read, not void)', async () => {
        const t = fakeTemporal(journeyNotRunning('completed', id), async () => {}, {
          status: 'FAILED',
          type: 'throughcareJourney',
        });
        await expect(t.handle(reversal(), context)).resolves.toBeUndefined();
        expect(t.starts.at(-1)).toMatchObject({
          workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        });
        expect(t.logs).toEqual([expect.stringContaining('had closed (FAILED)')]);
      });

      it('leaves a tombstone placed already as it is (a redelivery)', async () => {
        for (const [existing, says] of [
          [{ status: 'COMPLETED', type: 'receptionReversedTombstone' }, 'is a tombstone already'],
          [{ status: 'RUNNING', type: 'receptionReversedTombstone' }, 'is a tombstone already'],
        ] as const) {
          const t = fakeTemporal(journeyNotRunning('completed', id), async () => {}, existing);
          await expect(t.handle(reversal(), context)).resolves.toBeUndefined();
          expect(t.calls).toEqual([
            `update caseCloseRequested → ${id}`,
            `start receptionReversedTombstone ${id}`,
            `describe ${id}`,
            // Its input: whether it records a journey before not started again (none here).
            `history ${id}`,
          ]);
          expect(t.logs).toEqual([expect.stringContaining(says)]);
        }
      });

      it('letters EPISODE_NOT_RESUMED again on any delivery that finds a tombstone recording it (review of stop 40, S1)', async () => {
        const t = fakeTemporal(journeyNotRunning('completed', id), async () => {}, {
          status: 'COMPLETED',
          type: 'receptionReversedTombstone',
          input: {
            episode: 2,
            reversedAt: '2027-02-01T16:00:00Z',
            reversalEventId: 'r',
            episodeNotResumed: { episode: 1, closure: 'CONSENT_WITHDRAWN' },
          },
        });
        expect(await deadLetterOf(t.handle(reversal(), context))).toMatchObject({
          code: 'EPISODE_NOT_RESUMED',
          message: expect.stringContaining(
            'the journey of episode 1, closed by that return, is not started again',
          ),
        });
        expect(t.starts).toHaveLength(1);
      });

      it('retries (transient) when the journey started since the update found none: the retry closes it', async () => {
        const t = fakeTemporal(journeyNotRunning('not found', id), async () => {}, {
          status: 'RUNNING',
          type: 'throughcareJourney',
        });
        const failure = await t.handle(reversal(), context).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isPermanent(failure)).toBe(false);
        expect(failure).toMatchObject({ code: BridgeErrorCodes.notProcessed });
      });
    },
  );

  describe('what opened the episode, coming after its reversal, is refused by the tombstone: the reversed one is a duplicate, another is dead-lettered', () => {
    const RECEIVED = '2027-09-01T09:30:00Z';
    const RELEASED = '2027-02-01T15:20:00Z';
    const reception = (): KnownEvent => {
      const { returnToCustody: _r, ...received } = recall(2).data as Record<string, unknown>;
      return PersonReceivedV1.parse({ ...recall(2), data: received });
    };
    const liberation = (): KnownEvent =>
      LiberatedFromCourtV1.parse({
        eventType: 'custody.person.liberated-from-court',
        version: 1,
        eventId: randomUUID(),
        occurredAt: RELEASED,
        correlationId: 'c',
        personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: PERSON }] },
        data: {
          prisonNumber: 'A1234BC',
          episode: 2,
          establishmentCode: 'BAR',
          jurisdiction: 'SCOTLAND',
          homeLocalAuthority: 'S12000036',
          legalStatus: 'REMAND',
          releasedAt: RELEASED,
        },
      });
    /** The episode's id is held by `held` (its start refused as a duplicate). */
    const refusedBy = (held: { status: string; type: string; input?: unknown }) =>
      fakeTemporal(
        journeyNotRunning(),
        async () => {
          throw new WorkflowExecutionAlreadyStartedError('already started', id, held.type);
        },
        held,
      );
    const tombstone = (receivedAt?: string) => ({
      status: 'COMPLETED',
      type: RECEPTION_REVERSED_TOMBSTONE_TYPE,
      input: {
        episode: 2,
        reversedAt: '2027-09-02T10:00:00Z',
        reversalEventId: 'reversal-1',
        ...(receivedAt !== undefined && { receivedAt }),
      },
    });

    describe.each([
      ['a reception', reception, 'reception', RECEIVED, '2027-09-01T09:30:00.000Z'],
      ['a liberation from court', liberation, 'liberation from court', RELEASED, '2027-02-01T15:20:00.000Z'],
    ] as const)('%s', (_, opening, what, at, sameInstantOtherwiseWritten) => {
      it('at the instant the tombstone records: a duplicate of the reversed one, ignored with a log line saying so', async () => {
        for (const recorded of [at, sameInstantOtherwiseWritten]) {
          const t = refusedBy(tombstone(recorded));
          await expect(t.handle(opening(), context)).resolves.toBeUndefined();
          // Asked only once the start failed: describe, then the tombstone's first event.
          expect(t.calls).toEqual([`signalWithStart ${id}`, `describe ${id}`, `history ${id}`]);
          expect(t.logs).toEqual([
            expect.stringContaining(
              `${id} is a tombstone: this ${what} at ${at} is the one reversed as recorded in error; duplicate of the reversed ${what} ignored, no journey started`,
            ),
          ]);
        }
      });

      it('at another instant: dead-lettered at once (RECEPTION_TOMBSTONED), the episode number was voided for another opening', async () => {
        const t = refusedBy(tombstone('2027-01-15T08:00:00Z'));
        const failure = await t.handle(opening(), context).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isPermanent(failure)).toBe(true);
        expect(failure).toMatchObject({
          code: 'RECEPTION_TOMBSTONED',
          message: `this ${what} at ${at} names episode 2, but that episode number was voided for another reception or liberation (the one at 2027-01-15T08:00:00Z, reversed as recorded in error at 2027-09-02T10:00:00Z; a tombstone holds ${id}): an upstream numbering mismatch. No journey started; have the publisher number this ${what} past the voided episode and publish it again`,
        });
      });

      it('a tombstone placed before tombstones recorded the instant: ignored as before, with a log line saying it cannot tell', async () => {
        const t = refusedBy(tombstone(undefined));
        await expect(t.handle(opening(), context)).resolves.toBeUndefined();
        expect(t.logs).toEqual([
          expect.stringContaining(
            `${id} is a tombstone placed before tombstones recorded the opening they void: this ${what} (at ${at}) cannot be told from the reversed one, and is ignored as its duplicate; no journey started`,
          ),
        ]);
      });

      it('a journey that closed (not a tombstone): a late duplicate, ignored as before, its history not read', async () => {
        const t = refusedBy({ status: 'COMPLETED', type: 'throughcareJourney' });
        await expect(t.handle(opening(), context)).resolves.toBeUndefined();
        expect(t.calls).toEqual([`signalWithStart ${id}`, `describe ${id}`]);
        expect(t.logs).toEqual([expect.stringContaining('duplicate reception ignored')]);
      });
    });

    it('a return to custody into a tombstoned episode, at another instant, says the journey before was told already', async () => {
      // The journey of episode 1 takes the return (it closes, handing over), then the start is refused.
      const t = fakeTemporal(
        async () => {},
        async () => {
          throw new WorkflowExecutionAlreadyStartedError(
            'already started',
            id,
            RECEPTION_REVERSED_TOMBSTONE_TYPE,
          );
        },
        tombstone('2027-01-15T08:00:00Z'),
      );
      const failure = await t.handle(recall(2), context).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(failure).toMatchObject({
        code: 'RECEPTION_TOMBSTONED',
        message: expect.stringContaining(
          'No journey started (the journey of the episode before was told of the return already)',
        ),
      });
    });

    it('a tombstone gone since the start was refused (retention): retried, so the start is tried again', async () => {
      const t = fakeTemporal(journeyNotRunning(), async () => {
        throw new WorkflowExecutionAlreadyStartedError('already started', id, 'x');
      });
      const failure = await t.handle(reception(), context).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isPermanent(failure)).toBe(false);
      expect(failure).toMatchObject({ code: BridgeErrorCodes.notProcessed });
    });
  });

  it('puts a deadline on every Temporal call (update and signal-with-start)', async () => {
    const t = fakeTemporal(async () => {});
    const before = Date.now();
    await t.handle(recall(2), context);
    expect(t.deadlines).toHaveLength(2);
    for (const d of t.deadlines) {
      expect(d).toBeGreaterThanOrEqual(before + 2500);
      expect(d).toBeLessThanOrEqual(Date.now() + 2500);
    }
  });

  it('acknowledges a fact for readers without touching Temporal', async () => {
    const t = fakeTemporal(async () => {
      throw new Error('must not be called');
    });
    const booked: KnownEvent = {
      eventType: 'custody.meeting.booked',
      version: 1,
      eventId: randomUUID(),
      occurredAt: '2027-01-14T09:00:00Z',
      correlationId: 'c',
      personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: PERSON }] },
      data: {
        bookingId: randomUUID(),
        episode: 1,
        kind: 'CJSW_VISIT',
        establishmentCode: 'BAR',
        date: '2027-01-20',
      },
    };
    await expect(t.handle(booked, context)).resolves.toBeUndefined();
    expect(t.calls).toEqual([]);
  });
});

describe('static summary (Temporal UI list)', () => {
  const input = {
    personId: PERSON,
    episode: 1,
    jurisdiction: 'SCOTLAND' as const,
    establishmentCode: 'BAR',
    homeLocalAuthority: 'S12000036',
    receivedAt: '2027-03-02T15:20:00Z',
    sentenceDate: '2027-03-02',
    sentenceLengthDays: 1,
    expectedReleaseDate: '2027-03-02',
    correlationId: 'c',
  };

  it('says how the journey began, with no personal data', () => {
    expect(staticSummaryOf(input)).toBe(
      'Throughcare episode 1 · received 2027-03-02 at BAR · home LA S12000036',
    );
    expect(
      staticSummaryOf({
        ...input,
        liberatedFromCourt: {
          releasedAt: '2027-03-02T15:20:00Z',
          legalStatus: 'REMAND',
          eventId: randomUUID(),
        },
      }),
    ).toBe('Throughcare episode 1 · liberated from court 2027-03-02 (held by BAR) · home LA S12000036');
  });
});
