import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  gateArrangementRecordedUpdate,
  releaseDateChangedUpdate,
  type PlanView,
} from '@throughcare/contracts';
import { addDays } from '@throughcare/domain';
import * as harness from './journey-harness';

const { recordHistory, recordingActivities, screenAndRefer, serverNow, startJourney } = harness;
const { receptionInput, tell, waitForEffect, waitForPlan, withWorkers } = harness;

let env: TestWorkflowEnvironment;
harness.useJourneyEnvironment((created) => (env = created));

const gateItems = (p: PlanView) => (p.attention ?? []).filter((a) => a.action.startsWith('gate-reconfirm:'));

const closeJourney = (handle: WorkflowHandle) => harness.closeJourney(env, handle);

describe('journey: gate arrangements re-arranged when the date moves (gate-reconfirmation-1; issue 10)', () => {
  it('a moved date raises the prison item and tells the collecting agency with the referred one; the reconfirmation closes the item', async () => {
    const acts = recordingActivities();
    await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, await receptionInput(env));
      const referred = await screenAndRefer(env, handle, acts, ['ACCOMMODATION']);
      const before = await waitForPlan(
        handle,
        (p) => p.liberationDate !== undefined && !p.working,
        'planned',
      );
      const first = before.liberationDate!;

      await tell(handle, gateArrangementRecordedUpdate, {
        version: 1,
        forLiberationDate: first,
        collectedBy: 'AGENCY',
        agencyId: 'collector-1',
        recordedAt: await serverNow(env),
      });
      expect(gateItems(await waitForPlan(handle, (p) => !p.working, 'arrangement kept'))).toEqual([]);

      // Three weeks later: the item names the liberation date the journey plans from it.
      await tell(handle, releaseDateChangedUpdate, {
        expectedReleaseDate: addDays(first, 21),
        reason: 'RECALCULATION',
        changedAt: await serverNow(env),
      });
      const moved = await waitForPlan(
        handle,
        (p) => gateItems(p).some((a) => a.status === 'OPEN') && !p.working,
        'gate item raised',
      );
      const lib = moved.liberationDate!;
      expect(lib).not.toBe(first);
      expect(gateItems(moved)).toEqual([
        expect.objectContaining({
          action: `gate-reconfirm:${lib}:v1`,
          errorType: 'GATE_ARRANGEMENT_RECONFIRMATION',
          mustAct: expect.stringMatching(/^prison:/),
          status: 'OPEN',
        }),
      ]);
      const notice = await waitForEffect(
        acts,
        (e): e is Extract<typeof e, { kind: 'agencyNotified' }> =>
          e.kind === 'agencyNotified' && e.subject === 'LIBERATION_DATE_CHANGED',
        'the agencies told of the new date',
      );
      expect(notice).toMatchObject({
        agencyId: referred.agencyId,
        liberationDate: lib,
        previousLiberationDate: first,
        alsoTell: [{ agencyId: 'collector-1', because: 'GATE_COLLECTOR', reference: 'gate-arrangement-v1' }],
      });
      // Given its copy once the directory said it knows the agency (asked once).
      expect(acts.effects.filter((e) => e.kind === 'agencyChecked')).toEqual([
        { kind: 'agencyChecked', agencyId: 'collector-1' },
      ]);
      // The item was recorded for the prison's list.
      await waitForEffect(
        acts,
        (e): e is Extract<typeof e, { kind: 'attentionRecorded' }> =>
          e.kind === 'attentionRecorded' && e.action === `gate-reconfirm:${lib}:v1`,
        'the item recorded',
      );

      await tell(handle, gateArrangementRecordedUpdate, {
        version: 2,
        forLiberationDate: lib,
        collectedBy: 'AGENCY',
        agencyId: 'collector-1',
        recordedAt: await serverNow(env),
      });
      const closed = await waitForPlan(
        handle,
        (p) => gateItems(p).every((a) => a.status === 'RESOLVED') && !p.working,
        'gate item closed',
      );
      expect(gateItems(closed)).toEqual([
        expect.objectContaining({
          status: 'RESOLVED',
          resolution: expect.objectContaining({ by: 'throughcare' }),
        }),
      ]);
      expect(
        acts.effects.filter((e) => e.kind === 'agencyNotified' && e.subject === 'LIBERATION_DATE_CHANGED'),
      ).toHaveLength(1);
      await recordHistory(handle, 'v3.gate-reconfirmation.raised-told-closed');
      await closeJourney(handle);
    });
  });
});
