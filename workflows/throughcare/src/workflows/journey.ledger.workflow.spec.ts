import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  caseCloseRequestedUpdate,
  coreScreenCompletedUpdate,
  resolveAttentionUpdate,
  SearchAttributes,
  type ClocksReport,
  type PlanView,
} from '@throughcare/contracts';
import { deadlineFor, policyFor } from '@throughcare/domain';
import { OPERATOR_ATTRIBUTES_PATCH, SLA_LEDGER_PATCH } from './journey/journey-v2';
import {
  currentRunId,
  hasPatchMarker,
  receptionInput,
  recordHistory,
  recordingActivities,
  serverNow,
  settleAttention,
  skipTo,
  startJourney,
  tell,
  trace,
  waitForPlan,
  withWorkers,
  useJourneyEnvironment,
} from './journey-harness';

let env: TestWorkflowEnvironment;
useJourneyEnvironment((created) => (env = created));

/** Polls (real time) until a report of the journey satisfies `done`; returns the newest such. */
async function reported(
  acts: { clockReports: ClocksReport[] },
  done: (r: ClocksReport) => boolean,
  what: string,
): Promise<ClocksReport> {
  trace(`reported ${what}`);
  const until = Date.now() + 20_000;
  while (Date.now() < until) {
    const found = acts.clockReports.filter(done).at(-1);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(
    `timed out waiting for a clocks report: ${what}; reports: ${JSON.stringify(acts.clockReports.map((r) => r.clocks.map((c) => `${c.key}:${c.status}`)))}`,
  );
}
const statuses = (r: ClocksReport) => Object.fromEntries(r.clocks.map((c) => [c.key, c.status]));

describe('journey: the SLA ledger hears of every clock (sla-ledger-1), and operators can list breached journeys (operator-attributes-1)', () => {
  it('reports its clocks as they open, are met, breach and are cancelled at closure, each report once and numbered', async () => {
    const acts = recordingActivities({ client: env.client });
    const input = await receptionInput(env);
    const policy = policyFor(input.jurisdiction, input.receivedAt.slice(0, 10));
    await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, input);
      // Received: the two screens' clocks, open, with the journey's context.
      const opened = await reported(acts, (r) => statuses(r).coreScreen === 'OPEN', 'screens open');
      expect(opened).toMatchObject({
        personId: input.personId,
        episode: 1,
        journey: handle.workflowId,
        seq: 1,
        idempotencyKey: `${handle.workflowId}:clocks:${await currentRunId(handle)}:1`,
        jurisdiction: 'SCOTLAND',
        establishmentCode: 'BAR',
        localAuthority: input.homeLocalAuthority,
        policy: { id: policy.id, version: policy.version },
        correlationId: input.correlationId,
      });
      expect(statuses(opened)).toEqual({ coreScreen: 'OPEN', comprehensiveScreen: 'OPEN' });
      const core = opened.clocks.find((c) => c.key === 'coreScreen')!;
      expect(core).toMatchObject({
        clock: 'coreScreen',
        owedBy: 'prison:BAR',
        owedTo: 'person',
        startedAt: input.receivedAt,
        dueAt: deadlineFor(policy, 'coreScreen', new Date(input.receivedAt)).toISOString(),
      });

      // The core screen is done on time: met.
      const screening = await waitForPlan(
        handle,
        (p: PlanView) => p.assessmentId !== undefined,
        'core screen asked',
      );
      const completedAt = await serverNow(env);
      await tell(handle, coreScreenCompletedUpdate, {
        assessmentId: screening.assessmentId!,
        needs: [],
        riskOfSeriousHarm: 'LOW',
        completedAt,
      });
      const met = await reported(acts, (r) => statuses(r).coreScreen === 'MET', 'core screen met');
      expect(met.seq).toBeGreaterThan(opened.seq);
      expect(met.clocks.find((c) => c.key === 'coreScreen')).toMatchObject({
        status: 'MET',
        metAt: completedAt,
      });

      // The comprehensive screen is not done: past its due instant it is breached, with when.
      const due = deadlineFor(policy, 'comprehensiveScreen', new Date(input.receivedAt));
      await skipTo(env, due.getTime() + 1_000, handle);
      const breached = await reported(
        acts,
        (r) => statuses(r).comprehensiveScreen === 'BREACHED',
        'comprehensive screen breached',
      );
      const comprehensive = breached.clocks.find((c) => c.key === 'comprehensiveScreen')!;
      expect(comprehensive.dueAt).toBe(due.toISOString());
      expect(Date.parse(comprehensive.breachedAt!)).toBeGreaterThanOrEqual(due.getTime());
      expect(Date.parse(comprehensive.breachedAt!) - due.getTime()).toBeLessThanOrEqual(5_000);

      // Operators find it in the Temporal UI: OpenBreaches, Jurisdiction, SlaPolicy (operator-attributes-1).
      const attributes = async () => (await handle.describe()).typedSearchAttributes;
      const until = Date.now() + 10_000;
      while ((await attributes()).get(SearchAttributes.openBreaches) !== 1 && Date.now() < until)
        await new Promise((r) => setTimeout(r, 100));
      const typed = await attributes();
      expect([
        typed.get(SearchAttributes.openBreaches),
        typed.get(SearchAttributes.jurisdiction),
        typed.get(SearchAttributes.slaPolicy),
      ]).toEqual([1, 'SCOTLAND', `${policy.id} v${policy.version}`]);

      // Closed early: the breach stays breached, and every report went once, numbered 1, 2, 3 …
      await tell(handle, caseCloseRequestedUpdate, {
        reason: 'OTHER',
        requestedAt: await serverNow(env),
        note: 'test over',
      });
      await settleAttention(handle);
      expect(acts.clockReports.map((r) => r.seq)).toEqual(acts.clockReports.map((_, i) => i + 1));
      expect(new Set(acts.clockReports.map((r) => r.idempotencyKey)).size).toBe(acts.clockReports.length);
      expect(statuses(acts.clockReports.at(-1)!).comprehensiveScreen).toBe('BREACHED');
      const history = await handle.fetchHistory();
      expect(hasPatchMarker(history, SLA_LEDGER_PATCH)).toBe(true);
      expect(hasPatchMarker(history, OPERATOR_ATTRIBUTES_PATCH)).toBe(true);
      await recordHistory(handle, 'v3.sla-ledger.operator-attributes.clocks-reported');
    });
  });

  it('a clock that falls due just after a slow report is still breached on time', async () => {
    const acts = recordingActivities({ client: env.client, reportClocksMs: 3_000 });
    const input = await receptionInput(env);
    const policy = policyFor(input.jurisdiction, input.receivedAt.slice(0, 10));
    await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, input);
      await reported(acts, (r) => statuses(r).coreScreen === 'OPEN', 'screens open');
      const screening = await waitForPlan(
        handle,
        (p: PlanView) => p.assessmentId !== undefined,
        'core screen asked',
      );
      // The core screen is met: a report starts (3 s); time is skipped past the comprehensive
      // screen's due instant. (The test server holds time while the report runs, so this does not
      // reproduce the stall the loop's `continue` after a report fixes: time moving during a
      // report, seen once under load in journey.stages; it checks the report does not stop the
      // breach.)
      await tell(handle, coreScreenCompletedUpdate, {
        assessmentId: screening.assessmentId!,
        needs: [],
        riskOfSeriousHarm: 'LOW',
        completedAt: await serverNow(env),
      });
      const due = deadlineFor(policy, 'comprehensiveScreen', new Date(input.receivedAt));
      await skipTo(env, due.getTime() + 1_000, handle);
      const breached = await waitForPlan(
        handle,
        (p) => p.deadlines.find((d) => d.clock === 'comprehensiveScreen')?.status === 'BREACHED',
        'comprehensive screen breached',
      );
      expect(breached.deadlines.find((d) => d.clock === 'coreScreen')?.status).toBe('MET');
      await reported(acts, (r) => statuses(r).comprehensiveScreen === 'BREACHED', 'the breach reported');
      await tell(handle, caseCloseRequestedUpdate, {
        reason: 'OTHER',
        requestedAt: await serverNow(env),
        note: 'test over',
      });
      await settleAttention(handle);
    });
  });

  it('a report that fails for good is an attention item; RETRY reports the clocks as they then stand', async () => {
    const acts = recordingActivities({ client: env.client, failing: { reportClocks: 'permanent' } });
    const input = await receptionInput(env);
    await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, input);
      const held = await waitForPlan(
        handle,
        (p) => (p.attention ?? []).some((a) => a.action === 'sla-ledger' && a.status === 'OPEN'),
        'sla-ledger attention item',
      );
      const item = held.attention!.find((a) => a.action === 'sla-ledger')!;
      expect(item.mustAct).toBe('orchestrator (SLA ledger)');
      expect(acts.clockReports).toEqual([]);
      acts.failing.reportClocks = undefined;
      await tell(handle, resolveAttentionUpdate, {
        itemId: item.id,
        option: 'RETRY',
        by: 'operator:test',
        resolvedAt: await serverNow(env),
      });
      const report = await reported(acts, (r) => statuses(r).coreScreen === 'OPEN', 'reported after RETRY');
      expect(report.seq).toBe(1);
      // Closed with both screens still open: the last report has them cancelled, with why.
      await tell(handle, caseCloseRequestedUpdate, {
        reason: 'OTHER',
        requestedAt: await serverNow(env),
        note: 'test over',
      });
      await settleAttention(handle); // completed
      const last = acts.clockReports.at(-1)!;
      expect(statuses(last)).toEqual({ coreScreen: 'CANCELLED', comprehensiveScreen: 'CANCELLED' });
      expect(last.clocks.every((c) => c.note?.startsWith('case closed'))).toBe(true);
    });
  });
});
