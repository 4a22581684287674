import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { AttentionOption } from '@throughcare/contracts';

/** One attention item of one journey, as last recorded (see migration 300). */
@Entity({ name: 'attention_item' })
export class AttentionItem {
  @PrimaryColumn('text', { name: 'person_id' })
  personId!: string;

  @PrimaryColumn('int')
  episode!: number;

  @PrimaryColumn('text', { name: 'item_id' })
  itemId!: string;

  @Column('text')
  action!: string;

  @Column('text')
  what!: string;

  @Column('text', { name: 'error_type', nullable: true })
  errorType!: string | null;

  @Column('text', { name: 'must_act' })
  mustAct!: string;

  @Column('timestamptz')
  since!: Date;

  @Column('text', { array: true })
  options!: AttentionOption[];

  @Column('text')
  status!: 'OPEN' | 'RESOLVED';

  @Column('jsonb', { nullable: true })
  resolution!: { option: AttentionOption; by: string; reason?: string; at: string } | null;
}
