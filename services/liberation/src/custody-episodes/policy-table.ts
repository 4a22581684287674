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
   * The day the table is read at: today, or the latest commencement of an adopted change if that
   * is later. An adopted change is law already made: a release it reaches is never before its
   * commencement (the calculation sees to that), so reading it before that day is right.
   */
  asAt: string;
}

/** The released sentence policy table with every adopted release-point record on top, oldest first. */
export async function effectivePolicies(manager: EntityManager, today: string): Promise<EffectivePolicies> {
  const adopted = await manager.find(AdoptedReleasePoint, { order: { adoptedAt: 'ASC', version: 'ASC' } });
  const records = adopted.map((a) => a.record);
  const asAt = records.reduce(
    (latest, r) => (r.inForceFrom !== null && r.inForceFrom > latest ? r.inForceFrom : latest),
    today,
  );
  return { table: withReleasePoints(SENTENCE_POLICIES, records), asAt };
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
