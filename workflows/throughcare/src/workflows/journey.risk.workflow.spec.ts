import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { riskAssessedUpdate, type PlanView, type RiskAssessed } from '@throughcare/contracts';
import * as harness from './journey-harness';

const { advance, receptionInput, recordHistory, recordingActivities, screenAndRefer, serverNow } = harness;
const { startJourney, tell, waitForEffect, waitForPlan, withWorkers, useJourneyEnvironment } = harness;

let env: TestWorkflowEnvironment;
useJourneyEnvironment((created) => (env = created));

/** A risk assessment of today, `version`, medium and no MAPPA unless `more` says otherwise. */
const risk = async (
  version: number,
  more: Partial<RiskAssessed> = {},
): Promise<Omit<RiskAssessed, 'eventId'>> => ({
  version,
  likelihoodOfReoffending: 'MEDIUM',
  riskOfSeriousHarm: 'MEDIUM',
  mappa: null,
  assessedOn: (await serverNow(env)).slice(0, 10),
  rises: [],
  ...more,
});
const escalations = (p: PlanView) => (p.attention ?? []).filter((a) => a.action.startsWith('risk-rose:'));

describe('journey: risk assessments (risk-assessed-1, issue 10)', () => {
  it('a rise is escalated to the responsible agency once; a duplicate and a fall change nothing', async () => {
    const acts = recordingActivities();
    await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, await receptionInput(env));
      const referred = await screenAndRefer(env, handle, acts, ['ACCOMMODATION']);

      await tell(handle, riskAssessedUpdate, await risk(1));
      const first = await waitForPlan(handle, (p) => p.risk?.version === 1 && !p.working, 'first risk kept');
      expect(first.risk).toMatchObject({ riskOfSeriousHarm: 'MEDIUM', rises: [] });
      expect(escalations(first)).toEqual([]);

      // Risk of serious harm rises, and the person becomes a MAPPA case.
      await advance(env, '1 day', handle);
      const rise = { ...(await risk(2, { riskOfSeriousHarm: 'HIGH', mappa: { category: 2, level: 2 } })) };
      const eventId = randomUUID();
      await tell(handle, riskAssessedUpdate, { ...rise, eventId });
      const item = await waitForEffect(
        acts,
        (e): e is Extract<typeof e, { kind: 'attentionRecorded' }> =>
          e.kind === 'attentionRecorded' && e.action === 'risk-rose:v2' && e.status === 'OPEN',
        'the escalation recorded in the operator list',
      );
      expect(item.errorType).toBe('RISK_ESCALATED');
      const escalated = await waitForPlan(
        handle,
        (p) => escalations(p).length === 1 && !p.working,
        'escalated',
      );
      expect(escalations(escalated)[0]).toMatchObject({
        mustAct: `agency:${referred.agencyId}`,
        options: ['SKIP'],
        status: 'OPEN',
      });
      expect(escalations(escalated)[0]!.what).toContain('risk of serious harm HIGH');
      expect(escalated.risk).toMatchObject({ version: 2, rises: ['RISK_OF_SERIOUS_HARM', 'MAPPA_LEVEL'] });

      // The same event again (a redelivery) is harmless; a fall escalates nothing.
      await tell(handle, riskAssessedUpdate, { ...rise, eventId });
      await advance(env, '1 day', handle);
      await tell(handle, riskAssessedUpdate, await risk(3, { riskOfSeriousHarm: 'LOW' }));
      const fell = await waitForPlan(handle, (p) => p.risk?.version === 3 && !p.working, 'fall kept');
      expect(fell.risk).toMatchObject({ riskOfSeriousHarm: 'LOW', rises: [] });
      expect(escalations(fell).map((a) => a.action)).toEqual(['risk-rose:v2']);
      expect(
        acts.effects.filter((e) => e.kind === 'attentionRecorded' && e.action.startsWith('risk-rose:')),
      ).toHaveLength(1);
      await recordHistory(handle, 'v3.risk-assessed.rise-escalated-duplicate-fall');
    });
  });
});
