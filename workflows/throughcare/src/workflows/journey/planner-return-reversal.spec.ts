import { deadlineFor, policyFor } from '@throughcare/domain';
import type { ThroughcareInput } from '@throughcare/contracts';
import { inputFor, SimulatedJourney } from './journey-simulation.spec-support';
import { RETURN_REVERSAL_PATCH } from './planner';

const DAY = 86_400_000;

/** Episode 1, started again after the recall into episode 2 was reversed (return-reversal-1). */
function resumedInput(releaseEventId?: string): ThroughcareInput {
  return {
    ...inputFor('SCOTLAND', 30),
    resumed: {
      releasedAt: '2026-04-01T09:00:00.000Z',
      ...(releaseEventId ? { releaseEventId } : {}),
      releaseEstablishmentCode: 'BAR',
      reversedAt: '2026-04-20T10:00:00.000Z',
      reversedEpisode: 2,
      returnedAt: '2026-04-15T11:00:00.000Z',
      returnReason: 'RECALL',
      eventId: 'reversal-1',
      openNeeds: ['ACCOMMODATION'],
    },
  };
}

describe('journey planner: a run started again after a return to custody was reversed (return-reversal-1)', () => {
  it('starts released, in follow-up: no custody step, the agency referred afresh and told why, the first appointment due from the reversal', () => {
    const j = new SimulatedJourney(resumedInput('release-1'));
    j.t = Date.parse('2026-04-20T10:05:00.000Z');
    expect(j.p.released()).toBe(true);
    expect(j.p.nextAction()).toMatchObject({ kind: 'enter', stage: 'FOLLOW_UP', record: true });
    j.run();
    expect(j.s.stage).toBe('FOLLOW_UP');
    expect(j.s.requests).toEqual([]); // screened by the run that closed: no core screen asked
    expect(j.p.needs()).toEqual(['ACCOMMODATION']);
    expect(j.s.agencyId).toBeDefined();
    expect(j.s.referralId).toBeDefined();
    expect(j.p.liberationDate()).toBe('2026-04-01'); // the release that stands
    expect(j.notices).toEqual([
      {
        agencyId: j.s.agencyId,
        subject: 'RELEASED',
        fields: { liberationDate: '2026-04-01', establishmentCode: 'BAR' },
      },
    ]);
    // Which return was in error, as the agency can know it: no episode number (review of stop 39, N7).
    expect(j.s.notifications.at(-1)?.message).toBe(
      'The recall to custody of 2026-04-15 was recorded in error and reversed on 2026-04-20: they were not returned to custody, and have been in the community since their release from BAR on 2026-04-01. This referral follows them up afresh; the first appointment is counted from 2026-04-20.',
    );
    const policy = policyFor('SCOTLAND', '2026-03-02');
    const due = deadlineFor(policy, 'firstAppointment', new Date('2026-04-20T10:00:00.000Z')).toISOString();
    expect(j.s.deadlines.filter((d) => d.status !== 'CANCELLED').map((d) => [d.clock, d.status])).toEqual(
      expect.arrayContaining([['firstAppointment', 'OPEN']]),
    );
    expect(j.s.deadlines.find((d) => d.clock === 'firstAppointment')).toMatchObject({
      status: 'OPEN',
      dueAt: due,
    });
    expect(j.s.deadlines.map((d) => d.clock)).not.toContain('coreScreen');
    const appointment = j.s.bookings.find((b) => b.kind === 'FIRST_APPOINTMENT' && b.status === 'BOOKED');
    expect(appointment?.releaseEventId).toBe('release-1');
    // Counted from the old release it would be breached already; from the reversal it is not.
    expect(
      Date.parse(deadlineFor(policy, 'firstAppointment', new Date('2026-04-01T09:00:00.000Z')).toISOString()),
    ).toBeLessThan(j.t);
    expect(j.s.deadlines.filter((d) => d.status === 'BREACHED')).toEqual([]);
    // Told once.
    j.advance(DAY);
    j.run();
    expect(j.notices.filter((n) => n.subject === 'RELEASED')).toHaveLength(1);
  });

  it.each([
    [{ returnReason: 'NEW_SENTENCE' as const }, 'The return to custody on a new sentence of 2026-04-15 was'],
    // A run started before the return was passed to it: neither named, nor an episode number.
    [{ returnedAt: undefined, returnReason: undefined }, 'The return to custody of this person was'],
  ])('names the return reversed as it can (%j)', (change, words) => {
    const input = resumedInput('release-1');
    const j = new SimulatedJourney({ ...input, resumed: { ...input.resumed!, ...change } });
    j.t = Date.parse('2026-04-20T10:05:00.000Z');
    j.run();
    const message = j.s.notifications.at(-1)?.message;
    expect(message).toMatch(new RegExp(`^${words} recorded in error and reversed on 2026-04-20:`));
    expect(message).not.toContain('episode');
  });

  it('takes a reversal of the release resumed when its event id is known: back in custody, the appointment cancelled', () => {
    const j = new SimulatedJourney(resumedInput('release-1'));
    j.t = Date.parse('2026-04-20T10:05:00.000Z');
    j.run();
    expect(
      j.tell(j.facts.movementReversed, {
        movement: 'RELEASE',
        reversedEventId: 'release-1',
        reversedAt: j.now,
        eventId: 'rr-1',
      } as never),
    ).toBe('applied');
    j.run();
    expect(j.p.released()).toBe(false);
    expect(j.s.bookings.filter((b) => b.kind === 'FIRST_APPOINTMENT').map((b) => b.status)).toEqual([
      'CANCELLED',
    ]);
  });

  it('a journey opened by a return that closes RECEIVED_IN_ERROR starts the one before again, after its closure; refused the patch, or with no history carried, it does not', () => {
    const carried = {
      fromEpisode: 1,
      reason: 'RECALL' as const,
      openNeeds: ['ACCOMMODATION' as const],
      releasedAt: '2026-02-01T09:00:00.000Z',
      episodes: [],
    };
    const close = (j: SimulatedJourney) => {
      j.run();
      j.advance(DAY);
      expect(
        j.tell(j.facts.caseCloseRequested, {
          reason: 'RECEIVED_IN_ERROR',
          requestedAt: j.now,
          eventId: 'rev-2',
        }),
      ).toBe('applied');
      const actions: string[] = [];
      for (let a = j.p.nextAction(); a; a = j.p.nextAction()) {
        actions.push(a.kind);
        j.stepOnce();
      }
      return actions;
    };
    const recall = { ...inputFor('SCOTLAND', 120), episode: 2, carried };
    const j = new SimulatedJourney(recall);
    const actions = close(j);
    expect(j.s.adopted).toContain(RETURN_REVERSAL_PATCH);
    expect(actions.indexOf('close')).toBeGreaterThanOrEqual(0);
    expect(actions.indexOf('resume')).toBeGreaterThan(actions.indexOf('close'));
    expect(j.s.previousResumed).toEqual({ episode: 1, outcome: 'STARTED' });

    const old = new SimulatedJourney(recall, [RETURN_REVERSAL_PATCH]);
    expect(close(old)).not.toContain('resume');
    expect(old.s.adopted ?? []).not.toContain(RETURN_REVERSAL_PATCH);

    const fresh = new SimulatedJourney(inputFor('SCOTLAND', 120));
    expect(close(fresh)).not.toContain('resume');
    expect(fresh.s.adopted ?? []).not.toContain(RETURN_REVERSAL_PATCH);

    // The history not come yet, the journey before named by the bridge (returnOf: review of stop 39, S1).
    const named = new SimulatedJourney({ ...inputFor('SCOTLAND', 120), episode: 2, returnOf: 1 });
    const namedActions = close(named);
    expect(named.s.carried).toBeUndefined();
    expect(named.s.adopted).toContain(RETURN_REVERSAL_PATCH);
    expect(namedActions.indexOf('close')).toBeGreaterThanOrEqual(0);
    expect(namedActions.indexOf('resume')).toBeGreaterThan(namedActions.indexOf('close'));
    expect(named.s.previousResumed).toEqual({ episode: 1, outcome: 'STARTED' });
    const namedOld = new SimulatedJourney({ ...inputFor('SCOTLAND', 120), episode: 2, returnOf: 1 }, [
      RETURN_REVERSAL_PATCH,
    ]);
    expect(close(namedOld)).not.toContain('resume');
  });

  it('refuses a late copy of the reversed return (into the reversed episode, or one before it) as RETURN_REVERSED; a later return is taken (reviews of stop 39, S3)', () => {
    const j = new SimulatedJourney(resumedInput('release-1'));
    j.t = Date.parse('2026-04-20T10:05:00.000Z');
    j.run();
    const back = (newEpisode: number) => ({
      reason: 'RECALL' as const,
      recallReasonCode: 'L' as const,
      receivedAt: '2026-04-25T10:00:00.000Z',
      establishmentCode: 'BAR',
      expectedReleaseDate: '2026-09-01',
      sentenceDate: '2026-03-02',
      sentenceLengthDays: 180,
      newEpisode,
      eventId: `return-${newEpisode}`,
    });
    let failure: unknown;
    try {
      j.facts.returnedToCustody.validate(back(2));
    } catch (e) {
      failure = e;
    }
    expect(failure).toMatchObject({
      type: 'RETURN_REVERSED',
      message: expect.stringContaining('the return to custody into episode 2 was reversed'),
    });
    // A real recall later opens episode 3: taken, the journey closes RECALLED.
    j.t = Date.parse('2026-04-25T11:00:00.000Z');
    expect(j.tell(j.facts.returnedToCustody, back(3))).toBe('applied');
    expect(j.p.closingReason()).toBe('RECALLED');
  });

  it('numbers its attention items on from the runs before it (resumed.attentionFrom): no item id of the episode is used twice (review of stop 39, S2)', () => {
    const input = resumedInput('release-1');
    const j = new SimulatedJourney({ ...input, resumed: { ...input.resumed!, attentionFrom: 3 } });
    j.t = Date.parse('2026-04-20T10:05:00.000Z');
    j.failing = (a) => a.kind === 'sendReferral';
    j.run();
    expect(j.s.attention.map((a) => [a.id, a.action])).toEqual([['att-4', 'referral:send']]);
  });
});
