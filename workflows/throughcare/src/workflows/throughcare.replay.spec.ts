import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { journeyBundle } from './journey-harness';

const dir = path.resolve(__dirname, '../../../../test/fixtures/histories');

/**
 * Determinism guard: every recorded history must replay against today's workflow code. A change
 * that alters the commands a recorded run issued fails here, before it reaches running cases;
 * such a change needs `patched()` (and a newly recorded history for the new branch).
 */
describe('journey replay over recorded histories', () => {
  it('has recorded histories to replay (happy path and each breach branch)', async () => {
    const files = (await readdir(dir)).filter(
      (f) => f.startsWith('throughcare-journey.') && f.endsWith('.json'),
    );
    expect(files).toEqual(
      expect.arrayContaining([
        'throughcare-journey.happy-path.json',
        'throughcare-journey.referral-ack-breach.scotland.json',
        'throughcare-journey.referral-ack-breach.england-and-wales.json',
        'throughcare-journey.first-appointment-breach.scotland.json',
        'throughcare-journey.first-appointment-breach.england-and-wales.json',
      ]),
    );
  });

  it('replays every recorded history without non-determinism', async () => {
    const files = (await readdir(dir)).filter(
      (f) => f.startsWith('throughcare-journey.') && f.endsWith('.json'),
    );
    const workflowBundle = await journeyBundle();
    for (const file of files) {
      const history = historyFromJSON(JSON.parse(await readFile(path.join(dir, file), 'utf8')));
      await expect(Worker.runReplayHistory({ workflowBundle }, history, file)).resolves.toBeUndefined();
    }
  }, 120_000);
});
