import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { closeSafeRetryInterceptor } from './close-safe-retry';
import { tracingClientInterceptors } from './tracing-interceptors';

export interface TemporalTarget {
  address: string;
  namespace: string;
  /**
   * Required: every client and worker of the platform encrypts payloads and failures
   * (`dataConverterFrom(config)`); a client without it could neither read the journeys' data nor
   * write data they can read.
   */
  dataConverter: DataConverter;
}

/**
 * Connects eagerly (fails fast at boot). Close with `client.connection.close()`. Starts, signals
 * and updates carry the caller's trace and correlation to the workflow (`tracingClientInterceptors`).
 */
export async function createTemporalClient({
  address,
  namespace,
  dataConverter,
}: TemporalTarget): Promise<Client> {
  // The SDK's retries, safe to shut down under (a retry due after close ends the call, CANCELLED).
  const connection = await Connection.connect({ address, interceptors: [closeSafeRetryInterceptor()] });
  return new Client({
    connection,
    namespace,
    dataConverter,
    interceptors: { workflow: tracingClientInterceptors() },
  });
}
