import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The person gave consent to voluntary throughcare for one custody episode: a fact, appended each
 * time it is recorded (never updated or deleted; migration 1100). Consent stands while the latest
 * one is later than the episode's withdrawal, if any.
 */
@Entity({ name: 'consent_given' })
export class ConsentGiven {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text', { name: 'person_id' })
  personId!: string;

  @Column('integer')
  episode!: number;

  /** When the person gave consent (business time). */
  @Column('timestamptz', { name: 'given_at' })
  givenAt!: Date;

  /** Who recorded it: the caller's identity (user or client), never a name. */
  @Column('text', { name: 'given_by' })
  givenBy!: string;

  /** When this service recorded it. */
  @Column('timestamptz', { name: 'recorded_at' })
  recordedAt!: Date;
}

/**
 * The cut-over of migration 1100: an agency's active referral of an episode when consent became a
 * recorded fact, whose read rests on the consent presumed under the old rule until a consent is
 * recorded, a withdrawal ends it, or `presumed_until` passes. Written by the migration only, once
 * (the application's role may only read it).
 */
@Entity({ name: 'consent_presumption' })
export class ConsentPresumption {
  @PrimaryColumn('text', { name: 'person_id' })
  personId!: string;

  @PrimaryColumn('integer')
  episode!: number;

  /** The agency whose active referral was marked. */
  @PrimaryColumn('text', { name: 'agency_id' })
  agencyId!: string;

  /** When the migration marked it. */
  @Column('timestamptz', { name: 'marked_at' })
  markedAt!: Date;

  /** The end of the presumption (the sunset): no read rests on it from then on. */
  @Column('timestamptz', { name: 'presumed_until' })
  presumedUntil!: Date;
}
