import { addDays } from '@throughcare/domain';
import type { GateArrangementRecorded } from '@throughcare/contracts';
import {
  collectorCheckAction,
  collectorUnknownAction,
  GATE_RECONFIRMATION_PATCH,
  gateReconfirmAction,
} from './planner';
import type { SimulatedJourney } from './journey-simulation.spec-support';
import { DAY, releaseNow, screenedJourney } from './journey-simulation.spec-support';

/**
 * Gate arrangements re-arranged when the date moves (`gate-reconfirmation-1`, issue 10) on the
 * simulated journey (pure core): an item for prison staff while the arrangement is made for another
 * liberation date, closed when it holds again; the collecting agency hears the new date once.
 */

let events = 0;
function recordGate(j: SimulatedJourney, version: number, more: Partial<GateArrangementRecorded> = {}) {
  return j.tell(j.facts.gateArrangementRecorded, {
    version,
    forLiberationDate: j.p.liberationDate(),
    collectedBy: 'AGENCY',
    agencyId: 'collector-1',
    recordedAt: j.now,
    eventId: `e-gate-${++events}`,
    ...more,
  });
}
function moveDate(j: SimulatedJourney, days: number) {
  expect(
    j.tell(j.facts.releaseDateChanged, {
      expectedReleaseDate: addDays(j.s.expectedReleaseDate, days),
      reason: 'RECALCULATION',
      changedAt: j.now,
      eventId: `e-date-${++events}`,
    }),
  ).toBe('applied');
  j.run();
}
const gateItems = (j: SimulatedJourney) =>
  j.s.attention.filter((a) => a.action.startsWith('gate-reconfirm:'));
const open = (j: SimulatedJourney) => gateItems(j).filter((a) => a.status === 'OPEN');
const dateNotices = (j: SimulatedJourney) => j.notices.filter((n) => n.subject === 'LIBERATION_DATE_CHANGED');

/** An arrangement (version 1, an agency collecting) for the first date, then the date moved 14 days on. */
function movedAwayFromArrangement() {
  const j = screenedJourney(['ACCOMMODATION']);
  const first = j.p.liberationDate();
  recordGate(j, 1);
  j.run();
  j.t += DAY;
  moveDate(j, 14);
  return { j, first, moved: j.p.liberationDate() };
}

describe('gate arrangements re-arranged when the date moves (gate-reconfirmation-1)', () => {
  it('raises an item for the prison when the date moves away, tells the collecting agency with the referred one, and closes the item on reconfirmation', () => {
    const j = screenedJourney(['ACCOMMODATION']);
    const first = j.p.liberationDate();
    expect(recordGate(j, 1)).toBe('applied');
    j.run();
    expect(j.s.adopted).toContain(GATE_RECONFIRMATION_PATCH);
    expect(gateItems(j)).toEqual([]);

    j.t += DAY;
    moveDate(j, 14);
    const moved = j.p.liberationDate();
    expect(moved).not.toBe(first);
    expect(open(j)).toEqual([
      expect.objectContaining({
        action: gateReconfirmAction(moved, 1),
        errorType: 'GATE_ARRANGEMENT_RECONFIRMATION',
        mustAct: 'prison:BAR',
        options: ['SKIP'],
      }),
    ]);
    expect(open(j)[0]!.what).toContain(
      `made for liberation on ${first}; the liberation date is now ${moved}`,
    );
    expect(open(j)[0]!.what).toContain("agency:collector-1 (told the new date by the journey's notice)");
    // One notice of the new date, to the agency the journey tells, with a copy for the collector.
    const [notice] = dateNotices(j);
    expect(dateNotices(j)).toHaveLength(1);
    expect(notice).toMatchObject({
      agencyId: j.s.agencyId,
      alsoTell: [{ agencyId: 'collector-1', because: 'GATE_COLLECTOR', reference: 'gate-arrangement-v1' }],
    });
    expect(notice!.fields).toMatchObject({ liberationDate: moved, previousLiberationDate: first });

    // Reconfirmed for the new date: closed by the journey, nothing raised again.
    j.t += DAY;
    expect(recordGate(j, 2, { forLiberationDate: moved })).toBe('applied');
    j.run();
    expect(open(j)).toEqual([]);
    expect(gateItems(j)[0]).toMatchObject({
      status: 'RESOLVED',
      resolution: expect.objectContaining({ by: 'throughcare' }),
    });
    expect(gateItems(j)[0]!.resolution!.reason).toContain(`(version 2) holds for liberation on ${moved}`);
    // An older version delivered late changes nothing.
    expect(recordGate(j, 1, { forLiberationDate: first })).toBe('applied');
    j.run();
    expect(j.s.gate).toMatchObject({ version: 2, forLiberationDate: moved });
    expect(open(j)).toEqual([]);
  });

  it('moves the item with the date and closes it when the date moves back; a release closes it', () => {
    const j = screenedJourney(['ACCOMMODATION']);
    const first = j.p.liberationDate();
    recordGate(j, 1, { collectedBy: 'FAMILY_OR_FRIEND', agencyId: undefined });
    j.run();
    j.t += DAY;
    moveDate(j, 14);
    const second = j.p.liberationDate();
    moveDate(j, 7);
    const third = j.p.liberationDate();
    expect(open(j).map((a) => a.action)).toEqual([gateReconfirmAction(third, 1)]);
    expect(
      gateItems(j).find((a) => a.action === gateReconfirmAction(second, 1))!.resolution!.reason,
    ).toContain(`the liberation date is now ${third}`);
    expect(open(j)[0]!.what).toContain('whoever collects (FAMILY_OR_FRIEND)');
    // No agency collects: the date's notice goes as before, with no copy.
    expect(dateNotices(j).every((n) => n.alsoTell === undefined)).toBe(true);

    moveDate(j, -21);
    expect(j.p.liberationDate()).toBe(first);
    expect(open(j)).toEqual([]);
    expect(gateItems(j).at(-1)!.resolution!.reason).toContain(`(version 1) holds for liberation on ${first}`);

    // Away again to the second date: the item the journey closed for it is raised again.
    moveDate(j, 14);
    expect(open(j).map((a) => a.action)).toEqual([gateReconfirmAction(second, 1)]);
    j.t = Date.parse(`${j.p.liberationDate()}T09:00:00Z`);
    releaseNow(j);
    expect(open(j)).toEqual([]);
    expect(gateItems(j).at(-1)!.resolution!.reason).toBe('the person was released');
  });

  it('an operator skip stands for that date; no copy for a collector that is the agency told', () => {
    const j = screenedJourney(['ACCOMMODATION']);
    recordGate(j, 1, { agencyId: 'agency-1' });
    j.run();
    expect(j.s.agencyId).toBe('agency-1');
    j.t += DAY;
    moveDate(j, 14);
    const item = open(j)[0]!;
    expect(
      j.tell(j.facts.resolveAttention, {
        itemId: item.id,
        option: 'SKIP',
        by: 'operator',
        reason: 'confirmed by phone with the agency',
        resolvedAt: j.now,
        eventId: `resolve-${item.id}`,
      }),
    ).toBe('applied');
    j.run();
    expect(open(j)).toEqual([]);
    expect(gateItems(j)).toHaveLength(1);
    expect(dateNotices(j)).toEqual([expect.objectContaining({ agencyId: 'agency-1' })]);
    expect(dateNotices(j)[0]!.alsoTell).toBeUndefined();
  });

  it('a skip holds for its arrangement version only: a later arrangement for another date asks again when the date returns (review stop 42, M3)', () => {
    const { j, first, moved: second } = movedAwayFromArrangement();
    const skipped = open(j)[0]!;
    expect(skipped.action).toBe(gateReconfirmAction(second, 1));
    j.tell(j.facts.resolveAttention, {
      itemId: skipped.id,
      option: 'SKIP',
      by: 'operator',
      reason: 'confirmed by phone',
      resolvedAt: j.now,
      eventId: `resolve-${skipped.id}`,
    });
    j.run();
    expect(open(j)).toEqual([]);
    // Back to the first date: version 1 holds; then the prison makes version 2 for a third date.
    moveDate(j, -14);
    expect(j.p.liberationDate()).toBe(first);
    const third = addDays(first, 28);
    expect(recordGate(j, 2, { forLiberationDate: third })).toBe('applied');
    j.run();
    // Version 2 was made for another date than the liberation date now: asked for it.
    expect(open(j).map((a) => a.action)).toEqual([gateReconfirmAction(first, 2)]);
    // The date moves to the second date again, which staff confirmed for version 1 only: asked again.
    moveDate(j, 14);
    expect(j.p.liberationDate()).toBe(second);
    expect(open(j).map((a) => a.action)).toEqual([gateReconfirmAction(second, 2)]);
    expect(
      gateItems(j).find((a) => a.action === gateReconfirmAction(first, 2))!.resolution!.reason,
    ).toContain(`the liberation date is now ${second}`);
    // The old skip still stands as it was.
    expect(gateItems(j).find((a) => a.id === skipped.id)).toMatchObject({ status: 'RESOLVED' });
  });

  it('an item for an older version is closed when a new version is recorded for another date (review stop 42, M3)', () => {
    const { j, first, moved } = movedAwayFromArrangement();
    expect(open(j).map((a) => a.action)).toEqual([gateReconfirmAction(moved, 1)]);
    recordGate(j, 2, { forLiberationDate: addDays(first, 1) });
    j.run();
    expect(open(j).map((a) => a.action)).toEqual([gateReconfirmAction(moved, 2)]);
    expect(
      gateItems(j).find((a) => a.action === gateReconfirmAction(moved, 1))!.resolution!.reason,
    ).toContain('the gate arrangement was recorded again (version 2');
  });

  it('a journey replayed on the branch before the patch keeps the arrangement but raises nothing and gives no copy', () => {
    const j = screenedJourney(['ACCOMMODATION'], undefined, 40, [GATE_RECONFIRMATION_PATCH]);
    recordGate(j, 1);
    j.run();
    j.t += DAY;
    moveDate(j, 14);
    expect(j.s.gate).toMatchObject({ version: 1 });
    expect(j.s.adopted).not.toContain(GATE_RECONFIRMATION_PATCH);
    expect(gateItems(j)).toEqual([]);
    expect(dateNotices(j)[0]!.alsoTell).toBeUndefined();
  });

  it('with no agency referred yet, the item tells the prison to tell the collecting agency itself', () => {
    const j = screenedJourney(['ACCOMMODATION'], [], 40, [], (x) => (x.mainAgency = undefined));
    recordGate(j, 1);
    j.run();
    j.t += DAY;
    moveDate(j, 14);
    expect(j.p.noticeRecipient()).toBeUndefined();
    expect(open(j)[0]!.what).toContain('agency:collector-1 (not told by the journey');
    expect(dateNotices(j)).toEqual([]);
  });

  it('a collector the directory does not know is told nothing and the prison is asked to correct the arrangement; corrected, the known agency gets its copy (review stop 42, M5)', () => {
    const j = screenedJourney(
      ['ACCOMMODATION'],
      undefined,
      40,
      [],
      (x) => (x.unknownAgencies = ['colector-1']),
    );
    recordGate(j, 1, { agencyId: 'colector-1' });
    j.run();
    expect(j.s.collectorChecks).toEqual([
      { agencyId: 'colector-1', version: 1, known: false, at: expect.any(String) },
    ]);
    const unknown = () => j.s.attention.filter((a) => a.action.startsWith('gate-collector-unknown:'));
    expect(unknown()).toEqual([
      expect.objectContaining({
        action: collectorUnknownAction(1),
        errorType: 'GATE_COLLECTOR_UNKNOWN',
        mustAct: 'prison:BAR',
        status: 'OPEN',
        options: ['SKIP'],
      }),
    ]);
    // The date moves: the referred agency is told, the unknown collector is not.
    j.t += DAY;
    moveDate(j, 14);
    expect(dateNotices(j)).toHaveLength(1);
    expect(dateNotices(j)[0]!.alsoTell).toBeUndefined();
    expect(open(j)[0]!.what).toContain(
      'agency:colector-1 (not told by the journey: the directory does not know it; see the item GATE_COLLECTOR_UNKNOWN)',
    );
    // Asked once per arrangement version: planned again, no second check.
    j.advance(DAY);
    j.run();
    expect(j.s.collectorChecks).toHaveLength(1);

    // Recorded again with the agency's directory id: the item closes, the agency is checked, and it
    // hears the next change.
    recordGate(j, 2, { agencyId: 'collector-1' });
    j.run();
    expect(unknown()).toEqual([
      expect.objectContaining({
        status: 'RESOLVED',
        resolution: expect.objectContaining({
          by: 'throughcare',
          reason: 'the gate arrangement was recorded again (version 2)',
        }),
      }),
    ]);
    expect(j.s.collectorChecks!.map((c) => [c.agencyId, c.version, c.known])).toEqual([
      ['colector-1', 1, false],
      ['collector-1', 2, true],
    ]);
    j.t += DAY;
    moveDate(j, 7);
    expect(dateNotices(j).at(-1)!.alsoTell).toEqual([
      { agencyId: 'collector-1', because: 'GATE_COLLECTOR', reference: 'gate-arrangement-v2' },
    ]);
  });

  it('each arrangement version is checked again: an agency the directory learned of since is told; a failed check is left with its version (review stop 44b, M3, M5)', () => {
    const j = screenedJourney(
      ['ACCOMMODATION'],
      undefined,
      40,
      [],
      (x) => (x.unknownAgencies = ['collector-1']),
    );
    recordGate(j, 1);
    j.run();
    expect(j.s.attention.filter((a) => a.status === 'OPEN').map((a) => a.action)).toContain(
      collectorUnknownAction(1),
    );
    // The agency is added to the directory; the arrangement is recorded again with the same id.
    j.unknownAgencies = [];
    recordGate(j, 2);
    j.run();
    expect(j.s.collectorChecks!.map((c) => [c.version, c.known])).toEqual([
      [1, false],
      [2, true],
    ]);
    expect(j.s.attention.find((a) => a.action === collectorUnknownAction(1))!.status).toBe('RESOLVED');

    // Version 3's check fails for good: an item for it (RETRY/SKIP), the reconfirmation item says
    // the collector could not be checked, and no copy goes; version 4 closes that item and is checked.
    j.failing = (a) => a.kind === 'checkCollector';
    recordGate(j, 3);
    j.run();
    const failed = () => j.s.attention.find((a) => a.action === collectorCheckAction(3))!;
    expect(failed()).toMatchObject({ status: 'OPEN', options: ['RETRY', 'SKIP'] });
    j.t += DAY;
    moveDate(j, 14);
    expect(dateNotices(j).at(-1)!.alsoTell).toBeUndefined();
    expect(open(j).find((a) => a.action.startsWith('gate-reconfirm:'))!.what).toContain(
      'agency:collector-1 (not told by the journey: the directory could not be asked about it; tell it the new date)',
    );
    j.failing = () => false;
    recordGate(j, 4);
    j.run();
    expect(failed()).toMatchObject({
      status: 'RESOLVED',
      resolution: expect.objectContaining({ reason: 'the gate arrangement was recorded again (version 4)' }),
    });
    expect(j.s.collectorChecks!.at(-1)).toMatchObject({ version: 4, known: true });
  });

  it("the copy goes under the directory's own id: an id typed in capitals is the same agency, and no second copy when it is the agency told (review stop 44b, M4)", () => {
    const j = screenedJourney(['ACCOMMODATION']);
    recordGate(j, 1, { agencyId: 'COLLECTOR-1' });
    j.run();
    j.t += DAY;
    moveDate(j, 14);
    expect(dateNotices(j).at(-1)!.alsoTell).toEqual([
      { agencyId: 'collector-1', because: 'GATE_COLLECTOR', reference: 'gate-arrangement-v1' },
    ]);
    // The referred agency typed in capitals as the collector: one notice, no copy.
    recordGate(j, 2, { agencyId: j.s.agencyId!.toUpperCase() });
    j.run();
    j.t += DAY;
    moveDate(j, 7);
    expect(dateNotices(j).at(-1)!.alsoTell).toBeUndefined();
  });

  it('a journey told no arrangement never asks the patch', () => {
    const j = screenedJourney(['ACCOMMODATION']);
    j.t += DAY;
    moveDate(j, 14);
    expect(j.s.adopted).not.toContain(GATE_RECONFIRMATION_PATCH);
    expect(gateItems(j)).toEqual([]);
  });
});
