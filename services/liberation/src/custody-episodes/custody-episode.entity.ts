import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { Jurisdiction, ReceptionReason, ReleaseReason, Stage } from '@throughcare/contracts';

/**
 * One custody episode of one person: reception facts, release facts once released, and the
 * journey stage last recorded by the workflow. State is derived from which facts are present
 * (ADR 0004 style), never stored. `prisonNumber` is personal data: it stays in this table and
 * in the events that need it, never in list responses, workflow ids or search attributes.
 */
@Entity({ name: 'custody_episode' })
export class CustodyEpisode {
  @PrimaryColumn('text', { name: 'person_id' })
  personId!: string;

  @PrimaryColumn('integer')
  episode!: number;

  @Column('text', { name: 'prison_number' })
  prisonNumber!: string;

  @Column('text', { name: 'establishment_code' })
  establishmentCode!: string;

  @Column('text')
  jurisdiction!: Jurisdiction;

  @Column('text', { name: 'home_local_authority' })
  homeLocalAuthority!: string;

  @Column('text', { name: 'reception_reason' })
  receptionReason!: ReceptionReason;

  @Column('date', { name: 'sentence_date' })
  sentenceDate!: string;

  @Column('integer', { name: 'sentence_length_days' })
  sentenceLengthDays!: number;

  @Column('date', { name: 'expected_release_date' })
  expectedReleaseDate!: string;

  @Column('timestamptz', { name: 'received_at' })
  receivedAt!: Date;

  @Column('text', { name: 'received_by' })
  receivedBy!: string;

  @Column('timestamptz', { name: 'released_at', nullable: true })
  releasedAt!: Date | null;

  @Column('text', { name: 'released_by', nullable: true })
  releasedBy!: string | null;

  @Column('text', { name: 'release_establishment_code', nullable: true })
  releaseEstablishmentCode!: string | null;

  @Column('text', { name: 'release_reason', nullable: true })
  releaseReason!: ReleaseReason | null;

  /** Journey stage as last recorded by the throughcare workflow, and the workflow's time for it. */
  @Column('text', { nullable: true })
  stage!: Stage | null;

  @Column('timestamptz', { name: 'stage_at', nullable: true })
  stageAt!: Date | null;

  @Column('timestamptz', { name: 'stage_recorded_at', nullable: true })
  stageRecordedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

/** Received and not yet released. */
export function isOpen(episode: CustodyEpisode): boolean {
  return episode.releasedAt === null;
}
