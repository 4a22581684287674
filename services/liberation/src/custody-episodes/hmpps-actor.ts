/**
 * Who records what the HMPPS adapter does (`received_by`, a pending reception's `resolved_by`).
 * Its own module: the adapter and the pending receptions it keeps both name it.
 */
export const HMPPS_ACTOR = 'bus:hmpps';

/**
 * Recorded as `received_by`, `released_by`, `recorded_by`… of a fact that arrived on the bus from
 * an upstream prison system (`upstream-movements.consumer.ts`).
 */
export const BUS_ACTOR = 'bus:upstream';
