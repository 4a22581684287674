import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Who a case note is for: the agency's own record, or shared with the officer who referred. */
export const NOTE_AUDIENCES = ['AGENCY', 'REFERRER'] as const;
export type NoteAudience = (typeof NOTE_AUDIENCES)[number];

/**
 * An agency's case note on its referral. A fact, never changed (the application role may only
 * insert and read): a correction is a later note. A REFERRER note is readable by the staff of the
 * referral's prison; an AGENCY note only by the agency.
 */
@Entity({ name: 'referral_note' })
export class ReferralNote {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'referral_id' })
  referralId!: string;

  /** The referral's agency (row-level security reads it). */
  @Column('text', { name: 'agency_id' })
  agencyId!: string;

  @Column('text')
  audience!: NoteAudience;

  @Column('text')
  text!: string;

  /** A role or team, never a named person. */
  @Column('text', { name: 'written_by' })
  writtenBy!: string;

  @Column('timestamptz', { name: 'written_at' })
  writtenAt!: Date;

  /** When the note reached us (it may be entered after the fact). */
  @Column('timestamptz', { name: 'recorded_at' })
  recordedAt!: Date;

  @Column('text', { name: 'correlation_id' })
  correlationId!: string;
}
