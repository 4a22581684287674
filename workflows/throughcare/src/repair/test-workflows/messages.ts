import { defineQuery, defineSignal, defineUpdate, setHandler } from '@temporalio/workflow';

/** A fact, as the bridge sends one: an update. */
export const factUpdate = defineUpdate<number, [string]>('fact');
/** A fact sent as a signal (no update in the task that handles it). */
export const factSignal = defineSignal<[string]>('factSignal');
/** Anything that makes a new workflow task. */
export const poke = defineSignal('poke');
/** What version 2 needs before it takes a fact starting `after-ready` (as a journey needs an activity's result). */
export const ready = defineSignal('ready');
export const factsQuery = defineQuery<string[]>('facts');

/** The handlers both versions share: facts by update (validated by `validate`) or signal, a poke, the query. */
export function handleFacts(facts: string[], validate: (fact: string) => void = () => undefined): void {
  setHandler(factUpdate, (f) => facts.push(f), { validator: validate });
  setHandler(factSignal, (f) => void facts.push(f));
  setHandler(poke, () => undefined);
  setHandler(factsQuery, () => facts);
}
