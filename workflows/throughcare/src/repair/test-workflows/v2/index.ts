import { condition, setHandler } from '@temporalio/workflow';
import { handleFacts, ready } from '../messages';

/**
 * Version 2 of ../v1: no timer after the first fact (it waits for more facts instead), and a fact
 * starting `after-ready` is refused until the `ready` signal, as a journey refuses a fact about a
 * referral it has not sent yet.
 */
export async function throughcareJourney(): Promise<void> {
  const facts: string[] = [];
  let isReady = false;
  setHandler(ready, () => void (isReady = true));
  handleFacts(facts, (f) => {
    if (f.startsWith('after-ready') && !isReady) throw new Error(`not ready for "${f}"`);
  });
  await condition(() => facts.length > 0);
  await condition(() => facts.length > 2);
}
