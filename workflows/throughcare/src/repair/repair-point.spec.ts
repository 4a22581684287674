import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';
import { acceptedUpdates, isResetOf, repairPointOf } from './repair-point';

const fixtures = path.resolve(__dirname, '../../../../test/fixtures/sdk-nondeterminism');
const load = async (file: string) =>
  historyFromJSON(JSON.parse(await readFile(path.join(fixtures, file), 'utf8'))).events ?? [];

/** The build that wrote both soak histories (the journey bundle of that day). */
const BUILD = '@temporalio/worker@1.24.0+f09428597d8a301314ab5e0aa1703a0590881904d4b8377efd9a7d16cee95871';

describe('repairPointOf: where to reset a journey hit by the SDK update-ordering defect', () => {
  // The events the replay of each soak history names (throughcare.replay.workflow.spec.ts replays them):
  // "Update machine does not handle this event: HistoryEvent(id: 51, TimerStarted)" and
  // "UpsertWorkflowSearchAttributesMachine does not handle HistoryEvent(id: 56, ActivityTaskScheduled)".
  it('the timer history: resets to the task completed at 50, which accepted the update', async () => {
    const events = await load('soak-2026-11-30-update-and-activity-result.timer.json');
    expect(repairPointOf(events, 51)).toEqual({
      resetTo: 50,
      buildId: BUILD,
      // The update of event 52; the one of event 28, before the reset point, stays as it was.
      updateIds: ['e59419b9-deae-4dab-a4a3-e5b1aa723cc0'],
    });
  });

  it('the upsert history: resets to the task completed at 53', async () => {
    const events = await load('soak-2026-11-30-update-and-activity-result.upsert.json');
    expect(repairPointOf(events, 56)).toEqual({
      resetTo: 53,
      buildId: BUILD,
      updateIds: ['bb78eae7-f206-4197-a701-d56073c5f8da'],
    });
  });

  it('refuses an event of a task that accepted no update (a code change, not the defect)', async () => {
    const events = await load('soak-2026-11-30-update-and-activity-result.timer.json');
    // Event 45 is the activity the task completed at 44 scheduled, with no update in that task.
    expect(events.find((e) => Number(e.eventId) === 45)?.eventType).toBe(
      temporal.api.enums.v1.EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
    );
    expect(repairPointOf(events, 45)).toEqual({
      refused: 'NOT_UPDATE_ORDERING',
      why: 'the workflow task completed at 44 accepted no update',
    });
  });

  it('refuses an event that is not a command, and one the history does not have', async () => {
    const events = await load('soak-2026-11-30-update-and-activity-result.timer.json');
    // 47 is an activity's completion, written by the server, not by the task before it.
    expect(repairPointOf(events, 47)).toMatchObject({ refused: 'NOT_UPDATE_ORDERING' });
    expect(repairPointOf(events, 10_000)).toEqual({
      refused: 'EVENT_NOT_IN_HISTORY',
      why: 'event 10000 is not in the history',
    });
  });
});

describe('acceptedUpdates and isResetOf', () => {
  it('lists the updates a history accepted, in order, with the requests the server kept', async () => {
    const events = await load('soak-2026-11-30-update-and-activity-result.timer.json');
    const accepted = acceptedUpdates(events);
    expect([...accepted.keys()]).toEqual([
      'e5e52c61-039b-472f-bddf-a50f16b51be6',
      'e59419b9-deae-4dab-a4a3-e5b1aa723cc0',
    ]);
    const request = accepted.get('e59419b9-deae-4dab-a4a3-e5b1aa723cc0')!;
    expect(request.meta?.updateId).toBe('e59419b9-deae-4dab-a4a3-e5b1aa723cc0');
    expect(request.input?.name).toEqual(expect.any(String));
    expect(request.input?.args?.payloads?.length).toBe(1);
  });

  it('tells a run that began with a reset of another run', async () => {
    const events = await load('soak-2026-11-30-update-and-activity-result.timer.json');
    const base = '01a23685-fba7-715d-99a2-597768760308';
    expect(isResetOf(events, base)).toBe(false);
    const reset = {
      eventId: 51,
      eventType: temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
      workflowTaskFailedEventAttributes: {
        cause: temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW,
        baseRunId: base,
      },
    } as unknown as (typeof events)[number];
    expect(isResetOf([...events.slice(0, 50), reset], base)).toBe(true);
    expect(isResetOf([...events.slice(0, 50), reset], '01a23685-fbc0-7f38-9371-79248cdd2101')).toBe(false);
  });
});
