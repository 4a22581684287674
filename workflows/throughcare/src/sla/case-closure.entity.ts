import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A closed throughcare case (one custody episode), with why it closed. */
@Entity({ name: 'case_closure' })
export class CaseClosure {
  @PrimaryColumn('text', { name: 'person_id' })
  personId!: string;

  @PrimaryColumn('int')
  episode!: number;

  @Column('timestamptz', { name: 'closed_at' })
  closedAt!: Date;

  @Column('text')
  reason!: string;
}
