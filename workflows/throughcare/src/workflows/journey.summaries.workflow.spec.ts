import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { defaultPayloadConverter } from '@temporalio/common';
import { coreScreenCompletedUpdate } from '@throughcare/contracts';
import {
  ASSESSMENT_SUMMARIES,
  DIRECTORY_SUMMARIES,
  LIBERATION_SUMMARIES,
  REFERRAL_SUMMARIES,
  THROUGHCARE_SUMMARIES,
} from './journey/summaries';
import {
  receptionInput,
  recordingActivities,
  startJourney,
  tell,
  useJourneyEnvironment,
  waitForPlan,
  withWorkers,
} from './journey-harness';

let env: TestWorkflowEnvironment;
useJourneyEnvironment((created) => (env = created));

const SUMMARIES: Record<string, string> = {
  ...ASSESSMENT_SUMMARIES,
  ...DIRECTORY_SUMMARIES,
  ...REFERRAL_SUMMARIES,
  ...LIBERATION_SUMMARIES,
  ...THROUGHCARE_SUMMARIES,
};

const summaryOf = (metadata: { summary?: unknown } | null | undefined): string | undefined =>
  metadata?.summary ? defaultPayloadConverter.fromPayload<string>(metadata.summary as never) : undefined;

describe("journey: its event history reads as the case's story (issue 11: activity and timer summaries)", () => {
  it('gives every activity it schedules its step in words, and its timers why it wakes, naming nobody', async () => {
    const acts = recordingActivities({ client: env.client });
    const input = await receptionInput(env);
    await withWorkers(env, acts, async () => {
      const handle = await startJourney(env, input);
      const asked = await waitForPlan(
        handle,
        (p) => p.assessmentId !== undefined,
        'the core screen asked for',
      );
      await tell(handle, coreScreenCompletedUpdate, {
        assessmentId: asked.assessmentId!,
        needs: ['ACCOMMODATION'],
        riskOfSeriousHarm: 'LOW',
        completedAt: input.receivedAt,
        eventId: 'core-1',
      });
      await waitForPlan(handle, (p) => p.stage !== 'CORE_SCREEN', 'past the core screen');
      const history = await handle.fetchHistory();
      const scheduled = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes);
      const timers = (history.events ?? []).filter((e) => e.timerStartedEventAttributes);
      expect(scheduled.length).toBeGreaterThan(2);
      expect(timers.length).toBeGreaterThan(0);
      // Each activity: the summary of its type, word for word.
      expect(
        scheduled.map((e) => [
          e.activityTaskScheduledEventAttributes!.activityType!.name!,
          summaryOf(e.userMetadata),
        ]),
      ).toEqual(
        scheduled.map((e) => {
          const type = e.activityTaskScheduledEventAttributes!.activityType!.name!;
          return [type, SUMMARIES[type]];
        }),
      );
      // Each timer: why the journey wakes, and when.
      for (const t of timers)
        expect(summaryOf(t.userMetadata)).toMatch(
          /^Wake (when the next clock falls due|for the next planned step \(a review, a booking, a retry\)) \(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z\)$/,
        );
      // Stored in clear: no person's data in any of them.
      const all = [...scheduled, ...timers].map((e) => summaryOf(e.userMetadata) ?? '').join('\n');
      for (const personal of [input.personId, input.homeLocalAuthority, 'ACCOMMODATION'])
        expect(all).not.toContain(personal);
    });
  });
});
