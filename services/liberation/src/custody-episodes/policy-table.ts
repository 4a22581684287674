import type { EntityManager } from 'typeorm';
import { SENTENCE_POLICIES, type ReleasePointPolicy, type SentencePolicyTable } from '@throughcare/domain';
import { AdoptedReleasePoint } from './replan.entities';

/** The table with `records` on top: a record replaces any of the same id (a later version of it). */
export function withReleasePoints(
  table: SentencePolicyTable,
  records: readonly ReleasePointPolicy[],
): SentencePolicyTable {
  let points = [...table.releasePoints];
  for (const record of records) points = [...points.filter((p) => p.id !== record.id), record];
  return { ...table, releasePoints: points };
}

export interface EffectivePolicies {
  table: SentencePolicyTable;
  /**
   * The day the table is read at: today. An adopted change commencing later is applied from its
   * own commencement (the record is marked `adopted`: the calculation applies it to a release on
   * or after that day, per its `appliesTo`), and nothing else in the table is read ahead of its
   * day (review M1: reading the whole table at the latest commencement applied other records,
   * in both jurisdictions, early).
   */
  asAt: string;
}

/** The released sentence policy table with every adopted release-point record on top, oldest first. */
export async function effectivePolicies(manager: EntityManager, today: string): Promise<EffectivePolicies> {
  const adopted = await manager.find(AdoptedReleasePoint, { order: { adoptedAt: 'ASC', version: 'ASC' } });
  return {
    table: withReleasePoints(
      SENTENCE_POLICIES,
      adopted.map((a) => asAdopted(a.record)),
    ),
    asAt: today,
  };
}

/** A record as an applied re-plan made it law (see `ReleasePointPolicy.adopted`). */
export function asAdopted(record: ReleasePointPolicy): ReleasePointPolicy {
  return { ...record, adopted: true };
}

/** The next version of a record id: one above the released table's and every adopted one. */
export async function nextReleasePointVersion(manager: EntityManager, policyId: string): Promise<number> {
  const released = SENTENCE_POLICIES.releasePoints.filter((p) => p.id === policyId).map((p) => p.version);
  const adopted = (await manager.find(AdoptedReleasePoint, { where: { policyId } })).map((a) => a.version);
  return Math.max(0, ...released, ...adopted) + 1;
}

/** Today in the prisons' time zone. */
export function ukToday(now: Date): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Europe/London',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(now);
}
