import type { InjectedSinks } from '@temporalio/worker';
import { exportFinishedSpan } from '@throughcare/platform-observability';
import type { JourneyTracingSinks } from '../workflows/tracing.interceptors';

/**
 * The worker side of the journeys' workflow spans (workflows/tracing.interceptors.ts): each is
 * exported through the process's span processor. Not called during replay, so a span a journey
 * made once is exported once, however often its history is replayed. Every worker that runs a
 * journey bundle registers it (an unregistered sink is an error line per call).
 */
export function journeyTracingSinks(): InjectedSinks<JourneyTracingSinks> {
  return {
    journeyTracing: {
      export: { fn: (_info, span) => exportFinishedSpan(span), callDuringReplay: false },
    },
  };
}
