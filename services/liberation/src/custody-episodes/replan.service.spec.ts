import type { Client } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { DomainError } from '@throughcare/platform-errors';
import { ReplanService } from './replan.service';
import type { SentenceCalculationsService } from './sentence-calculations.service';

// Review S3: one person refused at the apply step (RELEASE_DUE_NOW, thrown where the calculation
// is recorded: the new date, or that of a decision standing on it, has passed) does not fail the
// page, and so the national apply: the item is skipped with the reason and the page goes on.
// Review M3: a heartbeat an episode.

/** The service over a data source double; its other collaborators are not reached by these specs. */
const replanServiceOn = (dataSource: DataSource) =>
  new ReplanService(dataSource, {} as SentenceCalculationsService, {} as Client, 'replan-queue');

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
    const replans = replanServiceOn(dataSource);
    const internals = replans as unknown as Record<string, jest.Mock>;
    internals['runOrFail'] = jest.fn(async () => run);
    internals['scan'] = jest.fn(async () => episodes);
    internals['applyOne'] = jest.fn(async (_run: unknown, scanned: { personId: string }) => {
      if (scanned.personId === 'p-2')
        throw new DomainError('RELEASE_DUE_NOW', 'RULE_VIOLATED', 'the calculated CRD has passed');
      return 'changed';
    });
    internals['skipAtApply'] = jest.fn(async () => 'skipped');
    internals['recordApplyCursor'] = jest.fn(async () => undefined);
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
    // Where it stands, once the page is done: where a resumed apply starts.
    expect(internals['recordApplyCursor']).toHaveBeenCalledWith(run.id, page);
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

// Review stop 37, N1: an episode no longer open when the apply step locks it is skipped with why:
// released, or void (its reception reversed as recorded in error), not both called RELEASED.
describe('ReplanService: an episode closed between the scan and its apply', () => {
  const run = { id: '00000000-0000-4000-8000-000000000002', policyId: 'X' };
  const scanned = { personId: 'p-9', episode: 1, heldAt: 'BAR', version: 1 };

  async function skipReasonFor(episode: Record<string, unknown>): Promise<unknown> {
    const update = jest.fn(async () => undefined);
    const tx = {
      query: jest.fn(async () => []),
      findOneBy: jest.fn(async () => ({ ...scanned, runId: run.id, status: 'PROPOSED' })),
      update,
    };
    const dataSource = {
      transaction: jest.fn(async (work: (manager: unknown) => unknown) => work(tx)),
    } as unknown as DataSource;
    const replans = replanServiceOn(dataSource);
    const internals = replans as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    internals['episodeAndVersion'] = async () => [
      { personId: scanned.personId, episode: 1, releasedAt: null, voidedAt: null, ...episode },
      { releaseDate: '2027-01-01', calculation: { dates: {} } },
    ];
    const outcome = await internals['applyOne']!.call(replans, run, scanned, {}, '2026-12-01', new Date());
    expect(outcome).toBe('skipped');
    return (update.mock.calls[0] as unknown[] | undefined)?.[2];
  }

  it('RECEIVED_IN_ERROR for a void episode, RELEASED for a released one', async () => {
    expect(await skipReasonFor({ voidedAt: new Date('2026-11-30T10:00:00Z') })).toMatchObject({
      status: 'SKIPPED',
      skipReason: 'RECEIVED_IN_ERROR',
    });
    expect(await skipReasonFor({ releasedAt: new Date('2026-11-30T10:00:00Z') })).toMatchObject({
      status: 'SKIPPED',
      skipReason: 'RELEASED',
    });
  });
});

// A stopped apply is resumed from the cursor its pages recorded: only forward, each page counted once.
describe('ReplanService: the apply cursor a page records', () => {
  const runId = '00000000-0000-4000-8000-000000000003';
  const page = (personId: string | null) => ({
    next: personId === null ? null : { personId, episode: 1 },
    scanned: 2,
    changed: 1,
    skipped: 1,
  });

  async function recorded(stored: Record<string, unknown>, result: ReturnType<typeof page>) {
    const update = jest.fn(async () => undefined);
    const tx = { findOne: jest.fn(async () => ({ id: runId, appliedAt: null, ...stored })), update };
    const dataSource = {
      transaction: jest.fn(async (work: (manager: unknown) => unknown) => work(tx)),
    } as unknown as DataSource;
    const internals = replanServiceOn(dataSource) as unknown as Record<
      string,
      (...args: unknown[]) => Promise<unknown>
    >;
    await internals['recordApplyCursor']!(runId, result);
    return update.mock.calls.map((c) => (c as unknown[])[2]);
  }

  it('moves the cursor forward and adds the page to the counts', async () => {
    expect(await recorded({ applyCursor: null, applyProgress: null }, page('p-2'))).toEqual([
      {
        applyCursor: { personId: 'p-2', episode: 1 },
        applyProgress: { scanned: 2, changed: 1, skipped: 1, pages: 1 },
      },
    ]);
    expect(
      await recorded(
        {
          applyCursor: { personId: 'p-2', episode: 1 },
          applyProgress: { scanned: 2, changed: 1, skipped: 1, pages: 1 },
        },
        page('p-4'),
      ),
    ).toEqual([
      {
        applyCursor: { personId: 'p-4', episode: 1 },
        applyProgress: { scanned: 4, changed: 2, skipped: 2, pages: 2 },
      },
    ]);
  });

  it('leaves it as it is for a page done again (at or before the cursor), the last page, or an applied run', async () => {
    const at = {
      applyCursor: { personId: 'p-4', episode: 1 },
      applyProgress: { scanned: 4, changed: 2, skipped: 2, pages: 2 },
    };
    expect(await recorded(at, page('p-4'))).toEqual([]);
    expect(await recorded(at, page('p-2'))).toEqual([]);
    expect(await recorded(at, page(null))).toEqual([]);
    expect(await recorded({ ...at, appliedAt: new Date() }, page('p-6'))).toEqual([]);
  });
});
