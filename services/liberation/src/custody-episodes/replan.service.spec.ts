import type { Client } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { DomainError } from '@throughcare/platform-errors';
import { ReplanService } from './replan.service';
import type { SentenceCalculationsService } from './sentence-calculations.service';

// Review S3: one person refused at the apply step (RELEASE_DUE_NOW, thrown where the calculation
// is recorded: the new date, or that of a decision standing on it, has passed) does not fail the
// page, and so the national apply: the item is skipped with the reason and the page goes on.
// Review M3: a heartbeat an episode.

describe('ReplanService.applyPage', () => {
  const run = { id: '00000000-0000-4000-8000-000000000001', policyId: 'X' };
  const episodes = [
    { personId: 'p-1', episode: 1, heldAt: 'BAR', version: 1 },
    { personId: 'p-2', episode: 1, heldAt: 'BAR', version: 1 },
    { personId: 'p-3', episode: 1, heldAt: 'BAR', version: 1 },
  ];

  function service() {
    const dataSource = {
      manager: { findOneBy: jest.fn(async () => ({ runId: run.id })), find: jest.fn(async () => []) },
      transaction: jest.fn(async (work: (tx: unknown) => unknown) => work({})),
    } as unknown as DataSource;
    const replans = new ReplanService(
      dataSource,
      {} as SentenceCalculationsService,
      {} as Client,
      'replan-queue',
    );
    const internals = replans as unknown as Record<string, jest.Mock>;
    internals['runOrFail'] = jest.fn(async () => run);
    internals['scan'] = jest.fn(async () => episodes);
    internals['applyOne'] = jest.fn(async (_run: unknown, scanned: { personId: string }) => {
      if (scanned.personId === 'p-2')
        throw new DomainError('RELEASE_DUE_NOW', 'RULE_VIOLATED', 'the calculated CRD has passed');
      return 'changed';
    });
    internals['skipAtApply'] = jest.fn(async () => 'skipped');
    return { replans, internals };
  }

  it('skips a person refused at apply with the reason and applies the rest of the page', async () => {
    const { replans, internals } = service();
    const beat = jest.fn();
    const page = await replans.applyPage({ runId: run.id, after: null, limit: 3 }, beat);
    expect(page).toEqual({ next: { personId: 'p-3', episode: 1 }, scanned: 3, changed: 2, skipped: 1 });
    expect(internals['applyOne']).toHaveBeenCalledTimes(3);
    expect(internals['skipAtApply']).toHaveBeenCalledWith(
      {},
      run,
      episodes[1],
      'RELEASE_DUE_NOW: the calculated CRD has passed',
    );
    expect(beat).toHaveBeenCalledTimes(3);
  });

  it('reads the law once a page, not once an episode', async () => {
    const { replans } = service();
    const dataSource = (replans as unknown as { dataSource: { manager: { find: jest.Mock } } }).dataSource;
    await replans.applyPage({ runId: run.id, after: null, limit: 3 });
    expect(dataSource.manager.find).toHaveBeenCalledTimes(1);
  });

  it('lets an error that is not a refusal fail the page (retried by the workflow)', async () => {
    const { replans, internals } = service();
    internals['applyOne'] = jest.fn(async () => {
      throw new Error('connection lost');
    });
    await expect(replans.applyPage({ runId: run.id, after: null, limit: 3 })).rejects.toThrow(
      'connection lost',
    );
    expect(internals['skipAtApply']).not.toHaveBeenCalled();
  });
});
