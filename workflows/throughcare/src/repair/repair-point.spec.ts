import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';
import { repairPointOf } from './repair-point';

const fixtures = path.resolve(__dirname, '../../../../test/fixtures/sdk-nondeterminism');
const load = async (file: string) =>
  historyFromJSON(JSON.parse(await readFile(path.join(fixtures, file), 'utf8'))).events ?? [];

describe('repairPointOf: where to reset a journey hit by the SDK update-ordering defect', () => {
  // The events the replay of each soak history names (throughcare.replay.spec.ts replays them):
  // "Update machine does not handle this event: HistoryEvent(id: 51, TimerStarted)" and
  // "UpsertWorkflowSearchAttributesMachine does not handle HistoryEvent(id: 56, ActivityTaskScheduled)".
  it('the timer history: resets to the task completed at 50, which accepted the update', async () => {
    const events = await load('soak-2026-11-30-update-and-activity-result.timer.json');
    const point = repairPointOf(events, 51);
    expect(point).toEqual({ resetTo: 50, updateIds: [expect.stringMatching(/.+/)] });
  });

  it('the upsert history: resets to the task completed at 53', async () => {
    const events = await load('soak-2026-11-30-update-and-activity-result.upsert.json');
    expect(repairPointOf(events, 56)).toEqual({ resetTo: 53, updateIds: [expect.stringMatching(/.+/)] });
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
