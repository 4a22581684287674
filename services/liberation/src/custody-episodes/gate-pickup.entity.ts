import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Transport from the prison gate on liberation day, booked by the throughcare journey. A
 * change of plan cancels it (a compensation: the row stays, with who, when and why).
 */
@Entity({ name: 'gate_pickup' })
export class GatePickup {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text', { name: 'person_id' })
  personId!: string;

  @Column('integer')
  episode!: number;

  @Column('text', { name: 'establishment_code' })
  establishmentCode!: string;

  @Column('date', { name: 'liberation_date' })
  liberationDate!: string;

  @Column('timestamptz', { name: 'booked_at' })
  bookedAt!: Date;

  @Column('text', { name: 'booked_by' })
  bookedBy!: string;

  @Column('timestamptz', { name: 'cancelled_at', nullable: true })
  cancelledAt!: Date | null;

  @Column('text', { name: 'cancelled_by', nullable: true })
  cancelledBy!: string | null;

  @Column('text', { name: 'cancellation_reason', nullable: true })
  cancellationReason!: string | null;

  @Column('text', { name: 'correlation_id' })
  correlationId!: string;
}
