import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';

export interface PersonMarker {
  prisonNumber: string;
  name: string;
}

export interface PersonEchoActivities {
  describePerson(person: PersonMarker): Promise<string>;
  refusePerson(person: PersonMarker): Promise<string>;
}

const { describePerson, refusePerson } = proxyActivities<PersonEchoActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 1 },
});

/**
 * Carries personal-looking data through every kind of payload a journey has: workflow input and
 * result, activity input and result, and an activity failure whose message names the person.
 */
export async function personEchoWorkflow(
  person: PersonMarker,
): Promise<{ description: string; refusal: string }> {
  const description = await describePerson(person);
  let refusal = '';
  try {
    await refusePerson(person);
  } catch (e) {
    refusal = e instanceof Error && e.cause instanceof ApplicationFailure ? e.cause.message : String(e);
  }
  return { description, refusal };
}
