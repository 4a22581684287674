import { ApplicationFailure, condition, defineQuery, defineSignal, setHandler } from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import {
  caseCloseRequestedUpdate,
  ErrorTypes,
  meetingHeldUpdate,
  movementReversedUpdate,
  receptionSignal,
  returnedToCustodyUpdate,
  transferredUpdate,
  type CaseCloseRequested,
  type ReturnedToCustody,
  type ThroughcareInput,
} from '@throughcare/contracts';
import { refuseReversalOfAnotherOpening } from '../../workflows/journey/opening';

/** Every update handler run, in order: `<update>:<eventId>` (a fact applied twice shows twice). */
export const appliedQuery = defineQuery<string[]>('applied');
/** Makes the double's update handlers wait (true) or run (false). */
export const hangSignal = defineSignal<[boolean]>('hang');
/** The booking becomes known: meetingHeld for it is no longer refused as NOT_YET_KNOWN. */
export const knownSignal = defineSignal<[string]>('known');
/** meetingHeld for this booking is refused for good (VALIDATION_FAILED). */
export const refuseSignal = defineSignal<[string]>('refuse');

/**
 * Test-only stand-in for the journey under the journey's workflow type: it takes the bridge's
 * reception signal and the updates the bridge sends, and records every handler run, in order, with
 * no de-duplication of its own, so the test sees any fact applied twice. Like the journey, it
 * refuses in the validator (nothing recorded, so a retry with the same updateId is validated afresh).
 */
export async function throughcareJourney(
  input?: ThroughcareInput,
): Promise<{ closureReason?: string; nextEpisode?: number } | undefined> {
  const applied: string[] = [];
  let closureReason: string | undefined;
  let nextEpisode: number | undefined;
  const known = new Set<string>();
  const refused = new Set<string>();
  let hanging = false;
  setHandler(appliedQuery, () => applied);
  setHandler(hangSignal, (on) => void (hanging = on));
  setHandler(knownSignal, (bookingId) => void known.add(bookingId));
  setHandler(refuseSignal, (bookingId) => void refused.add(bookingId));
  setHandler(receptionSignal, () => undefined);

  const onFact = <T extends { eventId: string }>(
    def: UpdateDefinition<void, [T]>,
    validate: (fact: T) => void = () => undefined,
  ) =>
    setHandler(
      def,
      async (fact: T) => {
        await condition(() => !hanging);
        applied.push(`${def.name}:${fact.eventId}`);
      },
      { validator: validate },
    );
  onFact(transferredUpdate);
  onFact(movementReversedUpdate);
  onFact(meetingHeldUpdate, (fact: { eventId: string; bookingId: string }) => {
    if (refused.has(fact.bookingId)) {
      throw ApplicationFailure.create({
        type: ErrorTypes.validation,
        message: `booking ${fact.bookingId} was cancelled`,
        nonRetryable: true,
      });
    }
    if (!known.has(fact.bookingId)) {
      throw ApplicationFailure.create({
        type: ErrorTypes.notYetKnown,
        message: `booking ${fact.bookingId} is not known to this episode (yet)`,
        nonRetryable: true,
      });
    }
  });
  // As the journey: a reversal naming another opening is refused (REVERSAL_MISMATCH, the
  // journey's own check); one of its own opening closes it, and its plan says RECEIVED_IN_ERROR.
  setHandler(
    caseCloseRequestedUpdate,
    (fact: CaseCloseRequested) => {
      applied.push(`${caseCloseRequestedUpdate.name}:${fact.eventId}`);
      closureReason ??= fact.reason;
    },
    {
      validator: (fact: CaseCloseRequested) => {
        if (input) refuseReversalOfAnotherOpening(input, fact);
      },
    },
  );
  // As the journey: a return to custody closes it RECALLED (or NEW_SENTENCE), handing over to the
  // new episode, and its plan says so (what resumeEpisode checks).
  setHandler(returnedToCustodyUpdate, (fact: ReturnedToCustody) => {
    applied.push(`${returnedToCustodyUpdate.name}:${fact.eventId}`);
    closureReason ??= fact.reason === 'RECALL' ? 'RECALLED' : 'NEW_SENTENCE';
    nextEpisode ??= fact.newEpisode;
  });
  await condition(() => closureReason !== undefined);
  return { closureReason, ...(nextEpisode !== undefined ? { nextEpisode } : {}) };
}
