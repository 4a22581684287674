import type { EngagementAnswer, EngagementBodyKind, EngagementMode } from '@throughcare/contracts';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { EngagementStatus } from './engagement.lifecycle';

/**
 * A request to a named body to engage in a person's release planning (duty to engage, Bail and
 * Release from Custody (Scotland) Act 2023 s.12), with the body's answer, its engagement and the
 * prison's withdrawal: each fact set once (migration 1800's CHECKs hold them together).
 */
@Entity({ name: 'engagement_request' })
export class EngagementRequest {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text', { name: 'person_id' })
  personId!: string;

  @Column('integer')
  episode!: number;

  /** The prison responsible: the one that asked, or the one holding the person since a transfer. */
  @Column('text', { name: 'establishment_code' })
  establishmentCode!: string;

  /** The prison that asked. */
  @Column('text', { name: 'requesting_establishment_code' })
  requestingEstablishmentCode!: string;

  /** The directory agency acting for the named body (e.g. a council's justice social work team). */
  @Column('text', { name: 'agency_id' })
  agencyId!: string;

  @Column('text', { name: 'body_kind' })
  bodyKind!: EngagementBodyKind;

  @Column('text')
  purpose!: string;

  @Column('date', { name: 'expected_release_date', nullable: true })
  expectedReleaseDate!: string | null;

  @Column('text', { name: 'requested_by' })
  requestedBy!: string;

  @Column('timestamptz', { name: 'requested_at' })
  requestedAt!: Date;

  /** The day the request asks the body to answer by (the Act: "within the timescale stated"). */
  @Column('date', { name: 'respond_by' })
  respondBy!: string;

  @Column('text')
  status!: EngagementStatus;

  @Column('text', { nullable: true })
  answer!: EngagementAnswer | null;

  @Column('timestamptz', { name: 'answered_at', nullable: true })
  answeredAt!: Date | null;

  /** When the answer reached this service: whether it was late is judged by it. */
  @Column('timestamptz', { name: 'answer_recorded_at', nullable: true })
  answerRecordedAt!: Date | null;

  @Column('text', { name: 'answered_by', nullable: true })
  answeredBy!: string | null;

  @Column('text', { name: 'answer_reason', nullable: true })
  answerReason!: string | null;

  /** Who at the body the prison contacts (a role or team). */
  @Column('text', { nullable: true })
  contact!: string | null;

  @Column('timestamptz', { name: 'engaged_at', nullable: true })
  engagedAt!: Date | null;

  @Column('text', { name: 'engagement_mode', nullable: true })
  engagementMode!: EngagementMode | null;

  @Column('text', { name: 'engagement_summary', nullable: true })
  engagementSummary!: string | null;

  @Column('timestamptz', { name: 'withdrawn_at', nullable: true })
  withdrawnAt!: Date | null;

  @Column('text', { name: 'withdrawal_reason', nullable: true })
  withdrawalReason!: string | null;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;

  @Column('text', { name: 'correlation_id' })
  correlationId!: string;
}
