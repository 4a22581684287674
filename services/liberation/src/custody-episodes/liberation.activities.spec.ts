import { mockActivityEnvironment } from '@throughcare/testing';
import { ApplicationFailure } from '@temporalio/common';
import { EpisodeNotFoundError } from './custody-episode.errors';
import type { GatePickupService } from './gate-pickup.service';
import type { JourneyStageService } from './journey-stage.service';
import { createLiberationActivities, EPISODE_LATE_ATTEMPTS } from './liberation.activities';
import type { MeetingService } from './meeting.service';
import type { PersonAgeService } from './person-age.service';

/** Services that know no episode (the reception is still on its way from the bus). */
const notYet = () => Promise.reject(EpisodeNotFoundError.of('p0123456789abcdef0123', 1));
const activities = createLiberationActivities(
  { record: notYet } as unknown as JourneyStageService,
  { book: notYet } as unknown as GatePickupService,
  { book: notYet } as unknown as MeetingService,
  { ageOn: notYet } as unknown as PersonAgeService,
);
const input = {
  idempotencyKey: 'k',
  personId: 'p0123456789abcdef0123',
  episode: 1,
  establishmentCode: 'BAR',
  liberationDate: '2027-06-01',
  correlationId: 'c',
};

describe('liberation activities: an episode not recorded yet', () => {
  it.each([1, EPISODE_LATE_ATTEMPTS - 1])(
    'is retried on attempt %i (it may be on its way from the bus)',
    async (attempt) => {
      const env = mockActivityEnvironment({ attempt });
      const error = await env.run(activities.bookGatePickup, input).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApplicationFailure);
      expect(error).toMatchObject({ type: 'EPISODE_NOT_FOUND', nonRetryable: false });
    },
  );

  it("is retried when the journey asks the person's age too, and final from the last late attempt on", async () => {
    const ask = { personId: input.personId, episode: 1, at: '2027-01-01T00:00:00.000Z' };
    const retried = await mockActivityEnvironment({ attempt: 1 })
      .run(activities.personAgeOn, ask)
      .catch((e: unknown) => e);
    expect(retried).toMatchObject({ type: 'EPISODE_NOT_FOUND', nonRetryable: false });
    const final = await mockActivityEnvironment({ attempt: EPISODE_LATE_ATTEMPTS })
      .run(activities.personAgeOn, ask)
      .catch((e: unknown) => e);
    expect(final).toMatchObject({ type: 'EPISODE_NOT_FOUND', nonRetryable: true });
  });

  it('is final from the last late attempt on', async () => {
    const env = mockActivityEnvironment({ attempt: EPISODE_LATE_ATTEMPTS });
    const error = await env
      .run(activities.recordEpisodeStage, {
        idempotencyKey: 'k',
        personId: input.personId,
        episode: 1,
        stage: 'CORE_SCREEN',
        at: '2027-01-01T00:00:00.000Z',
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ type: 'EPISODE_NOT_FOUND', nonRetryable: true });
  });
});
