import { dateOfBirthIssues } from '@throughcare/domain';
import { runUnrestricted } from '@throughcare/platform-persistence';
import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { NatsConnection } from '@nats-io/nats-core';
import { DataSource } from 'typeorm';
import type { z } from 'zod';
import { identifierOf, subjectFor, type KnownEvent } from '@throughcare/contracts';
import { planningRangeIssuesInEveryJurisdiction } from '@throughcare/domain';
import { isDomainError, ValidationFailedError, parseOrThrow } from '@throughcare/platform-errors';
import { NATS_CONNECTION } from '@throughcare/platform-http';
import {
  DurableConsumer,
  PermanentError,
  TransientError,
  ensureStreams,
  jetstream,
  jetstreamManager,
} from '@throughcare/platform-messaging';
import { CourtLiberationsService } from './court-liberations.service';
import {
  ChangeReleaseDateBodySchema,
  CorrectMovementBodySchema,
  EpisodePathSchema,
  RecordCourtLiberationBodySchema,
  RecordReceptionBodySchema,
  RecordReleaseBodySchema,
  RecordTransferBodySchema,
  ReverseCourtLiberationBodySchema,
  ReverseMovementBodySchema,
  ReverseReceptionBodySchema,
} from './custody-episode.schemas';
import { CourtLiberationReversalService } from './court-liberation-reversal.service';
import { CustodyEpisode } from './custody-episode.entity';
import { isInOutbox } from './custody-outbox';
import { MovementCorrectionService } from './movement-correction.service';
import { MovementReversalService } from './movement-reversal.service';
import { ReverseAbsenceBodySchema } from './temporary-absence.schemas';
import { TemporaryAbsence } from './temporary-absence.entity';
import { TemporaryAbsencesService } from './temporary-absences.service';
import { Movement } from './movement.entity';
import { PersonIds } from './person-ids';
import { ReceptionReversalService } from './reception-reversal.service';
import { ReceptionsService } from './receptions.service';
import { ReleaseDateService } from './release-date.service';
import { ReleasesService } from './releases.service';
import type { RequestContext } from './request-context';
import { TransfersService } from './transfers.service';

/** The custody movements an upstream prison system may publish straight onto the bus. */
export const upstreamMovementEventTypes = [
  'custody.person.received',
  'custody.person.released',
  'custody.person.transferred',
  'custody.movement.reversed',
  'custody.release-date.changed',
  'custody.person.liberated-from-court',
  // A reception recorded in error (NOMIS "admission in error"), undone upstream.
  'custody.reception.reversed',
  // A liberation from court recorded in error, undone upstream.
  'custody.court-liberation.reversed',
  // A temporary absence's departure or return (ROTL, court) recorded in error, undone upstream.
  'custody.absence.reversed',
  // A release's or transfer's instant or destination corrected upstream.
  'custody.movement.corrected',
] as const;
type UpstreamMovementType = (typeof upstreamMovementEventTypes)[number];
type UpstreamMovement = Extract<KnownEvent, { eventType: UpstreamMovementType }>;

/** The durable consumer's name; its dead letters go to `throughcare.dlq.liberation-movements`. */
export const UPSTREAM_MOVEMENTS_CONSUMER = 'liberation-movements';

import { BUS_ACTOR } from './hmpps-actor';
export { BUS_ACTOR };

/**
 * How long a movement about an episode this service has not recorded is held before it is
 * dead-lettered: the person's reception may be on its way. After a restart, the reception this
 * process was applying when it stopped is redelivered only once its ack wait has passed, while
 * the person's later movements, never delivered before, arrive at once (seen in the crash soak:
 * a release-date change dead-lettered EPISODE_NOT_FOUND, its reception applied a moment later).
 */
export const DEFAULT_EPISODE_LATE_HORIZON_MS = 60_000;
/** Injection token of the horizon (UPSTREAM_EPISODE_LATE_HORIZON_SECONDS). */
export const EPISODE_LATE_HORIZON = Symbol('EPISODE_LATE_HORIZON');

export type ApplyOutcome = 'applied' | 'already-held';

const isUpstreamMovement = (event: KnownEvent): event is UpstreamMovement =>
  (upstreamMovementEventTypes as readonly string[]).includes(event.eventType);

/**
 * Applies custody movements published on the bus to the custody record, through the same
 * service methods as the HTTP API, so the record (rows and outbox) is the same whichever way a
 * movement arrived, and the custody record and the journey (which the orchestrator's bridge
 * drives from the same events) do not disagree.
 *
 * Its own events and events already applied are skipped, by event id: every custody event this
 * service has applied is in its outbox under its eventId, whether it published the event (an
 * HTTP request) or took it from the bus (recorded under the bus event's id, already published,
 * see `enqueueCustodyEvent`). The envelope has no producer field to go by, and an event id is
 * exact: an upstream copy of a movement also recorded over HTTP carries another id, and is then
 * matched by its facts as an HTTP retry would be (same receivedAt, releasedAt, transferredAt).
 * Each application also runs under the Idempotency-Key `bus:<eventId>`, so two deliveries racing
 * each other apply once, as does an event that changed nothing (no outbox row: e.g. the reception
 * was already recorded over HTTP, or the release date was already that date).
 *
 * An event it cannot apply (invalid data, a date the journey could not plan, a conflict with the
 * record such as the release of a person not in custody) throws a domain error, which the
 * consumer dead-letters with its code and reason; anything else (the database unreachable) is
 * retried by the consumer, holding that person's later events behind it.
 */
@Injectable()
export class UpstreamMovementsApplier {
  constructor(
    private readonly dataSource: DataSource,
    private readonly personIds: PersonIds,
    private readonly receptions: ReceptionsService,
    private readonly releases: ReleasesService,
    private readonly transfers: TransfersService,
    private readonly reversals: MovementReversalService,
    private readonly releaseDates: ReleaseDateService,
    private readonly courtLiberations: CourtLiberationsService,
    private readonly receptionReversals: ReceptionReversalService,
    private readonly courtLiberationReversals: CourtLiberationReversalService,
    private readonly absences: TemporaryAbsencesService,
    private readonly corrections: MovementCorrectionService,
    @Inject(EPISODE_LATE_HORIZON) private readonly episodeLateHorizonMs: number,
  ) {}

  /** An upstream prison system's fact is the platform's own work: unrestricted row-level security scope. */
  apply(event: KnownEvent): Promise<ApplyOutcome> {
    return runUnrestricted(() => this.applyFact(event));
  }

  private async applyFact(event: KnownEvent): Promise<ApplyOutcome> {
    if (!isUpstreamMovement(event)) {
      throw new PermanentError('NOT_A_MOVEMENT', `${event.eventType} is not a custody movement`);
    }
    if (await isInOutbox(this.dataSource.manager, event.eventId)) return 'already-held';
    const personId = this.personIdOf(event);
    // The contract bounds the episode below only; the record (and the HTTP path) also above.
    dataOf(EpisodeNumberSchema, { episode: event.data.episode });
    const context: RequestContext = {
      actor: BUS_ACTOR,
      // An upstream prison system's fact, not a caller's: applied whatever the establishment.
      scope: 'unrestricted',
      correlationId: event.correlationId,
      idempotencyKey: `bus:${event.eventId}`,
      fromBus: { eventId: event.eventId, episode: event.data.episode },
    };
    if (
      (event.eventType === 'custody.person.received' ||
        event.eventType === 'custody.person.liberated-from-court') &&
      event.version !== 1
    ) {
      // Version 2 is Throughcare's own (no prison number): applied when published, skipped above.
      throw new PermanentError(
        'PRISON_NUMBER_REQUIRED',
        `${event.eventType}@${event.version} names no prison number: the custody record is opened by prison number, so an upstream system publishes version 1`,
      );
    }
    await episodeMayBeOnItsWay(event, this.episodeLateHorizonMs, () =>
      this.applyMovement(event, personId, context),
    );
    return 'applied';
  }

  private async applyMovement(
    event: UpstreamMovement,
    personId: string,
    context: RequestContext,
  ): Promise<void> {
    switch (event.eventType) {
      case 'custody.person.received': {
        const { episode, previousEpisode, ...facts } = event.data;
        // The episode a return follows: checked against the record's (the bridge tells its journey).
        if (previousEpisode !== undefined && !facts.returnToCustody)
          throw invalidData([{ field: 'previousEpisode', message: 'is given only with returnToCustody' }]);
        const usable = withoutImplausibleBirth(facts, facts.receivedAt, event.eventId);
        await this.receptions.record(dataOf(RecordReceptionBodySchema, usable), {
          ...context,
          fromBus: { eventId: event.eventId, episode, previousEpisode },
        });
        break;
      }
      case 'custody.person.liberated-from-court': {
        const { episode: _episode, ...facts } = event.data;
        const usable = withoutImplausibleBirth(facts, facts.releasedAt, event.eventId);
        await this.courtLiberations.record(dataOf(RecordCourtLiberationBodySchema, usable), context);
        break;
      }
      case 'custody.person.released': {
        // What a release records, named (as for a transfer): `endedAbsence` is what this service
        // works out itself, never taken from the publisher (the body is strict).
        const { episode, establishmentCode, reason, releasedAt } = event.data;
        const body = dataOf(RecordReleaseBodySchema, {
          personId,
          episode,
          establishmentCode,
          reason,
          releasedAt,
        });
        await this.releases.record(body, context);
        break;
      }
      case 'custody.person.transferred': {
        const { toEstablishmentCode, transferredAt } = event.data;
        const body = dataOf(RecordTransferBodySchema, { toEstablishmentCode, transferredAt });
        await this.transfers.record(personId, event.data.episode, body, context);
        break;
      }
      case 'custody.release-date.changed': {
        const { expectedReleaseDate, reason, changedAt } = event.data;
        const body = dataOf(ChangeReleaseDateBodySchema, { expectedReleaseDate, reason });
        // The journey plans from changedAt too (the bridge refuses it out of range): so do we.
        const issues = planningRangeIssuesInEveryJurisdiction([
          { field: 'changedAt', value: changedAt, role: 'event' },
        ]);
        if (issues.length > 0) throw invalidData(issues);
        await this.releaseDates.change(personId, event.data.episode, body, context, new Date(changedAt));
        break;
      }
      case 'custody.movement.reversed': {
        const { reversedEventId, reversedAt, movement: kind } = event.data;
        const body = dataOf(ReverseMovementBodySchema, { reversedAt });
        const movement = await this.dataSource.manager.findOneBy(Movement, { eventId: reversedEventId });
        if (!movement) throw this.movementNotYetKnown('reversedEventId', reversedEventId);
        // A movement's person and kind never change: safe to check before the service locks.
        if (movement.movement !== kind || movement.personId !== personId) {
          throw new PermanentError(
            'REVERSAL_MISMATCH',
            `data.reversedEventId ${reversedEventId} is a ${movement.movement.toLowerCase()} of ${movement.personId === personId ? 'this person' : 'another person'}, not a ${kind.toLowerCase()} of person ${personId}`,
          );
        }
        await this.reversals.reverse(reversedEventId, body, context);
        break;
      }
      case 'custody.absence.reversed': {
        const { absenceId, part, reversedEventId, reversedAt } = event.data;
        const body = dataOf(ReverseAbsenceBodySchema, { part, reversedAt });
        const absence = await this.dataSource.manager.findOneBy(TemporaryAbsence, { id: absenceId });
        // Unknown: its departure may still be on its way (held for the horizon, then dead-lettered).
        if (!absence)
          throw new TransientError(
            'ABSENCE_NOT_YET_KNOWN',
            `data.absenceId ${absenceId} is no temporary absence of the custody record: its departure may still be on its way (held for ${Math.round(this.episodeLateHorizonMs / 1000)} s, then dead-lettered)`,
            this.episodeLateHorizonMs,
          );
        refuseAnotherAbsence(absence, personId, event.data.episode, part, reversedEventId);
        await this.absences.reverse(personId, event.data.episode, absenceId, body, context);
        break;
      }
      case 'custody.movement.corrected': {
        const { correctedEventId, reason, occurredAt, toEstablishmentCode } = event.data;
        const body = dataOf(CorrectMovementBodySchema, { occurredAt, toEstablishmentCode, reason });
        const movement = await this.dataSource.manager.findOneBy(Movement, { eventId: correctedEventId });
        if (!movement) throw this.movementNotYetKnown('correctedEventId', correctedEventId);
        refuseAnotherCorrection(movement, personId, event.data);
        await this.corrections.correct(correctedEventId, body, undefined, context);
        break;
      }
      case 'custody.reception.reversed': {
        // The establishment is the record's (where the episode is held), not the event's to say.
        const { reversedAt, reason, receivedAt } = event.data;
        const body = dataOf(ReverseReceptionBodySchema, { reversedAt, reason });
        // The reception it says it undoes must be the episode's.
        if (receivedAt !== undefined)
          await this.refuseAnotherOpening(personId, event.data.episode, 'receivedAt', receivedAt);
        await this.receptionReversals.reverse(personId, event.data.episode, body, context);
        break;
      }
      case 'custody.court-liberation.reversed': {
        const { reversedAt, reason, releasedAt } = event.data;
        const body = dataOf(ReverseCourtLiberationBodySchema, { reversedAt, reason });
        await this.refuseAnotherOpening(personId, event.data.episode, 'releasedAt', releasedAt);
        await this.courtLiberationReversals.reverse(personId, event.data.episode, body, context);
        break;
      }
    }
  }

  /**
   * A reversal or correction of a movement the custody record does not hold (yet): after a restart
   * a person's later events may overtake the one redelivered (see DEFAULT_EPISODE_LATE_HORIZON_MS),
   * so it is held for the horizon, then dead-lettered (review stop 43, M5), as an absence's is.
   */
  private movementNotYetKnown(field: string, eventId: string): TransientError {
    return new TransientError(
      'MOVEMENT_NOT_YET_KNOWN',
      `data.${field} ${eventId} is no movement of the custody record: it may still be on its way (held for ${Math.round(this.episodeLateHorizonMs / 1000)} s, then dead-lettered)`,
      this.episodeLateHorizonMs,
    );
  }

  /**
   * A reversal naming the instant of the record it undoes (`receivedAt` of a reception,
   * `releasedAt` of a liberation from court) must name the episode's own: else REVERSAL_MISMATCH,
   * applied to nothing. An episode's opening never changes: safe to check before the service locks.
   */
  private async refuseAnotherOpening(
    personId: string,
    episodeNumber: number,
    field: 'receivedAt' | 'releasedAt',
    stated: string,
  ): Promise<void> {
    const episode = await this.dataSource.manager.findOneBy(CustodyEpisode, {
      personId,
      episode: episodeNumber,
    });
    const opening =
      field === 'receivedAt'
        ? episode?.receivedAt
        : episode?.origin === 'COURT_LIBERATION'
          ? episode.releasedAt
          : null;
    if (opening && opening.getTime() !== Date.parse(stated)) {
      throw new PermanentError(
        'REVERSAL_MISMATCH',
        `data.${field} ${stated} is not the ${field === 'receivedAt' ? 'reception' : 'liberation from court'} of episode ${episodeNumber} of person ${personId} (${field === 'receivedAt' ? 'received' : 'released'} ${opening.toISOString()})`,
      );
    }
  }

  /**
   * The person the event is about, as the bridge reads it (THROUGHCARE_ID, else the NOMS
   * prison number); every prison number the event carries must name that same person, or the
   * journey and the custody record would be kept for two different people.
   */
  personIdOf(event: UpstreamMovement): string {
    const known = identifierOf(event.personReference, 'THROUGHCARE_ID');
    const prisonNumbers = [
      identifierOf(event.personReference, 'NOMS'),
      'prisonNumber' in event.data ? event.data.prisonNumber : undefined,
    ].filter((n): n is string => n !== undefined);
    const derived = prisonNumbers.map((n) => this.personIds.of(n));
    const personId = known ?? derived[0];
    if (personId === undefined) {
      throw new PermanentError(
        'UNROUTABLE_EVENT',
        'personReference has neither a THROUGHCARE_ID nor a NOMS identifier',
      );
    }
    if (derived.some((d) => d !== personId)) {
      throw new PermanentError(
        'PERSON_REFERENCE_MISMATCH',
        'personReference and data.prisonNumber do not name the same person',
      );
    }
    return personId;
  }
}

/**
 * An absence's reversal must name the absence's own person, episode and the event of the part it
 * undoes (the custody.absence.started or .ended this service published, or the HMPPS event it was
 * matched to): else REVERSAL_MISMATCH, applied to nothing. An absence's person, episode and
 * departure never change; a return re-recorded after a reversal has a new event id, so a reversal
 * naming the earlier one is refused, not applied to the later return.
 */
function refuseAnotherAbsence(
  absence: TemporaryAbsence,
  personId: string,
  episode: number,
  part: 'DEPARTURE' | 'RETURN',
  reversedEventId: string,
): void {
  if (absence.personId !== personId || absence.episode !== episode)
    throw new PermanentError(
      'REVERSAL_MISMATCH',
      `data.absenceId ${absence.id} is an absence of ${absence.personId === personId ? `episode ${absence.episode}` : 'another person'}, not of episode ${episode} of person ${personId}`,
    );
  const named =
    part === 'DEPARTURE'
      ? [absence.departureEventId, absence.hmppsDepartureEventId]
      : [absence.returnEventId, absence.hmppsReturnEventId];
  if (!named.includes(reversedEventId))
    throw new PermanentError(
      'REVERSAL_MISMATCH',
      `data.reversedEventId ${reversedEventId} is not the ${part === 'DEPARTURE' ? 'departure' : 'return'} of absence ${absence.id}${part === 'RETURN' && absence.returnEventId === null ? ' (it has no return)' : ''}`,
    );
}

/**
 * A correction from the bus must be of the movement's own person, kind and episode, and start from
 * the facts the movement has (its previous instant and destination, the version it makes): else
 * CORRECTION_MISMATCH, applied to nothing (the publisher corrected a record other than this one).
 * One whose facts the movement has already is a repeat: applied as such (nothing changes).
 */
function refuseAnotherCorrection(
  movement: Movement,
  personId: string,
  data: Extract<UpstreamMovement, { eventType: 'custody.movement.corrected' }>['data'],
): void {
  const mismatch = (what: string) =>
    new PermanentError(
      'CORRECTION_MISMATCH',
      `data.correctedEventId ${movement.eventId}: ${what}; the correction is applied to nothing`,
    );
  if (
    movement.personId !== personId ||
    movement.movement !== data.movement ||
    movement.episode !== data.episode
  )
    throw mismatch(
      `a ${movement.movement.toLowerCase()} of ${movement.personId === personId ? `episode ${movement.episode} of this person` : 'another person'}, not a ${data.movement.toLowerCase()} of episode ${data.episode} of person ${personId}`,
    );
  const target = data.toEstablishmentCode ?? movement.toEstablishmentCode;
  if (
    movement.occurredAt.getTime() === Date.parse(data.occurredAt) &&
    movement.toEstablishmentCode === target
  )
    return;
  const stale = [
    ...(movement.occurredAt.getTime() === Date.parse(data.previousOccurredAt)
      ? []
      : ['data.previousOccurredAt']),
    ...(data.previousToEstablishmentCode === undefined ||
    data.previousToEstablishmentCode === movement.toEstablishmentCode
      ? []
      : ['data.previousToEstablishmentCode']),
    ...(data.version === movement.version + 1 ? [] : ['data.version']),
  ];
  if (stale.length > 0)
    throw mismatch(
      `${stale.join(', ')} ${stale.length === 1 ? 'is' : 'are'} not the movement's current facts (version ${movement.version}, at ${movement.occurredAt.toISOString()}${movement.toEstablishmentCode ? `, to ${movement.toEstablishmentCode}` : ''})`,
    );
}

/** EPISODE_NOT_FOUND for a movement that needs the episode: held (transient) for `horizonMs`. */
async function episodeMayBeOnItsWay(
  event: UpstreamMovement,
  horizonMs: number,
  apply: () => Promise<void>,
): Promise<void> {
  try {
    await apply();
  } catch (error) {
    const opens =
      event.eventType === 'custody.person.received' ||
      event.eventType === 'custody.person.liberated-from-court';
    if (!opens && isDomainError(error) && error.code === 'EPISODE_NOT_FOUND')
      throw new TransientError(
        'EPISODE_NOT_YET_KNOWN',
        `${error.message}: its reception may still be on its way (held for ${Math.round(horizonMs / 1000)} s, then dead-lettered)`,
        horizonMs,
        { cause: error },
      );
    throw error;
  }
}

const EpisodeNumberSchema = EpisodePathSchema.pick({ episode: true });

const eligibilityLog = new Logger('UpstreamMovements');

/**
 * The movement's facts without a date of birth no person in custody could have: an optional fact
 * for the directory's age bands, so the movement is recorded without it (a warning names the
 * event, never the date) rather than refused, which would lose the movement.
 */
function withoutImplausibleBirth<F extends object>(facts: F, at: string, eventId: string): F {
  // Version 1 only (an upstream record); version 2 never carries it.
  const born =
    'dateOfBirth' in facts && typeof facts.dateOfBirth === 'string' ? facts.dateOfBirth : undefined;
  if (dateOfBirthIssues('dateOfBirth', born, at, 'the movement').length === 0) return facts;
  eligibilityLog.warn(
    `event ${eventId}: its dateOfBirth is not a plausible age in custody; recorded without it`,
  );
  const { dateOfBirth: _dropped, ...rest } = facts as F & { dateOfBirth?: string };
  return rest as F;
}

/** The event's facts as the HTTP body the service takes, checked by the same schema. */
function dataOf<S extends z.ZodType>(schema: S, facts: Record<string, unknown>): z.output<S> {
  try {
    return parseOrThrow(schema, facts, 'event data');
  } catch (error) {
    if (error instanceof ValidationFailedError) throw invalidData(error.errors);
    throw error;
  }
}

function invalidData(errors: ReadonlyArray<{ field: string; message: string }>): PermanentError {
  return new PermanentError(
    'INVALID_EVENT_DATA',
    errors.map((e) => `data.${e.field}: ${e.message}`).join('; '),
  );
}

/**
 * Runs the durable JetStream consumer `liberation-movements` (explicit acks; dead letters with
 * their reason on `throughcare.dlq.liberation-movements`; transient failures retried for the
 * consumer's horizon, one person's events in bus order, people in parallel).
 */
@Injectable()
export class UpstreamMovementsConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('UpstreamMovements');
  private consumer: DurableConsumer | undefined;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly applier: UpstreamMovementsApplier,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const jsm = await jetstreamManager(this.nc);
    await ensureStreams(jsm);
    this.consumer = new DurableConsumer({
      js: jetstream(this.nc),
      jsm,
      name: UPSTREAM_MOVEMENTS_CONSUMER,
      filterSubjects: upstreamMovementEventTypes.map(subjectFor),
      handler: async (event, context) => {
        const outcome = await this.applier.apply(event);
        this.logger.debug(
          `${event.eventType} ${event.eventId} (${context.subject}#${context.streamSequence}): ${outcome}`,
        );
      },
      orderingKey: (event) => {
        try {
          return isUpstreamMovement(event) ? this.applier.personIdOf(event) : '';
        } catch {
          return ''; // the handler dead-letters it
        }
      },
      concurrency: 4,
      logger: this.logger,
    });
    await this.consumer.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
  }
}
