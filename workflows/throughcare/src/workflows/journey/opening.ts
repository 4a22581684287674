import { ApplicationFailure } from '@temporalio/common';
import { ErrorTypes, type CaseCloseRequested, type ThroughcareInput } from '@throughcare/contracts';

/**
 * What opened the episode, and when: its liberation direct from court (a journey the liberation
 * started: its `releasedAt`, which the bridge also puts in `receivedAt`), else its reception. A
 * journey a reception opened and a liberation from court then signalled (a remand ended) was opened
 * by its reception.
 */
export function openingOf(input: Pick<ThroughcareInput, 'receivedAt' | 'liberatedFromCourt'>): {
  at: string;
  what: 'reception' | 'liberation from court';
} {
  return input.liberatedFromCourt
    ? { at: input.liberatedFromCourt.releasedAt, what: 'liberation from court' }
    : { at: input.receivedAt, what: 'reception' };
}

/**
 * Refuses, for good (REVERSAL_MISMATCH), a close RECEIVED_IN_ERROR whose reversal names another
 * opening than the journey's own (`receivedAt` at another instant): an upstream reversal of this
 * episode's number but of another reception, which the liberation service would have refused. A
 * close with no `receivedAt` (a reversal published before it was named) is not checked. Instants
 * are compared as instants (`…:00Z` and `…:00.000Z` are the same).
 */
export function refuseReversalOfAnotherOpening(
  input: Pick<ThroughcareInput, 'episode' | 'receivedAt' | 'liberatedFromCourt'>,
  fact: Pick<CaseCloseRequested, 'reason' | 'receivedAt'>,
): void {
  if (fact.reason !== 'RECEIVED_IN_ERROR' || fact.receivedAt === undefined) return;
  const opening = openingOf(input);
  if (Date.parse(fact.receivedAt) === Date.parse(opening.at)) return;
  throw ApplicationFailure.create({
    type: ErrorTypes.reversalMismatch,
    message: `the reversal names the reception or liberation at ${fact.receivedAt}, but episode ${input.episode} was opened by its ${opening.what} at ${opening.at}: it reverses another opening under this episode number (an upstream numbering mismatch), so this journey is not closed`,
    nonRetryable: true,
  });
}
