import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { Client as PgClient } from 'pg';
import { ReleaseDateChangedV1, replanWorkflowId, type ReplanProgress } from '@throughcare/contracts';
import { dataConverterFrom } from '@throughcare/platform-temporal';
import type { EpisodeView } from './custody-episode.schemas';
import type {
  ReplanItemPage,
  ReplanItemView,
  ReplanRunView,
  UncalculatedEpisodePage,
} from './replan.schemas';
import type { SentenceCalculationOutcomeView, SentenceCalculationView } from './sentence-calculation.schemas';
import {
  aReception,
  authorizationOf,
  config,
  daysFrom,
  eventually,
  minutesAgo,
  personIdOf,
  prisonStaff,
  SPEC_STAFF,
  useLiberation,
} from './spec-support';

/** Proposing and applying a re-plan is a policy administrator's (review S2). */
const POLICY_ADMIN = {
  ...SPEC_STAFF,
  roles: ['policy-admin'],
} as const satisfies typeof SPEC_STAFF;

// Issue 10: a law change re-plans a cohort from a dry run staff have read first. The workflow is
// the orchestrator's own (workflows/throughcare), run here by a worker of this spec's on a task
// queue of its own; its activities run in the service under test (task queue "liberation").
//
// An applied re-plan adopts its record for every later calculation, and this database is shared
// with the spec files running alongside this one. So the record here reaches only sentences
// imposed from five days ahead (SENTENCED_ON_OR_AFTER), a day no other spec imposes sentences
// on, and is removed again after the file. Worked examples: a 300-day Scottish short-term
// sentence is released on day 120 at 40% (2/5), on day 90 at 30% (3/10).

const REPLAN_QUEUE = `spec-replan-${randomUUID()}`;
// A path, not an import: the workflow belongs to the orchestrator's project, and its worker bundles it.
const WORKFLOW_FILE = join(
  __dirname,
  ...['..', '..', '..', '..', 'workflows', 'throughcare', 'src', 'workflows'],
  'release-point-replan.workflow.ts',
);

describe('liberation: release-point re-plans (dry run, then apply) on a real Temporal workflow', () => {
  const ctx = useLiberation({ config: { REPLAN_WORKFLOW_TASK_QUEUE: REPLAN_QUEUE } });
  const day = daysFrom(Date.now());
  const policyId = `SPEC_SCOTLAND_THIRTY_${randomUUID().slice(0, 8).toUpperCase()}`;
  let worker: Worker;
  let running: Promise<void>;
  let workerConnection: NativeConnection;
  let temporal: Client;

  beforeAll(async () => {
    workerConnection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
    worker = await Worker.create({
      connection: workerConnection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: REPLAN_QUEUE,
      workflowsPath: WORKFLOW_FILE,
      dataConverter: dataConverterFrom(config),
    });
    running = worker.run();
    temporal = new Client({
      connection: await Connection.connect({ address: config.TEMPORAL_ADDRESS }),
      namespace: config.TEMPORAL_NAMESPACE,
      dataConverter: dataConverterFrom(config),
    });
  }, 120_000);

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await workerConnection?.close();
    await temporal?.connection.close();
    // Leave the shared database's policy table as it was (see the note at the top). The service
    // and its connections are closed by now (useLiberation's afterAll runs first).
    const owner = new PgClient({ connectionString: config.DATABASE_URL });
    await owner.connect();
    await owner.query(`DELETE FROM liberation.adopted_release_point WHERE policy_id IN ($1, $2)`, [
      policyId,
      `${policyId}_B`,
    ]);
    await owner.end();
  });

  const thirtyPercent = (overrides: Record<string, unknown> = {}) => ({
    reason: 'Spec: short-term release point from 40% to 30% for new sentences',
    establishments: ['BAR'],
    policy: {
      id: policyId,
      sentenceClass: 'SCOTLAND_SHORT_TERM',
      proportion: { num: 3, den: 10 },
      inForceFrom: day(5),
      appliesTo: { kind: 'SENTENCED_ON_OR_AFTER' },
      excludedOffenceCategories: [{ category: 'SCOTLAND_DOMESTIC_ABUSE' }],
      source: { citation: 'Spec instrument reg.2', url: 'https://www.legislation.gov.uk/ssi/2026' },
    },
    pageSize: 2,
    pauseMs: 0,
    pagesPerRun: 2,
    ...overrides,
  });

  /** A Scottish person received at `establishmentCode` with a recorded sentence of `days` from day(5). */
  async function sentenced(
    establishmentCode: string,
    days = 300,
    sentence: Record<string, unknown> = {},
  ): Promise<string> {
    const reception = aReception({
      establishmentCode,
      sentenceDate: day(-10),
      expectedReleaseDate: day(200),
    });
    expect((await ctx.lib.post('/receptions', reception)).status).toBe(201);
    const personId = personIdOf(reception.prisonNumber);
    const recorded = await ctx.lib.post(`/people/${personId}/episodes/1/sentence-calculations`, {
      sentences: [{ id: 'charge-1', sentenceDate: day(5), term: { days }, ...sentence }],
    });
    expect(recorded.status).toBe(201);
    return personId;
  }

  const run = async (id: string) =>
    (await (await ctx.lib.get(`/release-point-replans/${id}`)).json()) as ReplanRunView;
  const untilStatus = (id: string, status: ReplanRunView['status']) =>
    eventually(async () => ((await run(id)).status === status ? true : undefined), 60_000);
  async function allItems(id: string): Promise<ReplanItemView[]> {
    const items: ReplanItemView[] = [];
    let cursor: string | null = null;
    do {
      const page = (await (
        await ctx.lib.get(`/release-point-replans/${id}/items?limit=3${cursor ? `&cursor=${cursor}` : ''}`)
      ).json()) as ReplanItemPage;
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return items;
  }
  const episodeView = async (personId: string) =>
    (await (await ctx.lib.get(`/people/${personId}/episodes/1`)).json()) as EpisodeView;

  it('dry run lists who moves and changes nothing; apply records the new dates, re-plans each journey, and is done once', async () => {
    const moved = await sentenced('BAR');
    const excluded = await sentenced('BAR', 300, { offenceCategories: ['SCOTLAND_DOMESTIC_ABUSE'] });
    const elsewhere = await sentenced('GMR');
    const resentenced = await sentenced('BAR');
    const released = await sentenced('BAR');
    // The excluded offence stays at one-half (it is excluded from 40% too); the one elsewhere at 40%.
    const before = {
      [excluded]: (await episodeView(excluded)).expectedReleaseDate,
      [elsewhere]: (await episodeView(elsewhere)).expectedReleaseDate,
    };
    expect(before).toEqual({ [excluded]: day(5 + 149), [elsewhere]: day(5 + 119) });
    // No sentence recorded: the date was given at reception, so no re-plan can move it. Listed
    // as uncalculated (counted by the dry run), not silently left out (review M4 of stop 34).
    const byHand = aReception({
      establishmentCode: 'BAR',
      sentenceDate: day(-10),
      expectedReleaseDate: day(150),
    });
    expect((await ctx.lib.post('/receptions', byHand)).status).toBe(201);
    const uncalculated = personIdOf(byHand.prisonNumber);
    // No sentence calculation, but its official dates recorded (a long-term sentence): not listed
    // as uncalculated (README "Recorded sentence dates").
    const recordedOfficially = aReception({
      establishmentCode: 'BAR',
      sentenceDate: day(-10),
      expectedReleaseDate: day(150),
    });
    expect((await ctx.lib.post('/receptions', recordedOfficially)).status).toBe(201);
    const withRecordedDates = personIdOf(recordedOfficially.prisonNumber);
    expect(
      (
        await ctx.lib.post(`/people/${withRecordedDates}/episodes/1/recorded-dates`, {
          recordedBecause: 'SCOTLAND_LONG_TERM',
          dates: [{ type: 'PED', date: day(400), source: 'ESTABLISHMENT_CALCULATION' }],
        })
      ).status,
    ).toBe(201);
    // Receptions reversed as recorded in error: void episodes are in custody nowhere, so neither
    // is re-planned nor listed as uncalculated.
    const voided = await sentenced('BAR');
    const voidByHand = aReception({
      establishmentCode: 'BAR',
      sentenceDate: day(-10),
      expectedReleaseDate: day(150),
    });
    expect((await ctx.lib.post('/receptions', voidByHand)).status).toBe(201);
    for (const person of [voided, personIdOf(voidByHand.prisonNumber)])
      expect(
        (
          await ctx.lib.post(`/people/${person}/episodes/1/reception-reversal`, {
            reversedAt: minutesAgo(1),
            reason: 'RECEIVED_IN_ERROR',
          })
        ).status,
      ).toBe(201);
    // An HDC decision stands on this one's expected release date: the re-plan records the new
    // calculation but does not undo the decision (review S1): NEEDS_REVIEW, in the dry run too.
    const onHdc = await sentenced('BAR');
    // This one's HDC date is after the new ARD: the decision cannot stand (nobody is held past
    // the ARD), so the apply sets it aside and moves the date: NEEDS_REVIEW too (stop 35 review S1).
    const onLateHdc = await sentenced('BAR');
    // A Parole Board direction on the same sentences: a new release point moves the ARD, not the
    // sentences it was made on, so it stands (stop 37 review S1): kept, NEEDS_REVIEW, never set aside.
    const onParole = await sentenced('BAR');
    for (const [person, date, reason] of [
      [onHdc, day(92), 'HDC_APPROVED'],
      [onLateHdc, day(100), 'HDC_APPROVED'],
      [onParole, day(80), 'PAROLE'],
    ] as const)
      expect(
        (
          await ctx.lib.post(`/people/${person}/episodes/1/release-date`, {
            expectedReleaseDate: date,
            reason,
            // A parole direction names the calculation it was made on (review of stop 39, M4).
            ...(reason === 'PAROLE' ? { sentenceCalculationVersion: 1 } : {}),
          })
        ).status,
      ).toBe(201);

    // The prison's own official calculation is recorded (an ARD four days before the calculated
    // one): it takes precedence, so the re-plan records the new calculation and moves nothing
    // (NEEDS_REVIEW, naming the recorded date: README "Recorded sentence dates").
    const onOfficial = await sentenced('BAR');
    expect(
      (
        await ctx.lib.post(`/people/${onOfficial}/episodes/1/recorded-dates`, {
          recordedBecause: 'OFFICIAL_CALCULATION',
          dates: [
            { type: 'ARD', date: day(5 + 115), source: 'ESTABLISHMENT_CALCULATION' },
            { type: 'SED', date: day(5 + 299), source: 'ESTABLISHMENT_CALCULATION' },
          ],
        })
      ).status,
    ).toBe(201);
    expect((await episodeView(onOfficial)).expectedReleaseDate).toBe(day(5 + 115));

    // Any prison officer may read re-plans; proposing one is a policy administrator's (review S2).
    const byStaff = await ctx.lib.post('/release-point-replans', thirtyPercent());
    expect(byStaff.status).toBe(404);
    const created = await ctx.lib.post(
      '/release-point-replans',
      thirtyPercent(),
      { 'idempotency-key': `spec-replan-${policyId}` },
      POLICY_ADMIN,
    );
    expect(created.status).toBe(202);
    const { id } = (await created.json()) as ReplanRunView;
    await untilStatus(id, 'DRY_RUN_DONE');
    // The policy administrator reads the dry run too (and nothing else of the custody record).
    expect((await ctx.lib.get(`/release-point-replans/${id}`, POLICY_ADMIN)).status).toBe(200);
    expect((await ctx.lib.get(`/release-point-replans/${id}/items`, POLICY_ADMIN)).status).toBe(200);
    expect((await ctx.lib.get(`/people/${moved}/episodes/1`, POLICY_ADMIN)).status).toBe(404);

    const dryRun = await run(id);
    expect(dryRun).toMatchObject({
      status: 'DRY_RUN_DONE',
      jurisdiction: 'SCOTLAND',
      establishments: ['BAR'],
      apply: null,
      dryRun: { workflowId: replanWorkflowId(id, 'DRY_RUN') },
    });
    expect(dryRun.dryRun.scanned).toBeGreaterThanOrEqual(4);
    expect(dryRun.dryRun.uncalculated).toBeGreaterThanOrEqual(1);
    // The one at GMR (and any other Scottish episode with a calculation held elsewhere) is outside
    // the run: counted, never named (review stop 45, B1).
    expect(dryRun.dryRun.outsideScope).toBeGreaterThanOrEqual(1);
    const notMoved: UncalculatedEpisodePage['items'] = [];
    let next: string | null = null;
    do {
      const page = (await (
        await ctx.lib.get(`/release-point-replans/${id}/uncalculated?limit=2${next ? `&cursor=${next}` : ''}`)
      ).json()) as UncalculatedEpisodePage;
      notMoved.push(...page.items);
      next = page.nextCursor;
    } while (next);
    expect(notMoved.find((u) => u.personId === uncalculated)).toEqual({
      personId: uncalculated,
      episode: 1,
      establishmentCode: 'BAR',
      expectedReleaseDate: day(150),
    });
    // Nobody with a calculation is among them, and nobody outside the run's establishments.
    expect(notMoved.map((u) => u.personId)).not.toContain(moved);
    expect(notMoved.map((u) => u.personId)).not.toContain(withRecordedDates);
    expect(notMoved.map((u) => u.personId)).not.toContain(personIdOf(voidByHand.prisonNumber));
    expect((await allItems(id)).map((i) => i.personId)).not.toContain(voided);
    expect(notMoved.every((u) => u.establishmentCode === 'BAR')).toBe(true);
    expect((await allItems(id)).map((i) => i.personId)).not.toContain(uncalculated);
    const mine = (items: ReplanItemView[]) =>
      Object.fromEntries(
        items
          .filter((i) => [moved, excluded, elsewhere, resentenced, released].includes(i.personId))
          .map((i) => [i.personId, i]),
      );
    const proposals = mine(await allItems(id));
    // The excluded offence and the person held elsewhere are not in it.
    expect(Object.keys(proposals).sort()).toEqual([moved, resentenced, released].sort());
    expect(proposals[moved]).toMatchObject({
      status: 'PROPOSED',
      establishmentCode: 'BAR',
      releaseDateType: 'ARD',
      oldReleaseDate: day(5 + 119),
      newReleaseDate: day(5 + 89),
      oldDates: { ARD: day(5 + 119), SED: day(5 + 299) },
      newDates: { ARD: day(5 + 89), SED: day(5 + 299) },
      versionBefore: 1,
      appliedVersion: null,
      // What the dry run showed is kept, for the apply to be compared with (review stop 45, S4).
      dryRunReleaseDate: day(5 + 89),
      differsFromDryRun: false,
    });
    // Nothing changed yet.
    expect((await episodeView(moved)).expectedReleaseDate).toBe(day(5 + 119));
    // A decision kept on the date: proposed for review, its date not moved (HDC, and parole on a
    // release point alone).
    const keptFor = (reason: string) => ({
      status: 'NEEDS_REVIEW',
      oldReleaseDate: day(5 + 119),
      newReleaseDate: day(5 + 89),
      releaseDateKeptBecause: expect.stringMatching(
        new RegExp(`^the ${reason} decision of .* set the expected release date`),
      ),
      releaseDateDecisionSetAsideBecause: null,
      appliedVersion: null,
      decidedAt: null,
    });
    const items = await allItems(id);
    expect(items.find((i) => i.personId === onHdc)).toMatchObject(keptFor('HDC_APPROVED'));
    expect(items.find((i) => i.personId === onParole)).toMatchObject(keptFor('PAROLE'));
    expect((await allItems(id)).find((i) => i.personId === onLateHdc)).toMatchObject({
      status: 'NEEDS_REVIEW',
      newReleaseDate: day(5 + 89),
      releaseDateKeptBecause: null,
      releaseDateDecisionSetAsideBecause: expect.stringMatching(
        /^the HDC_APPROVED decision of .* cannot stand: its date is after the calculated ARD/,
      ),
      appliedVersion: null,
    });
    expect(items.find((i) => i.personId === onOfficial)).toMatchObject({
      status: 'NEEDS_REVIEW',
      oldReleaseDate: day(5 + 119),
      newReleaseDate: day(5 + 89),
      releaseDateKeptBecause: expect.stringMatching(
        new RegExp(
          `^the recorded official ARD ${day(5 + 115)} \\(recorded dates version 1\\) takes precedence`,
        ),
      ),
      releaseDateDecisionSetAsideBecause: null,
    });
    expect(dryRun.dryRun.needsReview).toBeGreaterThanOrEqual(1);
    const toReview = (await (
      await ctx.lib.get(`/release-point-replans/${id}/items?status=NEEDS_REVIEW&limit=500`)
    ).json()) as ReplanItemPage;
    expect(toReview.items.map((i) => i.personId)).toContain(onHdc);
    expect(toReview.items.every((i) => i.status === 'NEEDS_REVIEW')).toBe(true);

    // The workflow continued as new (2 episodes a page, 2 pages a run) and shows its counts in its memo.
    // The status is recorded by the last page's activity, a moment before the run completes.
    await temporal.workflow.getHandle(replanWorkflowId(id, 'DRY_RUN')).result();
    const described = await temporal.workflow.getHandle(replanWorkflowId(id, 'DRY_RUN')).describe();
    expect(described.status.name).toBe('COMPLETED');
    expect(described.memo?.['progress']).toMatchObject({
      scanned: dryRun.dryRun.scanned,
      changed: dryRun.dryRun.affected,
    });
    expect((described.memo?.['progress'] as ReplanProgress).pages).toBeGreaterThanOrEqual(3);
    const executions = [];
    for await (const e of temporal.workflow.list({
      query: `WorkflowId = '${replanWorkflowId(id, 'DRY_RUN')}'`,
    }))
      executions.push(e);
    expect(executions.length).toBeGreaterThanOrEqual(2);

    // Between the dry run and the apply step: one is resentenced (200 days), one is released,
    // one more is received and sentenced.
    const resentencing = await ctx.lib.post(`/people/${resentenced}/episodes/1/sentence-calculations`, {
      sentences: [{ id: 'charge-1', sentenceDate: day(5), term: { days: 200 } }],
    });
    expect(resentencing.status).toBe(201);
    expect(
      (
        await ctx.lib.post('/releases', {
          personId: released,
          establishmentCode: 'BAR',
          reason: 'RELEASED',
          releasedAt: minutesAgo(1),
        })
      ).status,
    ).toBe(201);
    const newcomer = await sentenced('BAR');

    expect((await ctx.lib.post(`/release-point-replans/${id}/apply`, {})).status).toBe(404);
    // Adopting the record changes the law at GMR too, which this run does not re-plan: refused
    // until the caller says so (review stop 45, B1). Nothing is asked or adopted.
    // (With the key the apply is then asked with: a refusal spends no key, review stop 45b M3.)
    const incomplete = await ctx.lib.post(
      `/release-point-replans/${id}/apply`,
      {},
      { 'idempotency-key': `spec-apply-${policyId}` },
      POLICY_ADMIN,
    );
    expect(incomplete.status).toBe(409);
    const refusal = (await incomplete.json()) as { code: string; outsideScope: number; detail: string };
    expect(refusal).toMatchObject({ code: 'REPLAN_COHORT_INCOMPLETE' });
    expect(refusal.outsideScope).toBeGreaterThanOrEqual(1);
    expect(refusal.detail).toMatch(/held outside BAR/);
    expect(JSON.stringify(refusal)).not.toContain(elsewhere);
    expect((await run(id)).status).toBe('DRY_RUN_DONE');
    const badBody = await ctx.lib.post(
      `/release-point-replans/${id}/apply`,
      { adoptForAllEstablishments: 'yes' },
      {},
      POLICY_ADMIN,
    );
    expect(badBody.status).toBe(400);
    expect(await badBody.json()).toMatchObject({
      errors: [expect.objectContaining({ field: 'adoptForAllEstablishments' })],
    });
    const applying = await ctx.lib.post(
      `/release-point-replans/${id}/apply`,
      { adoptForAllEstablishments: true },
      { 'x-correlation-id': 'spec-replan', 'idempotency-key': `spec-apply-${policyId}` },
      POLICY_ADMIN,
    );
    expect(applying.status).toBe(202);
    await untilStatus(id, 'APPLIED');
    // The same key answers the first answer; asked again without it, the run as it stands.
    const replayed = await ctx.lib.post(
      `/release-point-replans/${id}/apply`,
      { adoptForAllEstablishments: true },
      { 'idempotency-key': `spec-apply-${policyId}` },
      POLICY_ADMIN,
    );
    expect(replayed.status).toBe(202);
    // No body at all is the default body (review stop 45b, S2); asked again, the run as it stands.
    const again = await fetch(`${ctx.lib.base}/release-point-replans/${id}/apply`, {
      method: 'POST',
      headers: await authorizationOf(POLICY_ADMIN),
    });
    expect(again.status).toBe(200);

    const outcome = mine(await allItems(id));
    expect(outcome[moved]).toMatchObject({
      status: 'APPLIED',
      newReleaseDate: day(5 + 89),
      appliedVersion: 2,
    });
    // Recalculated from the sentences as they stood at the apply step: 60 of 200 days.
    expect(outcome[resentenced]).toMatchObject({
      status: 'APPLIED',
      newReleaseDate: day(5 + 59),
      versionBefore: 1,
    });
    expect(outcome[released]).toMatchObject({ status: 'SKIPPED', skipReason: 'NOT_OPEN_IN_SCOPE_AT_APPLY' });
    const newcomerItems = (await allItems(id)).filter((i) => i.personId === newcomer);
    expect(newcomerItems).toMatchObject([
      { status: 'APPLIED', newReleaseDate: day(5 + 89), versionBefore: 1 },
    ]);
    // What the apply did otherwise than the dry run showed is marked and counted (review stop 45,
    // S4): the resentenced person's date, and the newcomer the dry run never showed.
    expect(outcome[moved]).toMatchObject({ dryRunReleaseDate: day(5 + 89), differsFromDryRun: false });
    expect(outcome[resentenced]).toMatchObject({ dryRunReleaseDate: day(5 + 89), differsFromDryRun: true });
    expect(newcomerItems[0]).toMatchObject({ dryRunReleaseDate: null, differsFromDryRun: true });
    const differing = (await (
      await ctx.lib.get(`/release-point-replans/${id}/items?differsFromDryRun=true&limit=500`)
    ).json()) as ReplanItemPage;
    expect(differing.items.map((i) => i.personId)).toEqual(expect.arrayContaining([resentenced, newcomer]));
    expect(differing.items.map((i) => i.personId)).not.toContain(moved);
    expect(differing.items.every((i) => i.differsFromDryRun === true)).toBe(true);
    const same = (await (
      await ctx.lib.get(`/release-point-replans/${id}/items?differsFromDryRun=false&limit=500`)
    ).json()) as ReplanItemPage;
    expect(same.items.map((i) => i.personId)).toContain(moved);
    expect((await run(id)).apply?.differsFromDryRun).toBe(differing.items.length);
    const badFilter = await ctx.lib.get(`/release-point-replans/${id}/items?differsFromDryRun=yes`);
    expect(badFilter.status).toBe(400);
    expect(await badFilter.json()).toMatchObject({
      errors: [expect.objectContaining({ field: 'differsFromDryRun' })],
    });

    // Each moved person: a new sentence calculation by the re-plan, a new expected release date, and the event.
    const current = (await (
      await ctx.lib.get(`/people/${moved}/episodes/1/sentence-calculations/current`)
    ).json()) as SentenceCalculationView;
    expect(current).toMatchObject({
      version: 2,
      recordedBy: `replan:${id}`,
      releaseDate: { date: day(5 + 89) },
    });
    expect(current.policyIds).toContain(policyId);
    expect((await episodeView(moved)).expectedReleaseDate).toBe(day(5 + 89));
    const events = (await ctx.lib.eventsOnBus('custody.release-date.changed', moved)).map((e) =>
      ReleaseDateChangedV1.parse(e),
    );
    expect(events.at(-1)).toMatchObject({
      data: {
        expectedReleaseDate: day(5 + 89),
        previousExpectedReleaseDate: day(5 + 119),
        reason: 'RECALCULATION',
      },
    });
    for (const untouched of [excluded, elsewhere])
      expect((await episodeView(untouched)).expectedReleaseDate).toBe(before[untouched]);
    // The HDC decision's date stands; the calculation is recorded (its ARD at 30%) for review.
    expect((await allItems(id)).find((i) => i.personId === onHdc)).toMatchObject({
      status: 'NEEDS_REVIEW',
      appliedVersion: 2,
      decidedAt: expect.any(String),
    });
    expect((await episodeView(onHdc)).expectedReleaseDate).toBe(day(92));
    // The late HDC date is set aside: the date moves to the new ARD, and the item says why.
    expect((await allItems(id)).find((i) => i.personId === onLateHdc)).toMatchObject({
      status: 'NEEDS_REVIEW',
      appliedVersion: 2,
      releaseDateDecisionSetAsideBecause: expect.stringMatching(/cannot stand/),
    });
    expect((await episodeView(onLateHdc)).expectedReleaseDate).toBe(day(5 + 89));
    // The parole direction stands: its date, not the new ARD.
    expect((await allItems(id)).find((i) => i.personId === onParole)).toMatchObject({
      status: 'NEEDS_REVIEW',
      appliedVersion: 2,
      releaseDateDecisionSetAsideBecause: null,
    });
    expect((await episodeView(onParole)).expectedReleaseDate).toBe(day(80));
    // The recorded official date stands; the calculation is recorded beside it.
    expect((await allItems(id)).find((i) => i.personId === onOfficial)).toMatchObject({
      status: 'NEEDS_REVIEW',
      appliedVersion: 2,
    });
    expect(await episodeView(onOfficial)).toMatchObject({
      expectedReleaseDate: day(5 + 115),
      displayedReleaseDate: { type: 'ARD', date: day(5 + 115) },
      releaseDateSources: {
        calculated: { type: 'ARD', date: day(5 + 89) },
        recorded: { type: 'ARD', date: day(5 + 115) },
        recordedDatesVersion: 1,
      },
    });
    expect(
      (
        (await (
          await ctx.lib.get(`/people/${onHdc}/episodes/1/sentence-calculations/current`)
        ).json()) as SentenceCalculationView
      ).releaseDate?.date,
    ).toBe(day(5 + 89));
    expect(await ctx.lib.outboxRows('custody.release-date.changed', onHdc)).toHaveLength(2);
    const applied = await run(id);
    expect(applied.apply).toMatchObject({ workflowId: replanWorkflowId(id, 'APPLY') });
    expect(applied.apply?.applied).toBeGreaterThanOrEqual(3);
    expect(applied.apply?.skipped).toBeGreaterThanOrEqual(1);
    expect(applied.apply?.needsReview).toBeGreaterThanOrEqual(1);
    expect(applied.apply?.outsideScope).toBe(refusal.outsideScope);
    expect(applied.dryRun.outsideScope).toBe(dryRun.dryRun.outsideScope);

    // The record is adopted: a sentence recorded now is calculated with it.
    const later = await sentenced('GMR');
    const laterView = (await (
      await ctx.lib.get(`/people/${later}/episodes/1/sentence-calculations/current`)
    ).json()) as SentenceCalculationOutcomeView;
    expect(laterView.releaseDate?.date).toBe(day(5 + 89));

    // The same re-plan asked again (same key): the same run. Run twice as a new request: nothing moves.
    const retried = await ctx.lib.post(
      '/release-point-replans',
      thirtyPercent(),
      { 'idempotency-key': `spec-replan-${policyId}` },
      POLICY_ADMIN,
    );
    expect(retried.status).toBe(200);
    expect(((await retried.json()) as ReplanRunView).id).toBe(id);
    const second = (await (
      await ctx.lib.post('/release-point-replans', thirtyPercent(), {}, POLICY_ADMIN)
    ).json()) as ReplanRunView;
    await untilStatus(second.id, 'DRY_RUN_DONE');
    expect(Object.keys(mine(await allItems(second.id)))).toEqual([]);
    expect(
      (
        await ctx.lib.post(
          `/release-point-replans/${second.id}/apply`,
          { adoptForAllEstablishments: true },
          {},
          POLICY_ADMIN,
        )
      ).status,
    ).toBe(202);
    await untilStatus(second.id, 'APPLIED');
    expect((await episodeView(moved)).expectedReleaseDate).toBe(day(5 + 89));
    expect(await ctx.lib.outboxRows('custody.release-date.changed', moved)).toHaveLength(2);

    // The same id with other values is another law: refused, while one is adopted (review stop 45, B1).
    const quarter = await ctx.lib.post(
      '/release-point-replans',
      thirtyPercent({ policy: { ...thirtyPercent().policy, proportion: { num: 1, den: 4 } } }),
      {},
      POLICY_ADMIN,
    );
    expect(quarter.status).toBe(422);
    expect(await quarter.json()).toMatchObject({ code: 'REPLAN_POLICY_CONFLICT', field: 'policy.id' });
  }, 180_000);

  it('two proposals of one id with other values: the second cannot apply while the first is applying or adopted (review stop 45, B1)', async () => {
    await sentenced('BAR');
    const other = `${policyId}_B`;
    const bothExcluded = [
      { category: 'SCOTLAND_DOMESTIC_ABUSE' },
      { category: 'SCOTLAND_SEXUAL_SOA2003_SCH3' },
    ];
    const proposal = (num: number, policy: Record<string, unknown> = {}) =>
      thirtyPercent({
        policy: {
          ...thirtyPercent().policy,
          id: other,
          proportion: { num, den: 10 },
          excludedOffenceCategories: bothExcluded,
          ...policy,
        },
      });
    const first = (await (
      await ctx.lib.post('/release-point-replans', proposal(3), {}, POLICY_ADMIN)
    ).json()) as ReplanRunView;
    // Proposed before the first is applied: accepted (nothing is adopted or applying yet).
    const rival = (await (
      await ctx.lib.post('/release-point-replans', proposal(2), {}, POLICY_ADMIN)
    ).json()) as ReplanRunView;
    await untilStatus(first.id, 'DRY_RUN_DONE');
    await untilStatus(rival.id, 'DRY_RUN_DONE');
    // Both asked at the same moment: one at a time under the id's lock, so exactly one is applied
    // and the other refused (review stop 45b, M2: both used to be asked, and both then failed).
    // The lock is held here until both wait on it, so the two are truly at once (review 45c, S3).
    const applyBody = { adoptForAllEstablishments: true };
    const holder = new PgClient({ connectionString: config.DATABASE_URL });
    await holder.connect();
    const lockKey = `liberation:policy:${other}`;
    let answers: Array<{ run: ReplanRunView; response: Response }>;
    try {
      await holder.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [lockKey]);
      const asked = Promise.all(
        [first, rival].map(async (r) => ({
          run: r,
          response: await ctx.lib.post(`/release-point-replans/${r.id}/apply`, applyBody, {}, POLICY_ADMIN),
        })),
      );
      await eventually(async () => {
        const [{ waiting }] = (
          await holder.query(
            `SELECT count(*)::int AS waiting FROM pg_locks l
              WHERE l.locktype = 'advisory' AND NOT l.granted
                AND l.objsubid = 1
                AND l.classid::bigint = ((hashtextextended($1, 0) >> 32) & 4294967295)
                AND l.objid::bigint = (hashtextextended($1, 0) & 4294967295)`,
            [lockKey],
          )
        ).rows as [{ waiting: number }];
        return waiting === 2 ? true : undefined;
      }, 30_000);
      await holder.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [lockKey]);
      answers = await asked;
    } finally {
      await holder.end();
    }
    expect(answers.map((a) => a.response.status).sort()).toEqual([202, 409]);
    const winner = answers.find((a) => a.response.status === 202)!.run;
    const loser = answers.find((a) => a.response.status === 409)!;
    expect(await loser.response.json()).toMatchObject({ code: 'REPLAN_POLICY_CONFLICT' });
    expect((await run(loser.run.id)).status).toBe('DRY_RUN_DONE');
    await untilStatus(winner.id, 'APPLIED');
    const adopted: Array<{ version: number; run_id: string }> = await ctx.lib.dataSource.query(
      `SELECT version, run_id FROM liberation.adopted_release_point WHERE policy_id = $1`,
      [other],
    );
    expect(adopted).toEqual([{ version: 1, run_id: winner.id }]);
    // Once adopted, the winner's law with its exclusions in another order and a corrected citation
    // is the same law (review stop 45b, S5); with one exclusion fewer it is another; the loser's is
    // refused at once.
    const citation = {
      citation: 'Spec instrument reg.2 (corrected)',
      url: 'https://www.legislation.gov.uk/ssi/2026',
    };
    const reordered = await ctx.lib.post(
      '/release-point-replans',
      proposal(winner.policy.proportion.num, {
        excludedOffenceCategories: [...bothExcluded].reverse(),
        source: citation,
      }),
      {},
      POLICY_ADMIN,
    );
    expect(reordered.status).toBe(202);
    const narrower = await ctx.lib.post(
      '/release-point-replans',
      proposal(winner.policy.proportion.num, { excludedOffenceCategories: [bothExcluded[0]] }),
      {},
      POLICY_ADMIN,
    );
    expect(narrower.status).toBe(422);
    expect(await narrower.json()).toMatchObject({ code: 'REPLAN_POLICY_CONFLICT', field: 'policy.id' });
    const late = await ctx.lib.post(
      '/release-point-replans',
      proposal(loser.run.policy.proportion.num),
      {},
      POLICY_ADMIN,
    );
    expect(late.status).toBe(422);
    expect(await late.json()).toMatchObject({ code: 'REPLAN_POLICY_CONFLICT', field: 'policy.id' });

    // A key used while the dry run was not done is not spent (review stop 45b, M3): a run of the
    // winner's law whose dry run never started (as if its start had failed after the run was
    // committed); asked to apply with a key, 409 (its dry run started); asked again with the same
    // key once it is done, applied.
    const copy = randomUUID();
    await ctx.lib.dataSource.query(
      `INSERT INTO liberation.replan_run (id, jurisdiction, policy_id, policy, reason, establishments, as_at, page_size, pause_ms, pages_per_run, requested_at, requested_by, correlation_id)
       SELECT $1, jurisdiction, policy_id, policy, reason, establishments, as_at, page_size, pause_ms, pages_per_run, now(), requested_by, correlation_id
         FROM liberation.replan_run WHERE id = $2`,
      [copy, winner.id],
    );
    const key = { 'idempotency-key': `spec-apply-copy-${copy}` };
    const notYet = await ctx.lib.post(`/release-point-replans/${copy}/apply`, applyBody, key, POLICY_ADMIN);
    expect(notYet.status).toBe(409);
    expect(await notYet.json()).toMatchObject({ code: 'REPLAN_DRY_RUN_NOT_DONE' });
    await untilStatus(copy, 'DRY_RUN_DONE');
    const asked = await ctx.lib.post(`/release-point-replans/${copy}/apply`, applyBody, key, POLICY_ADMIN);
    expect(asked.status).toBe(202);
    expect(((await asked.json()) as ReplanRunView).apply).toMatchObject({ requestedBy: expect.any(String) });
    await untilStatus(copy, 'APPLIED');
  }, 180_000);

  it('filters runs by status and jurisdiction and the uncalculated list by establishment; a cursor from a filtered page continues the filtered list; a bad filter is 400 naming it', async () => {
    // Establishments of this test's own, none of whose rows exist yet in the shared database, so
    // that every list below is exactly what the test recorded.
    const used = async (code: string) =>
      (
        (await ctx.lib.dataSource.query(
          `SELECT 1 FROM liberation.custody_episode WHERE establishment_code = $1
           UNION ALL SELECT 1 FROM liberation.replan_run WHERE $1 = ANY(establishments) LIMIT 1`,
          [code],
        )) as unknown[]
      ).length > 0;
    const fresh = async (not: string[] = []): Promise<string> => {
      for (;;) {
        const code = `R${Array.from({ length: 2 }, () => String.fromCharCode(65 + Math.floor(Math.random() * 26))).join('')}`;
        if (!not.includes(code) && !(await used(code))) return code;
      }
    };
    const here = await fresh();
    const there = await fresh([here]);
    const staff = prisonStaff(here, there);

    // Runs newest first: DRY_RUN_DONE in Scotland, in England and Wales, in Scotland again, then
    // APPLIED, APPLYING and DRY_RUN_RUNNING (inserted as they stand: no workflow is started).
    const minutes = (n: number) => `now() - interval '${n} minutes'`;
    const runs: Array<[string, 'SCOTLAND' | 'ENGLAND_AND_WALES', string, string, string]> = [
      ['SCOTLAND', minutes(30), 'NULL', 'NULL'],
      ['ENGLAND_AND_WALES', minutes(30), 'NULL', 'NULL'],
      ['SCOTLAND', minutes(30), 'NULL', 'NULL'],
      ['SCOTLAND', minutes(30), minutes(20), minutes(10)],
      ['SCOTLAND', minutes(30), minutes(20), 'NULL'],
      ['ENGLAND_AND_WALES', 'NULL', 'NULL', 'NULL'],
    ].map(([jurisdiction, done, applyRequested, applied]) => [
      randomUUID(),
      jurisdiction as 'SCOTLAND' | 'ENGLAND_AND_WALES',
      done!,
      applyRequested!,
      applied!,
    ]);
    for (const [i, [id, jurisdiction, done, applyRequested, applied]] of runs.entries())
      await ctx.lib.dataSource.query(
        `INSERT INTO liberation.replan_run (id, jurisdiction, policy_id, policy, reason, establishments, as_at, page_size, pause_ms, pages_per_run, requested_at, requested_by, correlation_id, dry_run_done_at, apply_requested_at, apply_requested_by, applied_at)
         VALUES ($1, $2, 'X_SPEC', '{}', 'spec', $3, $4, 10, 0, 10, now() - make_interval(mins => $5), 'spec', 'spec',
                 ${done}, ${applyRequested}, ${applyRequested === 'NULL' ? 'NULL' : "'spec'"}, ${applied})`,
        [id, jurisdiction, [here, there], day(0), i + 1],
      );
    const [done1, doneEw, done2, applied, applying, running] = runs.map(([id]) => id);
    const list = async (query: string) => {
      const response = await ctx.lib.get(`/release-point-replans?${query}`, staff);
      expect(response.status).toBe(200);
      return (await response.json()) as { items: ReplanRunView[]; nextCursor: string | null };
    };
    const ids = async (query: string) => (await list(query)).items.map((r) => [r.id, r.status]);
    expect(await ids('')).toEqual([
      [done1, 'DRY_RUN_DONE'],
      [doneEw, 'DRY_RUN_DONE'],
      [done2, 'DRY_RUN_DONE'],
      [applied, 'APPLIED'],
      [applying, 'APPLYING'],
      [running, 'DRY_RUN_RUNNING'],
    ]);
    expect(await ids('status=APPLIED')).toEqual([[applied, 'APPLIED']]);
    expect(await ids('status=APPLYING')).toEqual([[applying, 'APPLYING']]);
    expect(await ids('status=DRY_RUN_RUNNING')).toEqual([[running, 'DRY_RUN_RUNNING']]);
    expect((await list('jurisdiction=ENGLAND_AND_WALES')).items.map((r) => r.id)).toEqual([doneEw, running]);
    // Two Scottish dry runs done, the English one between them: one a page.
    const first = await list('status=DRY_RUN_DONE&jurisdiction=SCOTLAND&limit=1');
    expect(first.items.map((r) => r.id)).toEqual([done1]);
    expect(first.nextCursor).not.toBeNull();
    const second = await list(`status=DRY_RUN_DONE&jurisdiction=SCOTLAND&limit=1&cursor=${first.nextCursor}`);
    expect(second.items.map((r) => r.id)).toEqual([done2]);
    expect(second.nextCursor).toBeNull();

    // Three Scottish episodes with no calculation, in person id order: here, there, here.
    const receptions = [aReception(), aReception(), aReception()].sort((a, b) =>
      personIdOf(a.prisonNumber) < personIdOf(b.prisonNumber) ? -1 : 1,
    );
    const at = [here, there, here];
    for (const [i, reception] of receptions.entries())
      expect(
        (
          await ctx.lib.post(
            '/receptions',
            { ...reception, establishmentCode: at[i], sentenceDate: day(-10), expectedReleaseDate: day(150) },
            {},
            prisonStaff(at[i]!),
          )
        ).status,
      ).toBe(201);
    const [p1, p2, p3] = receptions.map((r) => personIdOf(r.prisonNumber));
    const uncalculated = async (query: string) => {
      const response = await ctx.lib.get(`/release-point-replans/${done1}/uncalculated?${query}`, staff);
      expect(response.status).toBe(200);
      return (await response.json()) as UncalculatedEpisodePage;
    };
    const people = async (query: string) =>
      (await uncalculated(query)).items.map((u) => [u.personId, u.establishmentCode]);
    expect(await people('')).toEqual([
      [p1, here],
      [p2, there],
      [p3, here],
    ]);
    expect(await people(`establishmentCode=${there}`)).toEqual([[p2, there]]);
    // Not one of the run's establishments: nothing.
    expect(await people('establishmentCode=BAR')).toEqual([]);
    const page1 = await uncalculated(`establishmentCode=${here}&limit=1`);
    expect(page1.items.map((u) => u.personId)).toEqual([p1]);
    expect(page1.nextCursor).not.toBeNull();
    const page2 = await uncalculated(`establishmentCode=${here}&limit=1&cursor=${page1.nextCursor}`);
    expect(page2.items.map((u) => u.personId)).toEqual([p3]);
    expect(page2.nextCursor).toBeNull();

    for (const [path, field] of [
      ['/release-point-replans?status=DONE', 'status'],
      ['/release-point-replans?jurisdiction=WALES', 'jurisdiction'],
      [
        `/release-point-replans/${done1}/uncalculated?establishmentCode=${here.toLowerCase()}`,
        'establishmentCode',
      ],
    ] as const) {
      const bad = await ctx.lib.get(path, staff);
      expect(bad.status).toBe(400);
      expect(bad.headers.get('content-type')).toContain('application/problem+json');
      expect(((await bad.json()) as { errors: Array<{ field: string }> }).errors.map((e) => e.field)).toEqual(
        [field],
      );
    }
  });

  it('refuses bad proposals (400 naming the field), a baseline record (422), apply before the dry run is done (409), and hides other prisons’ runs (404)', async () => {
    const bad = await ctx.lib.post(
      '/release-point-replans',
      thirtyPercent({ policy: { ...thirtyPercent().policy, proportion: { num: 5, den: 4 } } }),
      {},
      POLICY_ADMIN,
    );
    expect(bad.status).toBe(400);
    expect((await bad.json()) as { errors: Array<{ field: string }> }).toMatchObject({
      errors: [{ field: 'policy.proportion' }],
    });
    const notMine = await ctx.lib.post(
      '/release-point-replans',
      thirtyPercent({ establishments: ['XYZ'] }),
      {},
      POLICY_ADMIN,
    );
    expect(notMine.status).toBe(400);
    const baseline = await ctx.lib.post(
      '/release-point-replans',
      thirtyPercent({ policy: { ...thirtyPercent().policy, id: 'SCOTLAND_ST_HALF_1993' } }),
      {},
      POLICY_ADMIN,
    );
    expect(baseline.status).toBe(422);
    expect(await baseline.json()).toMatchObject({
      code: 'REPLAN_BASELINE_RECORD',
      field: 'policy.id',
    });
    // Review S2: a verified record is not replaced; a commencement in the past is refused.
    const verified = await ctx.lib.post(
      '/release-point-replans',
      thirtyPercent({ policy: { ...thirtyPercent().policy, id: 'SCOTLAND_ST_TWO_FIFTHS_2025' } }),
      {},
      POLICY_ADMIN,
    );
    expect(verified.status).toBe(422);
    expect(await verified.json()).toMatchObject({
      code: 'REPLAN_VERIFIED_RECORD',
      field: 'policy.id',
    });
    const past = await ctx.lib.post(
      '/release-point-replans',
      thirtyPercent({ policy: { ...thirtyPercent().policy, inForceFrom: day(-1) } }),
      {},
      POLICY_ADMIN,
    );
    expect(past.status).toBe(422);
    expect(await past.json()).toMatchObject({
      code: 'REPLAN_IN_FORCE_IN_THE_PAST',
      field: 'policy.inForceFrom',
    });

    // A run whose dry run never started (as if its start had failed after the run was committed).
    const id = randomUUID();
    await ctx.lib.dataSource.query(
      `INSERT INTO liberation.replan_run (id, jurisdiction, policy_id, policy, reason, establishments, as_at, page_size, pause_ms, pages_per_run, requested_at, requested_by, correlation_id)
       VALUES ($1, 'SCOTLAND', 'X_SPEC', '{}', 'spec', '{BAR}', $2, 10, 0, 10, now(), 'spec', 'spec')`,
      [id, day(0)],
    );
    const early = await ctx.lib.post(`/release-point-replans/${id}/apply`, {}, {}, POLICY_ADMIN);
    expect(early.status).toBe(409);
    expect(await early.json()).toMatchObject({ code: 'REPLAN_DRY_RUN_NOT_DONE' });
    // Review M11: not left orphaned in DRY_RUN_RUNNING: asking to apply started its dry run.
    const orphanDryRun = await eventually(async () => {
      try {
        return await temporal.workflow.getHandle(replanWorkflowId(id, 'DRY_RUN')).describe();
      } catch {
        return undefined;
      }
    }, 30_000);
    expect(orphanDryRun.memo).toMatchObject({ runId: id, phase: 'DRY_RUN' });
    await untilStatus(id, 'DRY_RUN_DONE');
    const lei = { roles: ['prison-staff'], establishments: ['LEI'] };
    expect((await ctx.lib.get(`/release-point-replans/${id}`, lei)).status).toBe(404);
    const leiAdmin = { roles: ['policy-admin'], establishments: ['LEI'] };
    expect((await ctx.lib.post(`/release-point-replans/${id}/apply`, {}, {}, leiAdmin)).status).toBe(404);
  });
});
