import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type {
  CourtLiberationStatus,
  Jurisdiction,
  PersonSex,
  RecallReasonCode,
  ReceptionReason,
  ReleaseReason,
  ReturnToCustodyReason,
  Stage,
} from '@throughcare/contracts';

/** How an episode began: a reception into custody, or a liberation direct from court (no reception). */
export type EpisodeOrigin = 'RECEPTION' | 'COURT_LIBERATION';

/**
 * One custody episode of one person: reception facts, release facts once released, and the
 * journey stage last recorded by the workflow. State is derived from which facts are present
 * (ADR 0004 style), never stored. `prisonNumber` is personal data: it stays in this table and
 * in the events that need it, never in list responses, workflow ids or search attributes.
 * An episode liberated direct from court has no reception or sentence facts (null), a legal
 * status, and its release facts from the start; `establishmentCode` is then the establishment
 * that held (or would have received) the person.
 */
@Entity({ name: 'custody_episode' })
export class CustodyEpisode {
  @PrimaryColumn('text', { name: 'person_id' })
  personId!: string;

  @PrimaryColumn('integer')
  episode!: number;

  @Column('text', { name: 'prison_number' })
  prisonNumber!: string;

  @Column('text', { name: 'establishment_code' })
  establishmentCode!: string;

  @Column('text')
  jurisdiction!: Jurisdiction;

  @Column('text', { name: 'home_local_authority' })
  homeLocalAuthority!: string;

  @Column('text', { default: 'RECEPTION' })
  origin!: EpisodeOrigin;

  /** As given with the movement that opened the episode, for the directory's eligibility; null: not recorded. */
  @Column('text', { nullable: true })
  sex!: PersonSex | null;

  @Column('date', { name: 'date_of_birth', nullable: true })
  dateOfBirth!: string | null;

  @Column('text', { name: 'reception_reason', nullable: true })
  receptionReason!: ReceptionReason | null;

  @Column('date', { name: 'sentence_date', nullable: true })
  sentenceDate!: string | null;

  @Column('integer', { name: 'sentence_length_days', nullable: true })
  sentenceLengthDays!: number | null;

  @Column('date', { name: 'expected_release_date', nullable: true })
  expectedReleaseDate!: string | null;

  @Column('timestamptz', { name: 'received_at', nullable: true })
  receivedAt!: Date | null;

  @Column('text', { name: 'received_by', nullable: true })
  receivedBy!: string | null;

  /** Set on a reception after a released episode: recall or a new sentence. */
  @Column('text', { name: 'return_to_custody_reason', nullable: true })
  returnToCustodyReason!: ReturnToCustodyReason | null;

  @Column('text', { name: 'recall_reason_code', nullable: true })
  recallReasonCode!: RecallReasonCode | null;

  /** Liberated direct from court only: the legal status at liberation. */
  @Column('text', { name: 'legal_status', nullable: true })
  legalStatus!: CourtLiberationStatus | null;

  /** Liberated direct from court only: the eventId of custody.person.liberated-from-court. */
  @Column('uuid', { name: 'court_liberation_event_id', nullable: true })
  courtLiberationEventId!: string | null;

  @Column('timestamptz', { name: 'released_at', nullable: true })
  releasedAt!: Date | null;

  @Column('text', { name: 'released_by', nullable: true })
  releasedBy!: string | null;

  @Column('text', { name: 'release_establishment_code', nullable: true })
  releaseEstablishmentCode!: string | null;

  @Column('text', { name: 'release_reason', nullable: true })
  releaseReason!: ReleaseReason | null;

  /** Journey stage as last recorded by the throughcare workflow, and the workflow's time for it. */
  @Column('text', { nullable: true })
  stage!: Stage | null;

  @Column('timestamptz', { name: 'stage_at', nullable: true })
  stageAt!: Date | null;

  @Column('timestamptz', { name: 'stage_recorded_at', nullable: true })
  stageRecordedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

/** An episode opened by a reception: its reception and sentence facts are all present. */
export type ReceivedEpisode = CustodyEpisode & {
  origin: 'RECEPTION';
  receptionReason: ReceptionReason;
  sentenceDate: string;
  sentenceLengthDays: number;
  expectedReleaseDate: string;
  receivedAt: Date;
  receivedBy: string;
};

/** Received and not yet released. */
export function isOpen(episode: CustodyEpisode): boolean {
  return episode.releasedAt === null;
}

/** The database keeps every reception fact present on a RECEPTION episode (`custody_episode_origin_facts`). */
export function isReceived(episode: CustodyEpisode): episode is ReceivedEpisode {
  return episode.origin === 'RECEPTION' && episode.receivedAt !== null;
}

/** The episode's reception facts; throws for an episode liberated from court (a caller's bug). */
export function receivedEpisode(episode: CustodyEpisode): ReceivedEpisode {
  if (!isReceived(episode)) {
    throw new Error(`episode ${episode.episode} of ${episode.personId} was not opened by a reception`);
  }
  return episode;
}
