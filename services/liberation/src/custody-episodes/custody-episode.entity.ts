import { Column, CreateDateColumn, Entity, IsNull, PrimaryColumn } from 'typeorm';
import type { AdmissionDecision } from './custody-episode.schemas';
import type {
  CourtLiberationStatus,
  Jurisdiction,
  PersonSex,
  RecallReasonCode,
  ReceptionReason,
  ReceptionReversalReason,
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

  /**
   * Set when the reception that opened the episode was reversed (recorded in error, migration
   * 2100): the episode is void, no longer in custody and not open; it stays, for the record.
   */
  @Column('timestamptz', { name: 'voided_at', nullable: true })
  voidedAt!: Date | null;

  @Column('text', { name: 'voided_by', nullable: true })
  voidedBy!: string | null;

  @Column('text', { name: 'void_reason', nullable: true })
  voidReason!: ReceptionReversalReason | null;

  /** Free text: stays in this service, never on the bus. */
  @Column('text', { name: 'void_note', nullable: true })
  voidNote!: string | null;

  /** The eventId of `custody.reception.reversed`. */
  @Column('uuid', { name: 'void_event_id', nullable: true })
  voidEventId!: string | null;

  @Column('text', { name: 'void_correlation_id', nullable: true })
  voidCorrelationId!: string | null;

  /**
   * What the HMPPS admission the reversed reception had completed was, as staff said (migration
   * 2800): TO_RECEIVE_AGAIN (pending again) or IN_ERROR (void). Null when it completed none.
   */
  @Column('text', { name: 'void_admission', nullable: true })
  voidAdmission!: AdmissionDecision | null;

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

/**
 * Received, not yet released, and not void: the person is in custody on this episode. The one
 * "open" predicate of the service: `OPEN_EPISODE` (TypeORM) and `openEpisodeSql` (SQL) say the same.
 */
export function isOpen(episode: CustodyEpisode): boolean {
  return episode.releasedAt === null && episode.voidedAt === null;
}

/** Its reception was reversed (recorded in error): never in custody, whatever else was recorded. */
export function isVoid(episode: CustodyEpisode): boolean {
  return episode.voidedAt !== null;
}

/** `isOpen` as a TypeORM where clause (with the person's id, or other columns, spread beside it). */
export const OPEN_EPISODE = { releasedAt: IsNull(), voidedAt: IsNull() } as const;

/** `isOpen` as SQL over the custody_episode row aliased `alias`. */
export function openEpisodeSql(alias: string): string {
  return `${alias}.released_at IS NULL AND ${alias}.voided_at IS NULL`;
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
