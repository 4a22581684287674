import { Column, Entity, PrimaryColumn } from 'typeorm';
import type {
  AssessmentKind as LaterAssessmentKind,
  Pathway,
  PersonSex,
  RiskOfSeriousHarm,
} from '@throughcare/contracts';

/** The core screen at reception, then the later stages (comprehensive screen, standard and summary reviews). */
export type AssessmentKind = 'CORE_SCREEN' | LaterAssessmentKind;

/**
 * A needs and risk assessment, the single one every involved agency reads. Holds facts only
 * (who/when); its state (REQUESTED, OVERDUE, COMPLETED) is derived by `assessmentStatus`.
 * The completion columns are all null until completed, then set (table constraints): a core
 * screen records all of them; the later kinds record no risk of serious harm and may leave
 * `completed_by` unsaid.
 */
@Entity({ name: 'assessment' })
export class Assessment {
  @PrimaryColumn('uuid')
  id!: string;

  /** Pseudonymous THROUGHCARE_ID; this service never sees the prison number. */
  @Column('text', { name: 'person_id' })
  personId!: string;

  @Column('integer')
  episode!: number;

  @Column('text', { name: 'establishment_code' })
  establishmentCode!: string;

  @Column('text')
  kind!: AssessmentKind;

  @Column('timestamptz', { name: 'due_by' })
  dueBy!: Date;

  @Column('timestamptz', { name: 'requested_at' })
  requestedAt!: Date;

  /** The journey's correlation id, carried onto every event about this assessment. */
  @Column('text', { name: 'correlation_id' })
  correlationId!: string;

  /** When the assessor says the screen was done (may be earlier than it was recorded). */
  @Column('timestamptz', { name: 'completed_at', nullable: true })
  completedAt!: Date | null;

  /** A role or staff reference, never a name. Always set on a completed core screen. */
  @Column('text', { name: 'completed_by', nullable: true })
  completedBy!: string | null;

  /** When this service recorded the completion. */
  @Column('timestamptz', { name: 'completion_recorded_at', nullable: true })
  completionRecordedAt!: Date | null;

  @Column('text', { array: true, nullable: true })
  needs!: Pathway[] | null;

  /** Recorded by the core screen only. */
  @Column('text', { name: 'risk_of_serious_harm', nullable: true })
  riskOfSeriousHarm!: RiskOfSeriousHarm | null;

  /**
   * The person's sex as the prison recorded it, given when the assessment was requested (migration
   * 900); null: not recorded (the women-specific pathways are then asked, and the outcome says why).
   */
  @Column('text', { name: 'person_sex', nullable: true })
  personSex!: PersonSex | null;

  /**
   * Whether the assessment may be completed with a typed list of needs and no saved answers
   * (migration 1000): true only for assessments requested before the cut-over; every assessment
   * requested since is completed from its answers (422 ANSWERS_REQUIRED otherwise).
   */
  @Column('boolean', { name: 'typed_needs_allowed' })
  typedNeedsAllowed!: boolean;
}
