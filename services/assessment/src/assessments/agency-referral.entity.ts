import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ReferralDecision } from '@throughcare/contracts';
import type { Pathway } from '@throughcare/contracts';

/**
 * An agency's referral of a person, as this service learns of it from the bus (migration 600).
 * The sent facts and the end are each set once, whichever arrives first; the referral is active
 * while it was sent (`agencyId` set) and has not ended (`endedAt` null).
 */
@Entity({ name: 'agency_referral' })
export class AgencyReferral {
  @PrimaryColumn('uuid', { name: 'referral_id' })
  referralId!: string;

  @Column('text', { name: 'person_id' })
  personId!: string;

  @Column('integer')
  episode!: number;

  /** Null while only the end is known (it arrived before the sent). */
  @Column('text', { name: 'agency_id', nullable: true })
  agencyId!: string | null;

  @Column('text', { array: true, nullable: true })
  pathways!: Pathway[] | null;

  @Column('timestamptz', { name: 'sent_at', nullable: true })
  sentAt!: Date | null;

  @Column('uuid', { name: 'sent_event_id', nullable: true })
  sentEventId!: string | null;

  @Column('timestamptz', { name: 'ended_at', nullable: true })
  endedAt!: Date | null;

  @Column('text', { name: 'ended_by', nullable: true })
  endedBy!: 'CLOSED' | 'WITHDRAWN' | null;

  /** The agency's latest decision by `decidedAt` (migration 700): DECLINED or WITHDRAWN ends its access. */
  @Column('text', { nullable: true })
  decision!: ReferralDecision | null;

  @Column('timestamptz', { name: 'decided_at', nullable: true })
  decidedAt!: Date | null;

  @Column('uuid', { name: 'decision_event_id', nullable: true })
  decisionEventId!: string | null;

  @Column('uuid', { name: 'end_event_id', nullable: true })
  endEventId!: string | null;

  /** When this service first recorded the row. */
  @Column('timestamptz', { name: 'recorded_at' })
  recordedAt!: Date;
}
