import { DefaultFailureConverter } from '@temporalio/common';

/**
 * Loaded by path (`failureConverterPath`) by clients, workers and the workflow bundle: failure
 * messages and stack traces go into an encoded payload, which the payload codec then encrypts,
 * instead of staying in clear in the history. Imports only `@temporalio/common` (it runs in the
 * workflow sandbox too).
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
