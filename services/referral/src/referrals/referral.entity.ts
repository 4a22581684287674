import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { Pathway } from '@throughcare/contracts';
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

  @Column('timestamptz', { name: 'sent_at' })
  sentAt!: Date;

  /** The agency's acknowledgement deadline, derived by the journey under its SLA policy. */
  @Column('timestamptz', { name: 'acknowledge_by' })
  acknowledgeBy!: Date;

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

  /** A projection of the facts (`referralStatus`), for filtering; never written on its own. */
  @Column('text')
  status!: ReferralStatus;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
