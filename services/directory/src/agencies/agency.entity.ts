import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { AgencyKind } from '@throughcare/contracts';

/** When an agency is open: a day and a time range (local time), several ranges a day allowed. */
export interface OpeningHours {
  day: 'MON' | 'TUE' | 'WED' | 'THU' | 'FRI' | 'SAT' | 'SUN';
  opens: string;
  closes: string;
}

/** A named point of contact: a person or a team, with a role and how to reach them. */
export interface AgencyContactPerson {
  name: string;
  role: string;
  email?: string;
  phone?: string;
}

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

  /** The council areas (GSS codes) the agency serves. */
  @Column('text', { array: true })
  catchment!: string[];

  @Column('jsonb', { name: 'opening_hours' })
  openingHours!: OpeningHours[];

  @Column('jsonb')
  contacts!: AgencyContactPerson[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column('text', { name: 'created_by' })
  createdBy!: string;

  @Column('timestamptz', { name: 'updated_at', nullable: true })
  updatedAt!: Date | null;

  @Column('text', { name: 'updated_by', nullable: true })
  updatedBy!: string | null;
}
