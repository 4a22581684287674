import { defineQuery, defineSignal, defineUpdate, setHandler } from '@temporalio/workflow';

/** A fact, as the bridge sends one: an update. */
export const factUpdate = defineUpdate<number, [string]>('fact');
/** A fact sent as a signal (no update in the task that handles it). */
export const factSignal = defineSignal<[string]>('factSignal');
/** Anything that makes a new workflow task. */
export const poke = defineSignal('poke');
export const factsQuery = defineQuery<string[]>('facts');

/** The handlers both versions share: facts by update or signal, a poke, the facts query. */
export function handleFacts(facts: string[]): void {
  setHandler(factUpdate, (f) => facts.push(f));
  setHandler(factSignal, (f) => void facts.push(f));
  setHandler(poke, () => undefined);
  setHandler(factsQuery, () => facts);
}
