import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { Pathway, ReferralClosureOutcome } from '@throughcare/contracts';
import type { ReferralStatus } from './referral.lifecycle';

/**
 * A referral of one person (pseudonymous `personId`) in one custody episode to one agency.
 * Facts with their time and author are stored; the status is derived from them (`referralStatus`)
 * and kept in `status` for the agency's list filter, rewritten with every fact in its transaction.
 */
@Entity({ name: 'referral' })
export class Referral {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text', { name: 'person_id' })
  personId!: string;

  @Column('integer')
  episode!: number;

  @Column('text', { name: 'agency_id' })
  agencyId!: string;

  @Column('text', { array: true })
  pathways!: Pathway[];

  /**
   * The prison the referral was sent from, or the one now holding the person once the journey has
   * told this service of a transfer (an agency notice TRANSFERRED or MOVEMENT_REVERSED): its staff
   * read the referral. Null for referrals sent before it was recorded.
   */
  @Column('text', { name: 'establishment_code', nullable: true })
  establishmentCode!: string | null;

  @Column('timestamptz', { name: 'sent_at' })
  sentAt!: Date;

  /** The agency's acknowledgement deadline, derived by the journey under its SLA policy. */
  @Column('timestamptz', { name: 'acknowledge_by' })
  acknowledgeBy!: Date;

  /**
   * The day the person is due to be liberated (the day released, once released), as last told:
   * from the send, then every notice of a change naming it (migration 2000; null before it).
   */
  @Column('date', { name: 'liberation_date', nullable: true })
  liberationDate!: string | null;

  /** The core screen's risk of serious harm when the referral was sent (migration 2000). */
  @Column('text', { name: 'risk_of_serious_harm', nullable: true })
  riskOfSeriousHarm!: 'LOW' | 'MEDIUM' | 'HIGH' | 'VERY_HIGH' | null;

  @Column('text', { name: 'correlation_id' })
  correlationId!: string;

  @Column('timestamptz', { name: 'acknowledged_at', nullable: true })
  acknowledgedAt!: Date | null;

  /** A role or team (e.g. "Justice Social Work duty team"), never a named person. */
  @Column('text', { name: 'acknowledged_by', nullable: true })
  acknowledgedBy!: string | null;

  /** When the acknowledgement reached us (it may be reported after the fact). */
  @Column('timestamptz', { name: 'acknowledgement_recorded_at', nullable: true })
  acknowledgementRecordedAt!: Date | null;

  /** Set when the journey withdrew the referral (consent withdrawn, case closed). */
  @Column('timestamptz', { name: 'withdrawn_at', nullable: true })
  withdrawnAt!: Date | null;

  @Column('text', { name: 'withdrawal_reason', nullable: true })
  withdrawalReason!: string | null;

  /** Set when the agency closed the case it had taken on (`CLOSE`); the closure fields go together. */
  @Column('timestamptz', { name: 'closed_at', nullable: true })
  closedAt!: Date | null;

  /** A role or team, never a named person. */
  @Column('text', { name: 'closed_by', nullable: true })
  closedBy!: string | null;

  @Column('text', { name: 'closure_outcome', nullable: true })
  closureOutcome!: ReferralClosureOutcome | null;

  /** The agency's summary for the officer who referred (optional). */
  @Column('text', { name: 'closure_summary', nullable: true })
  closureSummary!: string | null;

  /** When the closure reached us (it may be reported after the fact). */
  @Column('timestamptz', { name: 'closure_recorded_at', nullable: true })
  closureRecordedAt!: Date | null;

  /** A projection of the facts (`referralStatus`), for filtering; never written on its own. */
  @Column('text')
  status!: ReferralStatus;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
