import { condition, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import type { PersonEchoActivities, PersonMarker } from './person-echo.workflow';

const { describePerson } = proxyActivities<Pick<PersonEchoActivities, 'describePerson'>>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 1 },
});

/** The second person, told later (after the keys have rotated, in the key-rotation test). */
export const nextPersonSignal = defineSignal<[PersonMarker]>('nextPerson');

/**
 * Describes one person, waits to be told of a second, describes that one too: a history that
 * spans a change of the active payload key when the worker that finishes it is not the one that
 * began it.
 */
export async function keyRotationWorkflow(first: PersonMarker): Promise<string[]> {
  let second: PersonMarker | undefined;
  setHandler(nextPersonSignal, (person) => void (second = person));
  const described = await describePerson(first);
  await condition(() => second !== undefined);
  return [described, await describePerson(second!)];
}
