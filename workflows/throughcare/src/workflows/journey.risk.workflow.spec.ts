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

describe('journey: risk assessments (risk-assessed-1, risk-notice-1; issue 10)', () => {
  it('a rise is told to the responsible agency once (a RISK_ESCALATED notice); a duplicate and a fall change nothing', async () => {
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
      // Since risk-notice-1 the responsible agency itself is told (the bands, never the reasons).
      const notice = await waitForEffect(
        acts,
        (e): e is Extract<typeof e, { kind: 'agencyNotified' }> =>
          e.kind === 'agencyNotified' && e.subject === 'RISK_ESCALATED',
        'the agency told of the rise',
      );
      expect(notice.agencyId).toBe(referred.agencyId);
      const escalated = await waitForPlan(
        handle,
        (p) => p.risk?.version === 2 && !p.working,
        'rise kept and told',
      );
      expect(escalated.risk).toMatchObject({ version: 2, rises: ['RISK_OF_SERIOUS_HARM', 'MAPPA_LEVEL'] });
      const told = (escalated.notifications ?? []).filter((n) => n.subject === 'RISK_ESCALATED');
      expect(told).toHaveLength(1);
      expect(told[0]!.message).toContain('risk of serious harm HIGH');
      expect(told[0]!.message).toContain('MAPPA category 2 level 2');
      // The agency was told: no attention item waits on anyone.
      expect(escalations(escalated)).toEqual([]);

      // The same event again (a redelivery) is harmless; a fall tells nothing.
      await tell(handle, riskAssessedUpdate, { ...rise, eventId });
      await advance(env, '1 day', handle);
      await tell(handle, riskAssessedUpdate, await risk(3, { riskOfSeriousHarm: 'LOW' }));
      const fell = await waitForPlan(handle, (p) => p.risk?.version === 3 && !p.working, 'fall kept');
      expect(fell.risk).toMatchObject({ riskOfSeriousHarm: 'LOW', rises: [] });
      expect(escalations(fell)).toEqual([]);
      expect(
        acts.effects.filter((e) => e.kind === 'agencyNotified' && e.subject === 'RISK_ESCALATED'),
      ).toHaveLength(1);
      expect(
        acts.effects.filter((e) => e.kind === 'attentionRecorded' && e.action.startsWith('risk-rose:')),
      ).toEqual([]);
      await recordHistory(handle, 'v3.risk-notice.rise-told-duplicate-fall');
    });
  });
});
