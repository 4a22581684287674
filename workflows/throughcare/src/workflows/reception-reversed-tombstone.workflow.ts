import type { ReceptionReversedTombstoneInput } from '@throughcare/contracts';

/**
 * RECEPTION_REVERSED_TOMBSTONE_TYPE: started by the bridge under a journey's workflow id when the
 * episode's reception was reversed before its journey started, and done at once. A completed
 * workflow under that id makes the reception's later signal-with-start (REJECT_DUPLICATE) fail as
 * a duplicate, so no journey runs for a void episode. Its input stays in its history (encrypted),
 * for an operator who finds it in the Temporal UI.
 */
export async function receptionReversedTombstone(_input: ReceptionReversedTombstoneInput): Promise<void> {
  // Nothing to do: being there, completed, is the whole point.
}
