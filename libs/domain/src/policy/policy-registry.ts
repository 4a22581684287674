import type { Jurisdiction } from '@throughcare/contracts';

import { type LocalDate, parseLocalDate } from '../calendar/local-date';
import { ClockNotInPolicyError, UnknownPolicyError } from '../errors';
import { SLA_POLICIES } from './seed-policies';
import type { ClockName, SlaPolicy } from './sla-policy';

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

const POLICIES = deepFreeze(SLA_POLICIES);

/**
 * The policy in force for `jurisdiction` on local date `asOf`: the one with the latest
 * `effectiveFrom` ≤ `asOf` (highest version on a tie). Without `asOf`, the latest
 * published policy. This library never reads the clock: workflows pass their own
 * (deterministic) date and then keep the returned `id`/`version`. `maxVersion` limits the choice
 * to versions published up to a point: a workflow replaying a history recorded before a newer
 * version existed passes the version it knew then (behind `patched()`), so it captures the same.
 */
export function policyFor(jurisdiction: Jurisdiction, asOf?: LocalDate, maxVersion?: number): SlaPolicy {
  if (asOf !== undefined) parseLocalDate(asOf);
  const candidates = POLICIES.filter(
    (p) =>
      p.jurisdiction === jurisdiction &&
      (asOf === undefined || p.effectiveFrom <= asOf) &&
      (maxVersion === undefined || p.version <= maxVersion),
  ).sort((a, b) =>
    a.effectiveFrom === b.effectiveFrom ? b.version - a.version : a.effectiveFrom < b.effectiveFrom ? 1 : -1,
  );
  const current = candidates[0];
  if (!current)
    throw new UnknownPolicyError(`No SLA policy for ${jurisdiction}${asOf ? ` in force on ${asOf}` : ''}`);
  return current;
}

/** A specific published policy version, as captured by a running workflow. */
export function policyById(id: string, version: number): SlaPolicy {
  const policy = POLICIES.find((p) => p.id === id && p.version === version);
  if (!policy) throw new UnknownPolicyError(`No SLA policy ${id} v${version}`);
  return policy;
}

/**
 * The version a journey holding `policy` borrows `clock`'s rule from: undefined when `policy`
 * defines the clock; otherwise the OLDEST later version of the same policy that does (versions are
 * only appended, so the lender of a clock never changes once published, and neither do deadlines
 * already promised). England & Wales v4's missed-appointment follow-up, which versions 1–3 lacked,
 * is the case it exists for. Throws {@link ClockNotInPolicyError} when no version defines it.
 */
export function clockLender(policy: SlaPolicy, clock: ClockName): SlaPolicy | undefined {
  if (policy.clocks[clock]) return undefined;
  const lender = POLICIES.filter(
    (p) => p.id === policy.id && p.version > policy.version && p.clocks[clock],
  ).reduce<SlaPolicy | undefined>(
    (oldest, p) => (oldest && oldest.version < p.version ? oldest : p),
    undefined,
  );
  if (!lender) throw new ClockNotInPolicyError(policy.id, policy.version, clock);
  return lender;
}

const borrowed = new Map<string, SlaPolicy>();
/**
 * `policy` with `clock`'s rule borrowed from its {@link clockLender} when it has none; everything
 * else (jurisdiction, working day, cut-off, the other clocks) stays the captured version's.
 */
export function withClock(policy: SlaPolicy, clock: ClockName): SlaPolicy {
  const lender = clockLender(policy, clock);
  if (!lender) return policy;
  const key = `${policy.id}:${policy.version}:${clock}`;
  let lent = borrowed.get(key);
  if (!lent) {
    lent = deepFreeze({ ...policy, clocks: { ...policy.clocks, [clock]: lender.clocks[clock] } });
    borrowed.set(key, lent);
  }
  return lent;
}
