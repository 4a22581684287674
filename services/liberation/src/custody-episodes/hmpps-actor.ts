/**
 * Who records what the HMPPS adapter does (`received_by`, a pending reception's `resolved_by`).
 * Its own module: the adapter and the pending receptions it keeps both name it.
 */
export const HMPPS_ACTOR = 'bus:hmpps';
