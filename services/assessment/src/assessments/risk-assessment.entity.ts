import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { LikelihoodOfReoffending, RiskOfSeriousHarm, RiskRise } from '@throughcare/contracts';

/** One recorded version of a person's risk assessment (migration 500). Never updated. */
@Entity({ name: 'risk_assessment' })
export class RiskAssessmentVersion {
  /** Pseudonymous THROUGHCARE_ID; this service never sees the prison number. */
  @PrimaryColumn('text', { name: 'person_id' })
  personId!: string;

  @PrimaryColumn('integer')
  version!: number;

  @Column('text', { name: 'likelihood_of_reoffending' })
  likelihoodOfReoffending!: LikelihoodOfReoffending;

  @Column('text', { name: 'risk_of_serious_harm' })
  riskOfSeriousHarm!: RiskOfSeriousHarm;

  /** Why, in words. Never on the bus. */
  @Column('text')
  reasons!: string;

  /** YYYY-MM-DD: the day the risk was assessed (may be earlier than it was recorded). */
  @Column('date', { name: 'assessed_on' })
  assessedOn!: string;

  /** Null with the level: not a MAPPA case. */
  @Column('smallint', { name: 'mappa_category', nullable: true })
  mappaCategory!: number | null;

  @Column('smallint', { name: 'mappa_level', nullable: true })
  mappaLevel!: number | null;

  /** What rose against the version before, derived when recorded (empty for the first). */
  @Column('text', { array: true })
  rises!: RiskRise[];

  @Column('timestamptz', { name: 'recorded_at' })
  recordedAt!: Date;

  /** The caller who recorded it (`user:…` or `client:…`), never a name. */
  @Column('text', { name: 'recorded_by' })
  recordedBy!: string;
}
