import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { AgencyKind } from '@throughcare/contracts';

/** An organisation people are referred to. `contactPoint` is a role or mailbox, never a named person. */
@Entity({ name: 'agency' })
export class Agency {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text')
  name!: string;

  @Column('text')
  kind!: AgencyKind;

  /** GSS code of the area served (S12… Scottish council; E/W codes south of the border). */
  @Column('text', { name: 'local_authority' })
  localAuthority!: string;

  @Column('text', { name: 'contact_point' })
  contactPoint!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column('text', { name: 'created_by' })
  createdBy!: string;
}
