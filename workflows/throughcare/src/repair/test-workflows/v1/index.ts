import { condition, sleep } from '@temporalio/workflow';
import { handleFacts } from '../messages';

/**
 * Test-only stand-in for a journey (registered under the journey's type), first version: the first
 * fact, by update or signal, is followed in the same workflow task by a timer. Version 2 (../v2)
 * starts no timer there, so its replay of a history this version wrote fails at the TimerStarted:
 * a non-determinism failure in a task that accepted an update (as the SDK defect does) when the
 * fact came by update, and in one that did not when it came by signal.
 */
export async function throughcareJourney(): Promise<void> {
  const facts: string[] = [];
  handleFacts(facts);
  await condition(() => facts.length > 0);
  await sleep('1 day');
}
