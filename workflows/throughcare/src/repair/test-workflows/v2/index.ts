import { condition } from '@temporalio/workflow';
import { handleFacts } from '../messages';

/** Version 2 of ../v1: no timer after the first fact; it waits for a second fact instead. */
export async function throughcareJourney(): Promise<void> {
  const facts: string[] = [];
  handleFacts(facts);
  await condition(() => facts.length > 0);
  await condition(() => facts.length > 1);
}
