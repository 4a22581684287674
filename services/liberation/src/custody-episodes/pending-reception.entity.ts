import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * VOID: the reception that had completed it was reversed, and staff said the admission itself was
 * in error (migration 2800): closed, nothing completes from it; `episode` names the void episode.
 */
export type PendingReceptionStatus = 'PENDING' | 'COMPLETED' | 'DISMISSED' | 'VOID';

/**
 * An HMPPS admission (not a recall) that cannot open an episode by itself: the event names the
 * person, the prison and the instant, not the sentence, release date or home area. Prison staff of
 * the establishment complete it with those facts (it then opens the episode as `POST /receptions`
 * would: COMPLETED, with the episode) or dismiss it with a reason. A reception staff record
 * themselves for the person at that establishment completes it too.
 */
@Entity({ name: 'pending_reception' })
export class PendingReception {
  @PrimaryColumn('uuid')
  id!: string;

  /** The platform's id of the HMPPS event (`hmppsEventId`): one pending reception per event. */
  @Column('uuid', { name: 'hmpps_event_id' })
  hmppsEventId!: string;

  @Column('text', { name: 'person_id' })
  personId!: string;

  @Column('text', { name: 'prison_number' })
  prisonNumber!: string;

  @Column('text', { name: 'establishment_code' })
  establishmentCode!: string;

  @Column('text')
  reason!: 'ADMISSION' | 'READMISSION';

  /** NOMIS's movement reason code, when the event gave one. */
  @Column('text', { name: 'movement_reason_code', nullable: true })
  movementReasonCode!: string | null;

  @Column('timestamptz', { name: 'received_at' })
  receivedAt!: Date;

  @Column('text')
  status!: PendingReceptionStatus;

  /** The episode its completion opened (COMPLETED), void since (VOID). */
  @Column('integer', { nullable: true })
  episode!: number | null;

  @Column('text', { name: 'resolved_by', nullable: true })
  resolvedBy!: string | null;

  @Column('timestamptz', { name: 'resolved_at', nullable: true })
  resolvedAt!: Date | null;

  /** Who reversed the reception as in error, making it VOID, and when (migration 2900); `resolved_*` keep who completed it. */
  @Column('text', { name: 'voided_by', nullable: true })
  voidedBy!: string | null;

  @Column('timestamptz', { name: 'voided_at', nullable: true })
  voidedAt!: Date | null;

  @Column('text', { name: 'dismissal_reason', nullable: true })
  dismissalReason!: string | null;

  /**
   * The episode whose reception, which had completed this one, was reversed as recorded in error:
   * the reversal put it back to PENDING, to complete again (migration 2600). Null: never reopened.
   */
  @Column('integer', { name: 'reopened_after_episode', nullable: true })
  reopenedAfterEpisode!: number | null;

  @Column('text', { name: 'correlation_id' })
  correlationId!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
