import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ReleaseDateChangeReason } from '@throughcare/contracts';

/**
 * One move of an episode's expected release date (HDC, parole, early release, recalculation).
 * Facts only: the episode's current expected release date is the latest change's, else the
 * reception's; `change_number` orders the changes of one episode (1, 2, …).
 */
@Entity({ name: 'release_date_change' })
export class ReleaseDateChange {
  @PrimaryColumn('text', { name: 'person_id' })
  personId!: string;

  @PrimaryColumn('integer')
  episode!: number;

  @PrimaryColumn('integer', { name: 'change_number' })
  changeNumber!: number;

  @Column('date', { name: 'previous_expected_release_date' })
  previousExpectedReleaseDate!: string;

  @Column('date', { name: 'expected_release_date' })
  expectedReleaseDate!: string;

  @Column('text')
  reason!: ReleaseDateChangeReason;

  @Column('timestamptz', { name: 'changed_at' })
  changedAt!: Date;

  @Column('text', { name: 'changed_by' })
  changedBy!: string;

  @Column('text', { name: 'correlation_id' })
  correlationId!: string;

  /**
   * For a decision (HDC, parole, early release): the episode's sentence calculation version
   * current when it was recorded, the sentences it was made on (0: none recorded yet). Null for
   * other reasons and for decisions recorded before this was kept (stop 37 review S2).
   */
  @Column('integer', { name: 'sentence_calculation_version', nullable: true })
  sentenceCalculationVersion!: number | null;

  /**
   * How a PAROLE or EARLY_RELEASE decision's basis was set (review of stop 40, S1): NAMED, the
   * version the decision named, checked against the latest sentences; LATEST_ON_ARRIVAL, the latest
   * version when it arrived, unchecked (an upstream system's event, which has no such field, or a
   * client that named none during the transition). Null for other reasons, and for decisions
   * recorded before migration 2900, whose basis is also the latest on arrival.
   */
  @Column('text', { name: 'basis_source', nullable: true })
  basisSource!: DecisionBasisSource | null;

  /**
   * For a RECALCULATION a recording of official dates made (migration 3200): the type of the
   * recorded release date it moved to (PRRD, CRD or ARD), so the change keeps the type of what
   * wrote it (review stop 42, N5). Null for every other change.
   */
  @Column('text', { name: 'recorded_release_date_type', nullable: true })
  recordedReleaseDateType!: 'PRRD' | 'CRD' | 'ARD' | null;
}

export type DecisionBasisSource = 'NAMED' | 'LATEST_ON_ARRIVAL';
