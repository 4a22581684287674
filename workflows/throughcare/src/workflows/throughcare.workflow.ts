import { patched } from '@temporalio/workflow';
import type { PlanView, ThroughcareInput } from '@throughcare/contracts';
import { journeyV2 } from './journey/journey-v2';
import { journeyV1 } from './legacy/journey-v1';

/**
 * One custody episode of one person (workflow type `throughcareJourney`).
 *
 * Versioning: journeys recorded before `journey-v2` existed have no marker and replay on the
 * frozen version 1 code (test/fixtures/histories/v1); every new journey, and every run after a
 * continue-as-new, takes version 2. Once no version 1 journey is open, deprecatePatch and delete v1.
 */
export async function throughcareJourney(input: ThroughcareInput): Promise<PlanView> {
  if (input.continued !== undefined || patched('journey-v2')) return journeyV2(input);
  return journeyV1(input);
}
