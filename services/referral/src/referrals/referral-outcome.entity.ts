import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { ReferralDecision } from '@throughcare/contracts';

/** One decision of the agency on a referral (the feedback loop to prison staff). Facts only, never updated. */
@Entity({ name: 'referral_outcome' })
export class ReferralOutcome {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'referral_id' })
  referralId!: string;

  /** Recording order: breaks ties between decisions dated the same instant. Set by Postgres. */
  @Column({ type: 'bigint', insert: false, update: false })
  sequence!: string;

  @Column('text')
  decision!: ReferralDecision;

  /** Required for DECLINED and WITHDRAWN. */
  @Column('text', { nullable: true })
  reason!: string | null;

  @Column('timestamptz', { name: 'decided_at' })
  decidedAt!: Date;

  /** When the decision reached us (it may be reported after the fact). */
  @Column('timestamptz', { name: 'recorded_at' })
  recordedAt!: Date;

  @Column('text', { name: 'correlation_id' })
  correlationId!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
