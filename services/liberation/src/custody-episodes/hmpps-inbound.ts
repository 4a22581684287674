import { createHash } from 'node:crypto';
import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { NatsConnection } from '@nats-io/nats-core';
import { DataSource, IsNull } from 'typeorm';
import {
  HMPPS_PRISONER_RECEIVED,
  HMPPS_PRISONER_RELEASED,
  HmppsDomainEvent,
  HmppsPrisonerMovementInformation,
  HmppsStream,
  describeIssues,
  hmppsInboundSubject,
  parseEvent,
  notJson,
  RecallReasonCode,
  type AbsenceKind,
  type KnownEvent,
} from '@throughcare/contracts';
import { addDays, localDateOf } from '@throughcare/domain';
import { idempotencyKeyTaken, runUnrestricted } from '@throughcare/platform-persistence';
import { NATS_CONNECTION } from '@throughcare/platform-http';
import {
  DurableConsumer,
  JetStreamPublisher,
  PermanentError,
  TransientError,
  ensureStreams,
  jetstream,
  jetstreamManager,
  type ParsedMessage,
} from '@throughcare/platform-messaging';
import { CustodyEpisode, isReceived, isVoid } from './custody-episode.entity';
import { RecordReceptionBodySchema, type RecordReceptionBody } from './custody-episode.schemas';
import { isInOutbox } from './custody-outbox';
import { currentExpectedReleaseDate, loadEpisodeHistory, loadMovements, whereHeld } from './episode-history';
import { HMPPS_ACTOR } from './hmpps-actor';
import { PendingReceptionsService, type PendingReceptionFacts } from './pending-receptions.service';
import { PENDING_RECEPTION_MATCH_MS } from './pending-reception.completion';
import { PendingReception } from './pending-reception.entity';
import { PersonIds } from './person-ids';
import { lockPerson } from './person-lock';
import { ReceptionsService } from './receptions.service';
import {
  RecordDepartureBodySchema,
  RecordReturnBodySchema,
  type RecordDepartureBody,
  type RecordReturnBody,
} from './temporary-absence.schemas';
import {
  absenceEndedByMovement,
  absenceOpen,
  absenceReturned,
  absenceStands,
  TemporaryAbsence,
} from './temporary-absence.entity';
import { absenceIdempotencyKey, TemporaryAbsencesService } from './temporary-absences.service';
import { EPISODE_LATE_HORIZON } from './upstream-movements.consumer';

/** The HMPPS event types the adapter maps (version 1); the consumer takes no others. */
export const hmppsInboundEventTypes = [HMPPS_PRISONER_RECEIVED, HMPPS_PRISONER_RELEASED] as const;

/**
 * What the adapter does with one HMPPS event: publish the platform's event; record a reception
 * here (a recall: the custody record opens the episode and publishes its own event, so no prison
 * number goes on the bus), under an idempotency key of the HMPPS event's; or nothing (why).
 */
export type HmppsTranslation =
  | { publish: KnownEvent }
  | { receive: RecordReceptionBody; eventId: string }
  | { pending: PendingReceptionFacts }
  | { absence: AbsenceMovement; eventId: string }
  | { skip: string; notice?: true };

/** A temporary absence's departure or return the adapter records (issue 10: TAP and CRT). */
export type AbsenceMovement =
  | {
      part: 'DEPARTURE';
      personId: string;
      episode: number;
      body: RecordDepartureBody;
      /** The event's `nomisMovementReasonCode`, kept on the absence as HMPPS sent it (not interpreted). */
      movementReasonCode: string | null;
    }
  | { part: 'RETURN'; personId: string; episode: number; absenceId: string; body: RecordReturnBody };

/**
 * The prisons whose new admissions the adapter keeps as pending receptions
 * (`HMPPS_ADMISSION_ESTABLISHMENTS`); undefined: every prison (the feed is national).
 */
export const HMPPS_ADMISSION_ESTABLISHMENTS = Symbol('HMPPS_ADMISSION_ESTABLISHMENTS');

export { HMPPS_ACTOR } from './hmpps-actor';

/** The platform's event published for an HMPPS event (v1 of a custody movement). */
type Mapped = Extract<
  KnownEvent,
  { eventType: 'custody.person.released' | 'custody.person.transferred'; version: 1 }
>;

/**
 * Reads a body of the `hmpps` stream: an HMPPS domain event (dead-lettered with the fields it
 * lacks when it is not one).
 */
export function parseHmppsEvent(data: Uint8Array): ParsedMessage<HmppsDomainEvent> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(data));
  } catch (e) {
    return { ok: false, code: 'MALFORMED_JSON', reason: notJson(e) };
  }
  const parsed = HmppsDomainEvent.safeParse(value);
  if (!parsed.success) {
    return { ok: false, code: 'INVALID_HMPPS_EVENT', reason: describeIssues(parsed.error) };
  }
  return { ok: true, event: parsed.data };
}

/**
 * The platform's event id for an HMPPS event: a name-based UUID (RFC 9562 version 5, SHA-1) of
 * the type, version and instant of the movement and the person's pseudonym. Another copy of the
 * same event (HMPPS delivers at least once) gets the same id, so the custody record and the
 * journey (update id = event id) apply the movement once. The pseudonym, not the prison number:
 * the id travels on the bus, and a hash of a prison number can be reversed by trying them all.
 * Not `reason` or `prisonId`: HMPPS works them out when it publishes, so copies may differ.
 */
export function hmppsEventId(event: HmppsDomainEvent, personId: string): string {
  const name = [event.eventType, event.version, new Date(event.occurredAt).toISOString(), personId].join('|');
  const hash = createHash('sha1').update(HMPPS_NAMESPACE).update(name).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The Idempotency-Key under which the adapter records what an HMPPS event says (a reception, an absence's movement). */
const hmppsIdempotencyKey = (eventId: string): string => `hmpps:${eventId}`;

/** The namespace UUID of hmppsEventId (random, fixed for ever: changing it changes every id). */
const HMPPS_NAMESPACE = Buffer.from('6f1d3c52a8e94b7c9a0e2d4b5c7f8e91', 'hex');

/** Release reasons by which the person stays in custody (they come back): a temporary absence of that kind. */
const TEMPORARY_RELEASES: ReadonlyMap<string, AbsenceKind> = new Map([
  ['TEMPORARY_ABSENCE_RELEASE', 'ROTL'],
  ['SENT_TO_COURT', 'COURT'],
]);
/** Reception reasons of a person coming back to the establishment that holds them: the absence of that kind ends. */
const RETURNS: ReadonlyMap<string, AbsenceKind> = new Map([
  ['TEMPORARY_ABSENCE_RETURN', 'ROTL'],
  ['RETURN_FROM_COURT', 'COURT'],
]);

/**
 * How far HMPPS's instant of a departure or return may be from the one staff recorded for the
 * same absence (same kind) for the one to be the other: staff record the time they know, NOMIS
 * the time the movement was entered, minutes apart (staff at 09:00, NOMIS at 09:02). Within it
 * (and only against an absence the event can be: see {@link matchHmppsAbsence}), the HMPPS event
 * is staff's movement (skipped, logged, the match kept on the absence); beyond it they are
 * different movements. 60 minutes (review stop 37, S3: 6 h took a second absence of the day for
 * the first).
 */
export const ABSENCE_MATCH_MS = 60 * 60 * 1000;

/**
 * How long before an HMPPS return, with no absence of its kind open, the latest absence of that
 * kind may have left for the return to be taken as the end of that one (skipped: it was returned,
 * reversed or ended by a transfer or release already) rather than of a departure that is late or
 * was lost (held, then dead-lettered). Longer than any ROTL (resettlement overnight release is up
 * to 4 nights).
 */
export const ABSENCE_RETURN_LOOKBACK_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * How close to the return staff recorded an HMPPS return must come to be taken as that return
 * (skipped, "back already") when no absence is open. Further apart it may be the return of a later
 * absence whose departure is late (HMPPS gives no order between the two): held, then dead-lettered,
 * never skipped (final review of stop 37, S1: a return a day after the last one was skipped, and the
 * late departure then opened an absence that never closed).
 */
export const ABSENCE_BACK_ALREADY_MS = 6 * 60 * 60 * 1000;

/** What the adapter does with an HMPPS departure or return, given the episode's absences. */
export type AbsenceMatch =
  /** Staff recorded it (or it was matched before: `already`): that absence; nothing to record. */
  | { matched: TemporaryAbsence; already: boolean }
  /** A departure: record it. */
  | { depart: true }
  /** A return: of this absence, open. */
  | { returnFrom: TemporaryAbsence }
  /** A return of the other kind than the absence open. */
  | { kindMismatch: TemporaryAbsence }
  /** A return whose absence was returned, reversed or ended by a movement already: skipped (why). */
  | { ended: TemporaryAbsence; why: string }
  /** A return with no absence of its kind before it: its departure is late or lost. */
  | { notOpen: true };

const distance = (a: Date, b: Date): number => Math.abs(a.getTime() - b.getTime());

/**
 * Which absence of the episode an HMPPS departure or return (`kind`, at `at`, platform id
 * `eventId`) is (review stop 37, S3 and M7):
 *
 * - an absence matched to this very event already (a redelivery): that one;
 * - a departure: the staff-recorded absence of its kind, standing, not matched to another HMPPS
 *   departure, that was still out at `at` (open, or returned or ended after `at`), whose `leftAt`
 *   is within {@link ABSENCE_MATCH_MS}; the nearest of them. None: a departure to record;
 * - a return: a standing absence of its kind whose return staff recorded within
 *   {@link ABSENCE_MATCH_MS}, unmatched, at or before the open absence's departure, when NOMIS knew
 *   that absence or staff recorded the open one (review N6: an earlier return entered late); else the open absence, when it left before `at` (another kind:
 *   a mismatch); else the
 *   latest standing absence of its kind that left before `at`, when staff recorded its return
 *   within {@link ABSENCE_MATCH_MS} and no HMPPS return was matched to it (the nearest); else, when
 *   the latest absence of its kind before `at` (within {@link ABSENCE_RETURN_LOOKBACK_MS}) was
 *   reversed, ended by a transfer or release, or returned within {@link ABSENCE_BACK_ALREADY_MS} of
 *   `at`: ended (skip, naming why); otherwise (none before it, or back long before): not open
 *   (held, then dead-lettered).
 */
export function matchHmppsAbsence(
  absences: readonly TemporaryAbsence[],
  movement: { part: 'DEPARTURE' | 'RETURN'; kind: AbsenceKind },
  at: Date,
  eventId: string,
): AbsenceMatch {
  const time = at.getTime();
  const ofKind = absences.filter((a) => a.kind === movement.kind);
  const byStaff = (by: string | null) => by !== null && by !== HMPPS_ACTOR;
  const nearest = (candidates: TemporaryAbsence[], instant: (a: TemporaryAbsence) => Date) =>
    candidates.sort((x, y) => distance(instant(x), at) - distance(instant(y), at))[0];
  if (movement.part === 'DEPARTURE') {
    const again = ofKind.find((a) => a.hmppsDepartureEventId === eventId);
    if (again) return { matched: again, already: true };
    const outAt = (a: TemporaryAbsence) =>
      absenceOpen(a) ||
      (absenceReturned(a) && a.returnedAt!.getTime() > time) ||
      (absenceEndedByMovement(a) && a.endedByMovementAt!.getTime() > time);
    const candidate = nearest(
      ofKind.filter(
        (a) =>
          absenceStands(a) &&
          byStaff(a.departureRecordedBy) &&
          a.hmppsDepartureEventId === null &&
          outAt(a) &&
          distance(a.leftAt, at) <= ABSENCE_MATCH_MS,
      ),
      (a) => a.leftAt,
    );
    return candidate ? { matched: candidate, already: false } : { depart: true };
  }
  const again = ofKind.find((a) => a.hmppsReturnEventId === eventId && absenceReturned(a));
  if (again) return { matched: again, already: true };
  const returnedByStaffWithin = (candidates: TemporaryAbsence[]) =>
    nearest(
      candidates.filter(
        (a) =>
          absenceStands(a) &&
          absenceReturned(a) &&
          byStaff(a.returnRecordedBy) &&
          a.hmppsReturnEventId === null &&
          distance(a.returnedAt!, at) <= ABSENCE_MATCH_MS,
      ),
      (a) => a.returnedAt!,
    );
  const open = absences.find(absenceOpen);
  if (open && open.leftAt.getTime() < time) {
    // Review stop 37 N6: NOMIS entering the morning return late (12:40) after staff recorded the
    // morning return (12:20) and an afternoon departure (12:30): the return is the morning's, which
    // staff recorded within the tolerance, not the afternoon's (the person is out). Wrong the other
    // way round, an absence stays open and shows as overdue; this way it closed while they were out.
    // Only when NOMIS knew that earlier absence (its departure came from HMPPS too), or staff
    // recorded the open one: a staff-only morning absence then a short NOMIS afternoon one (12:15
    // out, 12:50 back) is the afternoon's return (review stop 38, M5).
    const earlier = returnedByStaffWithin(
      ofKind.filter(
        (a) =>
          a !== open &&
          absenceReturned(a) &&
          a.returnedAt! <= open.leftAt &&
          (a.hmppsDepartureEventId !== null || byStaff(open.departureRecordedBy)),
      ),
    );
    if (earlier) return { matched: earlier, already: false };
    return open.kind === movement.kind ? { returnFrom: open } : { kindMismatch: open };
  }
  const before = ofKind
    .filter((a) => a.leftAt.getTime() < time)
    .sort((x, y) => y.leftAt.getTime() - x.leftAt.getTime());
  // The latest standing absence of the kind before the event: a return is of that one, no other.
  const last = before.find(absenceStands);
  if (last && returnedByStaffWithin([last])) return { matched: last, already: false };
  const latest = before[0];
  if (!latest || time - latest.leftAt.getTime() > ABSENCE_RETURN_LOOKBACK_MS) return { notOpen: true };
  if (!absenceStands(latest))
    return {
      ended: latest,
      why: `its departure (${latest.leftAt.toISOString()}) was reversed at ${latest.departureReversedAt!.toISOString()} by ${latest.departureReversedBy ?? 'staff'}`,
    };
  if (absenceEndedByMovement(latest))
    return {
      ended: latest,
      why: `it ended with the ${latest.endedByMovement === 'TRANSFER' ? 'transfer' : 'release'} of ${latest.endedByMovementAt!.toISOString()}`,
    };
  if (absenceReturned(latest) && distance(latest.returnedAt!, at) <= ABSENCE_BACK_ALREADY_MS)
    return {
      ended: latest,
      why: `the person is back from it already (${latest.returnedAt!.toISOString()}, recorded by ${latest.returnRecordedBy ?? 'staff'}${latest.hmppsReturnEventId ? `, HMPPS event ${latest.hmppsReturnEventId}` : ''})`,
    };
  // Open, but left at or after the event (handled above when open before it), or back long before
  // the event (its own departure may be late): held, then dead-lettered.
  return { notOpen: true };
}

/**
 * The HMPPS domain events adapter, inbound: maps `prison-offender-events.prisoner.released` and
 * `.received` (version 1) to the platform's custody movements, which it then publishes on the
 * bus as an upstream prison system would (the custody record and the journey apply them there).
 *
 * - released, reason RELEASED: `custody.person.released` of the person's open episode;
 * - received, reason TRANSFERRED: `custody.person.transferred` of the open episode, from the
 *   establishment the record holds the person at (HMPPS also publishes a release with reason
 *   TRANSFERRED from the first prison: skipped, the reception names both ends);
 * - a temporary absence (released TEMPORARY_ABSENCE_RELEASE: ROTL), a court appearance (released
 *   SENT_TO_COURT: COURT) and the return from either (received TEMPORARY_ABSENCE_RETURN,
 *   RETURN_FROM_COURT): recorded here as the open episode's temporary absence, its departure and
 *   return ({@link HmppsInboundTranslator.absence}); the person stays in custody;
 * - a recall (received ADMISSION or READMISSION, its NOMIS movement reason a recall code) of a
 *   person whose latest episode here was released on licence from a sentence still running:
 *   received as a return to custody ({@link HmppsInboundTranslator.admission}); of a person the
 *   record holds nothing of: skipped;
 * - any other admission (a new reception): the HMPPS event is thin (no sentence, release date or
 *   home area) and fetching them (Prisoner Search) is not built, so it is kept as a pending
 *   reception that the receiving prison's staff complete or dismiss (`/receptions/pending`);
 *   dead-lettered when an episode of the person is open at another prison;
 * - a release to hospital, or an UNKNOWN or unlisted reason: dead-lettered for a person to decide;
 * - a person the record holds no episode of: skipped (the HMPPS feed is national); an episode
 *   outside England and Wales (NOMIS's jurisdiction): dead-lettered.
 *
 * Each decision reads the custody record, so the consumer moves on to a person's next event only
 * once the record holds the one before it ({@link HmppsInboundTranslator.applied}): a transfer
 * A→B then B→A is never read against a record still at A. A movement already applied (another
 * copy) is skipped; a release or transfer of an episode not open yet is retried for the late
 * horizon (the reception may be on its way), then dead-lettered.
 */
@Injectable()
export class HmppsInboundTranslator {
  constructor(
    private readonly dataSource: DataSource,
    private readonly personIds: PersonIds,
    @Inject(EPISODE_LATE_HORIZON) private readonly episodeLateHorizonMs: number,
    private readonly receptions: ReceptionsService,
    private readonly pendingReceptions: PendingReceptionsService,
    private readonly absences: TemporaryAbsencesService,
    @Inject(HMPPS_ADMISSION_ESTABLISHMENTS)
    private readonly admissionEstablishments: readonly string[] | undefined,
  ) {}

  /**
   * Records a reception the adapter mapped, as the platform's own work (unrestricted scope): once
   * per HMPPS event (its idempotency key), the reception's own rules deciding the rest (a refusal
   * is dead-lettered with its code).
   */
  receive(translation: { receive: RecordReceptionBody; eventId: string }): Promise<void> {
    return runUnrestricted(async () => {
      await this.receptions.record(translation.receive, {
        actor: HMPPS_ACTOR,
        scope: 'unrestricted',
        correlationId: `hmpps:${translation.eventId}`,
        idempotencyKey: hmppsIdempotencyKey(translation.eventId),
      });
    });
  }

  /**
   * Records a temporary absence's departure or return the adapter mapped, as the platform's own
   * work: once per HMPPS event (its idempotency key); the absence's own rules decide the rest (a
   * refusal, e.g. a departure while out already, is dead-lettered with its code). The service
   * emits custody.absence.started / .ended.
   */
  recordAbsence(translation: { absence: AbsenceMovement; eventId: string }): Promise<void> {
    const { absence, eventId } = translation;
    const context = {
      actor: HMPPS_ACTOR,
      scope: 'unrestricted' as const,
      correlationId: `hmpps:${eventId}`,
      idempotencyKey: hmppsIdempotencyKey(eventId),
    };
    return runUnrestricted(async () => {
      if (absence.part === 'DEPARTURE')
        await this.absences.depart(absence.personId, absence.episode, absence.body, context, {
          movementReasonCode: absence.movementReasonCode,
          hmppsEventId: eventId,
        });
      else
        await this.absences.return(
          absence.personId,
          absence.episode,
          absence.absenceId,
          absence.body,
          context,
          { hmppsEventId: eventId },
        );
    });
  }

  translate(event: HmppsDomainEvent, subject?: string): Promise<HmppsTranslation> {
    return runUnrestricted(() => this.translateFact(event, subject));
  }

  /**
   * Whether `liberation-movements` has handled the published event: recorded it (its outbox holds
   * the id) or found it changed nothing (its idempotency key for the event is taken).
   */
  applied(event: KnownEvent): Promise<boolean> {
    return runUnrestricted(async () => {
      const manager = this.dataSource.manager;
      if (await isInOutbox(manager, event.eventId)) return true;
      const kind = event.eventType === 'custody.person.released' ? 'release' : 'transfer';
      return idempotencyKeyTaken(manager, `liberation:${kind}:bus:${event.eventId}`);
    });
  }

  private async translateFact(event: HmppsDomainEvent, subject?: string): Promise<HmppsTranslation> {
    if (subject !== undefined && subject !== `hmpps.inbound.${event.eventType}`) {
      throw new PermanentError(
        'SUBJECT_MISMATCH',
        `an event of type ${event.eventType} was published on ${subject} (expected hmpps.inbound.${event.eventType})`,
      );
    }
    if (!(hmppsInboundEventTypes as readonly string[]).includes(event.eventType) || event.version !== 1) {
      throw new PermanentError(
        'HMPPS_EVENT_NOT_MAPPED',
        `${event.eventType}@${event.version} is not mapped (the adapter maps ${hmppsInboundEventTypes.join(' and ')}, version 1)`,
      );
    }
    const info = movementInformation(event);
    const personId = this.personIds.of(info.nomsNumber);
    const eventId = hmppsEventId(event, personId);
    if (await isInOutbox(this.dataSource.manager, eventId)) return { skip: `already applied as ${eventId}` };
    const occurredAt = new Date(event.occurredAt);
    if (event.eventType === HMPPS_PRISONER_RELEASED) {
      if (info.reason === 'TRANSFERRED')
        return { skip: 'a transfer: applied from the prisoner.received of the receiving prison' };
      const away = TEMPORARY_RELEASES.get(info.reason);
      if (away) return this.absence(info, personId, eventId, occurredAt, { part: 'DEPARTURE', kind: away });
      if (info.reason !== 'RELEASED') {
        throw new PermanentError(
          'HMPPS_RELEASE_NEEDS_DECISION',
          `a release with reason ${info.reason} is not mapped to a liberation: if it is one, record it with POST /releases`,
        );
      }
      const latest = await this.latestEpisode(personId);
      if (!latest || latest.releasedAt !== null) {
        // Released before staff completed the pending reception: nothing to open any more.
        const dismissed = await this.pendingReceptions.dismissOnRelease(
          personId,
          `released (HMPPS) from ${info.prisonId} at ${occurredAt.toISOString()} before the reception was completed: record both by hand if throughcare is wanted`,
        );
        if (dismissed > 0) return { skip: `released before its pending reception was completed: dismissed` };
      }
      if (!latest) return { skip: 'no custody episode of this person is held here' };
      refuseOutsideNomis(latest);
      if (latest.releasedAt !== null) {
        if (latest.releasedAt.getTime() === occurredAt.getTime())
          return { skip: `already held: episode ${latest.episode} released at ${event.occurredAt}` };
        throw this.notYetKnown(personId, latest);
      }
      return this.mapped(event, eventId, personId, {
        eventType: 'custody.person.released',
        data: {
          episode: latest.episode,
          establishmentCode: info.prisonId,
          reason: 'RELEASED',
          releasedAt: occurredAt.toISOString(),
        },
      });
    }
    // prisoner.received
    const back = RETURNS.get(info.reason);
    if (back) return this.absence(info, personId, eventId, occurredAt, { part: 'RETURN', kind: back });
    if (info.reason === 'ADMISSION' || info.reason === 'READMISSION')
      return this.admission(info, personId, eventId, occurredAt);
    if (info.reason !== 'TRANSFERRED') {
      throw new PermanentError(
        'HMPPS_EVENT_NOT_MAPPED',
        `a reception with reason ${info.reason} is not mapped (ADMISSION, READMISSION, TRANSFERRED, TEMPORARY_ABSENCE_RETURN, RETURN_FROM_COURT are)`,
      );
    }
    const latest = await this.latestEpisode(personId);
    if (!latest || latest.releasedAt !== null) {
      const pending = await this.pendingReceptions.pendingOf(personId);
      if (pending)
        throw new PermanentError(
          'HMPPS_RECEPTION_PENDING',
          `a transfer to ${info.prisonId} of a person whose reception at ${pending.establishmentCode} is pending (${pending.id}): complete it (GET /receptions/pending), then replay this letter`,
        );
    }
    if (!latest) return { skip: 'no custody episode of this person is held here' };
    refuseOutsideNomis(latest);
    if (latest.releasedAt !== null) throw this.notYetKnown(personId, latest);
    const heldAt = whereHeld(latest, {
      movements: await loadMovements(this.dataSource.manager, personId, latest.episode),
    });
    if (heldAt === info.prisonId) return { skip: `already held: episode ${latest.episode} is at ${heldAt}` };
    // The custody record refuses a transfer while the person is out on ROTL (ABSENCE_OPEN): say so
    // here, at once, rather than publish a movement liberation-movements will dead-letter while
    // this event waits for it (and holds the person's later events) for the not-applied horizon.
    const open = await this.openAbsence(personId, latest.episode);
    const rotl = open?.kind === 'ROTL' ? open : undefined;
    if (rotl)
      throw new PermanentError(
        'HMPPS_ABSENCE_OPEN',
        `a transfer to ${info.prisonId} at ${occurredAt.toISOString()}, but the person is out on ROTL since ${rotl.leftAt.toISOString()} (absence ${rotl.id}): record the return at or before ${occurredAt.toISOString()} (POST /people/{personId}/episodes/${latest.episode}/absences/${rotl.id}/return), then replay this letter`,
      );
    return this.mapped(event, eventId, personId, {
      eventType: 'custody.person.transferred',
      data: {
        episode: latest.episode,
        fromEstablishmentCode: heldAt,
        toEstablishmentCode: info.prisonId,
        transferredAt: occurredAt.toISOString(),
      },
    });
  }

  /**
   * An admission. A recall (the NOMIS movement reason one of the recall codes) of a person whose
   * latest episode here was released (RELEASED) from a sentence that has not ended is received as
   * a return to custody: at the prison and instant of the event, with that episode's jurisdiction,
   * home area, sentence, sex and date of birth, and a release date planned by {@link recallRelease}.
   * A recall of a person the record holds nothing of is skipped (the feed is national); a recall
   * the record cannot plan needs detail the event does not carry: dead-lettered, to be recorded
   * with `POST /receptions`. Any other admission (a new reception) is kept as a pending reception
   * for the receiving prison's staff to complete ({@link HmppsInboundTranslator.newAdmission}).
   */
  private async admission(
    info: HmppsPrisonerMovementInformation,
    personId: string,
    eventId: string,
    occurredAt: Date,
  ): Promise<HmppsTranslation> {
    const recall = RecallReasonCode.safeParse(info.nomisMovementReasonCode);
    if (!recall.success) return this.newAdmission(info, personId, eventId, occurredAt);
    const code = recall.data;
    const manager = this.dataSource.manager;
    // Another copy of a recall received already, whatever has happened since.
    const same = await manager.findOneBy(CustodyEpisode, { personId, receivedAt: occurredAt });
    if (same) return { skip: heldAtInstant(same, occurredAt) };
    const latest = await this.latestEpisode(personId);
    if (!latest) return { skip: 'no custody episode of this person is held here' };
    refuseOutsideNomis(latest);
    if (latest.releasedAt === null) {
      // Staff recorded the recall already (at their own time for it), or the release is missing.
      if (latest.returnToCustodyReason === 'RECALL' && latest.receivedAt !== null)
        return {
          skip: `already received: episode ${latest.episode} is a recall, open since ${latest.receivedAt.toISOString()}`,
        };
      throw new PermanentError(
        'HMPPS_RECALL_EPISODE_OPEN',
        `a recall (movement reason ${code}), but episode ${latest.episode} is open here with no release recorded: record the release (or the recall with POST /receptions), then replay this letter`,
      );
    }
    if (!isReceived(latest) || latest.releaseReason !== 'RELEASED') {
      throw new PermanentError(
        'HMPPS_RECALL_NEEDS_DETAIL',
        `a recall (movement reason ${code}) after episode ${latest.episode}, ${isReceived(latest) ? `released ${latest.releaseReason ?? 'for no recorded reason'}, not on licence` : 'a liberation from court with no sentence recorded'}: record it with POST /receptions`,
      );
    }
    // The sentence's last day (the expiry date): the day it starts counts as its first.
    const lastDay = addDays(latest.sentenceDate, latest.sentenceLengthDays - 1);
    const receivedOn = localDateOf(occurredAt);
    if (receivedOn > lastDay) {
      throw new PermanentError(
        'HMPPS_RECALL_NEEDS_DETAIL',
        `a recall (movement reason ${code}) after the sentence of episode ${latest.episode} expired (${lastDay}): a new sentence is not known here; record it with POST /receptions`,
      );
    }
    const history = await loadEpisodeHistory(manager, latest);
    const expectedReleaseDate = recallRelease(
      code,
      latest,
      currentExpectedReleaseDate(latest, history),
      receivedOn,
      lastDay,
    );
    // Checked as POST /receptions checks it (a release date outside the plannable range, say).
    const body = RecordReceptionBodySchema.safeParse({
      prisonNumber: info.nomsNumber,
      establishmentCode: info.prisonId,
      jurisdiction: latest.jurisdiction,
      homeLocalAuthority: latest.homeLocalAuthority,
      reason: 'READMISSION',
      receivedAt: occurredAt.toISOString(),
      sentenceDate: latest.sentenceDate,
      sentenceLengthDays: latest.sentenceLengthDays,
      expectedReleaseDate,
      returnToCustody: { reason: 'RECALL', recallReasonCode: code },
      ...(latest.sex === null ? {} : { sex: latest.sex }),
      ...(latest.dateOfBirth === null ? {} : { dateOfBirth: latest.dateOfBirth }),
    });
    if (!body.success) {
      throw new PermanentError(
        'HMPPS_RECALL_NEEDS_DETAIL',
        `a recall (movement reason ${code}) whose reception, derived from episode ${latest.episode}, cannot be planned (${describeIssues(body.error)}): record it with POST /receptions`,
      );
    }
    return { eventId, receive: body.data };
  }

  /**
   * A new reception (an admission, not a recall). The event carries no sentence, release date or
   * home area (fetching them from Prisoner Search is not built), so it is kept as a pending
   * reception for the receiving prison's staff to complete or dismiss (`/receptions/pending`),
   * once per HMPPS event. Skipped when the record already holds it (an episode received at that
   * instant, or open at that prison: staff recorded it first), or when this admission was voided
   * as in error (a reception reversal's IN_ERROR: stale, said in the log); dead-lettered when an episode is
   * open at another prison (a release the record never heard of: a person must look).
   */
  private async newAdmission(
    info: HmppsPrisonerMovementInformation,
    personId: string,
    eventId: string,
    occurredAt: Date,
  ): Promise<HmppsTranslation> {
    if (this.admissionEstablishments !== undefined && !this.admissionEstablishments.includes(info.prisonId))
      return {
        skip: `${info.prisonId} is not a prison this service receives people into (HMPPS_ADMISSION_ESTABLISHMENTS)`,
      };
    const manager = this.dataSource.manager;
    // This admission (another copy, or another event for it) voided as in error by the reversal of
    // the reception that completed it: stale, nothing completes from it, nor is it pending again.
    const voided = await manager.findOne(PendingReception, {
      where: [
        { hmppsEventId: eventId, status: 'VOID' },
        { personId, establishmentCode: info.prisonId, receivedAt: occurredAt, status: 'VOID' },
      ],
    });
    if (voided)
      return {
        skip: `a stale admission: pending reception ${voided.id} (${info.prisonId}, ${occurredAt.toISOString()}) was voided as in error by the reversal of episode ${voided.episode}'s reception`,
        notice: true,
      };
    const same = await manager.findOneBy(CustodyEpisode, { personId, receivedAt: occurredAt });
    if (same) return { skip: heldAtInstant(same, occurredAt) };
    const latest = await this.latestEpisode(personId);
    if (latest && latest.releasedAt === null) {
      const heldAt = whereHeld(latest, {
        movements: await loadMovements(manager, personId, latest.episode),
      });
      // Staff recorded this reception first (at their own time for it, within a day of HMPPS's).
      if (
        heldAt === info.prisonId &&
        latest.receivedAt !== null &&
        Math.abs(latest.receivedAt.getTime() - occurredAt.getTime()) <= PENDING_RECEPTION_MATCH_MS
      )
        return { skip: `already received: episode ${latest.episode} is open at ${heldAt}` };
      throw new PermanentError(
        'HMPPS_ADMISSION_EPISODE_OPEN',
        `an admission (${info.reason}) at ${info.prisonId}, but episode ${latest.episode} of this person is open at ${heldAt} (received ${latest.receivedAt?.toISOString() ?? 'from court'}) with no release recorded: record the release (or a transfer), then replay this letter`,
      );
    }
    return {
      pending: {
        hmppsEventId: eventId,
        personId,
        prisonNumber: info.nomsNumber,
        establishmentCode: info.prisonId,
        reason: info.reason as 'ADMISSION' | 'READMISSION',
        ...(info.nomisMovementReasonCode ? { movementReasonCode: info.nomisMovementReasonCode } : {}),
        receivedAt: occurredAt,
        correlationId: `hmpps:${eventId}`,
      },
    };
  }

  /**
   * A temporary absence's departure (ROTL, court) or return, of the person's open episode. Nothing
   * of the person held here: skipped (the feed is national). This HMPPS event recorded already
   * (its idempotency key taken, whatever has happened since, e.g. a later absence opened):
   * skipped. Their latest episode released: a reception may be on its way (retried, then
   * dead-lettered).
   *
   * Which absence it is: {@link matchHmppsAbsence}. Staff's movement (within
   * {@link ABSENCE_MATCH_MS} of an absence it can be): skipped, the event's id kept on that absence
   * (under the person's lock) so no other HMPPS event is matched to it and a redelivery is seen as
   * this one. A return whose absence was reversed, ended by a transfer or release, or returned
   * already: skipped, saying which. A return with no absence of its kind before it: its departure
   * is late or was lost, so retried for the late horizon (staff may record it, or it may be
   * replayed), then dead-lettered `HMPPS_ABSENCE_NOT_OPEN`. A return from the other kind of
   * absence than the one open: dead-lettered.
   */
  private async absence(
    info: HmppsPrisonerMovementInformation,
    personId: string,
    eventId: string,
    occurredAt: Date,
    movement: { part: 'DEPARTURE' | 'RETURN'; kind: AbsenceKind },
  ): Promise<HmppsTranslation> {
    const what = movement.part === 'DEPARTURE' ? 'departure' : 'return';
    // Before reading the open absence: an old copy of this event must not be matched against a
    // later absence (its request would differ, and dead-letter as IDEMPOTENCY_KEY_REUSED).
    if (
      await idempotencyKeyTaken(
        this.dataSource.manager,
        absenceIdempotencyKey(what, hmppsIdempotencyKey(eventId)),
      )
    )
      return { skip: `${info.reason}: this ${what} is recorded already (HMPPS event ${eventId})` };
    const latest = await this.latestEpisode(personId);
    if (!latest) return { skip: 'no custody episode of this person is held here' };
    refuseOutsideNomis(latest);
    if (latest.releasedAt !== null) throw this.notYetKnown(personId, latest);
    const at = occurredAt.toISOString();
    const within = `within ${ABSENCE_MATCH_MS / 60_000} min of ${at}`;
    // Under the person's lock: staff recording meanwhile, or another copy, sees the match.
    const match = await this.dataSource.transaction(async (tx) => {
      await lockPerson(tx, personId);
      const absences = await tx.find(TemporaryAbsence, { where: { personId, episode: latest.episode } });
      const found = matchHmppsAbsence(absences, movement, occurredAt, eventId);
      if ('matched' in found && !found.already)
        await tx.update(
          TemporaryAbsence,
          { id: found.matched.id },
          movement.part === 'DEPARTURE'
            ? { hmppsDepartureEventId: eventId }
            : { hmppsReturnEventId: eventId },
        );
      return found;
    });
    if ('matched' in match) {
      const a = match.matched;
      const instant =
        movement.part === 'DEPARTURE'
          ? `left at ${a.leftAt.toISOString()}`
          : `back at ${a.returnedAt!.toISOString()}`;
      return {
        skip: match.already
          ? `${info.reason}: matched already to staff's ${what} of ${a.kind} absence ${a.id} (HMPPS event ${eventId})`
          : `${info.reason}: staff recorded this ${what} already (${a.kind} absence ${a.id}, ${instant}, ${within})`,
      };
    }
    if ('ended' in match)
      return {
        notice: true,
        skip: `${info.reason} at ${at}, no ${movement.kind} absence open: the latest one (${match.ended.id}, left ${match.ended.leftAt.toISOString()}) needs no return, ${match.why}`,
      };
    if ('notOpen' in match)
      throw new TransientError(
        'HMPPS_ABSENCE_NOT_OPEN',
        `${info.reason} at ${at}, but no absence of episode ${latest.episode} is open: its departure is late or was lost (held for ${Math.round(this.episodeLateHorizonMs / 1000)} s, then dead-lettered). Record the departure (POST /people/{personId}/episodes/${latest.episode}/absences, kind ${movement.kind}, leftAt before ${at}), then replay this letter`,
        this.episodeLateHorizonMs,
      );
    if ('kindMismatch' in match) {
      const open = match.kindMismatch;
      throw new PermanentError(
        'HMPPS_ABSENCE_KIND_MISMATCH',
        `${info.reason} (the end of a ${movement.kind} absence), but the absence open since ${open.leftAt.toISOString()} is ${open.kind}: record the return with POST /people/{personId}/episodes/${latest.episode}/absences/${open.id}/return, or reverse the departure`,
      );
    }
    if ('returnFrom' in match) {
      const body = RecordReturnBodySchema.safeParse({ returnedAt: at });
      if (!body.success) throw new PermanentError('INVALID_EVENT_DATA', describeIssues(body.error));
      return {
        absence: {
          part: 'RETURN',
          personId,
          episode: latest.episode,
          absenceId: match.returnFrom.id,
          body: body.data,
        },
        eventId,
      };
    }
    const body = RecordDepartureBodySchema.safeParse({ kind: movement.kind, leftAt: at });
    if (!body.success) throw new PermanentError('INVALID_EVENT_DATA', describeIssues(body.error));
    return {
      absence: {
        part: 'DEPARTURE',
        personId,
        episode: latest.episode,
        body: body.data,
        movementReasonCode: info.nomisMovementReasonCode ?? null,
      },
      eventId,
    };
  }

  /** Keeps a pending reception the adapter mapped (once per HMPPS event). True when new. */
  keepPending(translation: { pending: PendingReceptionFacts }): Promise<boolean> {
    return this.pendingReceptions.recordFromHmpps(translation.pending);
  }

  /** The absence the person is out on now in the episode, if any (one stands open at a time). */
  private async openAbsence(personId: string, episode: number): Promise<TemporaryAbsence | undefined> {
    return (await this.absencesOf(personId, episode)).find(absenceOpen);
  }

  private absencesOf(personId: string, episode: number): Promise<TemporaryAbsence[]> {
    return this.dataSource.manager.find(TemporaryAbsence, { where: { personId, episode } });
  }

  /** The latest episode not void (a reception reversed as recorded in error never was). */
  private latestEpisode(personId: string): Promise<CustodyEpisode | null> {
    return this.dataSource.manager.findOne(CustodyEpisode, {
      where: { personId, voidedAt: IsNull() },
      order: { episode: 'DESC' },
    });
  }

  private notYetKnown(personId: string, latest: CustodyEpisode): TransientError {
    return new TransientError(
      'EPISODE_NOT_YET_KNOWN',
      `no open custody episode of person ${personId} (episode ${latest.episode} was released at ${latest.releasedAt?.toISOString()}): a reception may still be on its way (held for ${Math.round(this.episodeLateHorizonMs / 1000)} s, then dead-lettered)`,
      this.episodeLateHorizonMs,
    );
  }

  /** The platform's event for the HMPPS one, checked against the catalogue. */
  private mapped(
    event: HmppsDomainEvent,
    eventId: string,
    personId: string,
    body: Pick<Mapped, 'eventType' | 'data'>,
  ): HmppsTranslation {
    const parsed = parseEvent({
      ...body,
      version: 1,
      eventId,
      occurredAt: new Date(event.occurredAt).toISOString(),
      correlationId: `hmpps:${eventId}`,
      // The pseudonym only: Throughcare puts no prison number on the bus (issue 8).
      personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: personId }] },
    });
    if (!parsed.ok) throw new PermanentError('INVALID_EVENT_DATA', parsed.reason);
    return { publish: parsed.event };
  }
}

/** Days of a fixed-term recall (Criminal Justice Act 2003 s.255C): 14 for a sentence under 12 months, else 28. */
const FIXED_TERM_RECALL_DAYS = { underTwelveMonths: 14, otherwise: 28 } as const;

/**
 * The release date a recall received from HMPPS is planned to, which the event does not say.
 * A recall from home detention curfew (`B`) holds the person to the conditional release date
 * (CJA 2003 s.255: the episode before's current expected release date), or the day received if
 * that has passed. Any other is planned as a fixed-term recall (s.255C), the soonest a recall
 * ends, so that pre-release work is never late: a standard recall's later date, or a re-release,
 * is a release-date change. Never after the sentence's last day.
 */
export function recallRelease(
  code: RecallReasonCode,
  episode: { sentenceLengthDays: number },
  expectedBefore: string | null,
  receivedOn: string,
  lastDay: string,
): string {
  const planned =
    code === 'B' && expectedBefore !== null
      ? expectedBefore > receivedOn
        ? expectedBefore
        : receivedOn
      : addDays(
          receivedOn,
          episode.sentenceLengthDays < 365
            ? FIXED_TERM_RECALL_DAYS.underTwelveMonths
            : FIXED_TERM_RECALL_DAYS.otherwise,
        );
  return planned < lastDay ? planned : lastDay;
}

/** NOMIS, and so HMPPS's prisoner events, cover England and Wales: not a Scottish episode. */
function refuseOutsideNomis(episode: CustodyEpisode): void {
  if (episode.jurisdiction !== 'ENGLAND_AND_WALES') {
    throw new PermanentError(
      'HMPPS_JURISDICTION',
      `episode ${episode.episode} of this person is held in ${episode.jurisdiction}, and HMPPS events speak for England and Wales only: is the prison number someone else's?`,
    );
  }
}

/** `additionalInformation` of a prisoner movement, and a person reference that agrees with it. */
function movementInformation(event: HmppsDomainEvent): HmppsPrisonerMovementInformation {
  const parsed = HmppsPrisonerMovementInformation.safeParse(event.additionalInformation ?? {});
  if (!parsed.success) {
    throw new PermanentError(
      'INVALID_EVENT_DATA',
      parsed.error.issues
        .map((i) => `additionalInformation.${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; '),
    );
  }
  const others = (event.personReference?.identifiers ?? []).filter(
    (i) => i.type === 'NOMS' && i.value !== parsed.data.nomsNumber,
  );
  if (others.length > 0) {
    throw new PermanentError(
      'PERSON_REFERENCE_MISMATCH',
      'personReference and additionalInformation.nomsNumber do not name the same person',
    );
  }
  return parsed.data;
}

/** How long one handler call waits for liberation-movements to apply what it published. */
const APPLIED_WAIT_MS = 20_000;
/** How long an event whose movement is not applied is retried (republished, deduplicated) before its dead letter. */
const NOT_APPLIED_HORIZON_MS = 10 * 60_000;

/** The durable consumer's name; its dead letters go to `throughcare.dlq.liberation-hmpps`. */
export const HMPPS_INBOUND_CONSUMER = 'liberation-hmpps';

/**
 * Runs the durable JetStream consumer `liberation-hmpps` on the `hmpps` stream: each mapped HMPPS
 * event is published as the platform's own (Nats-Msg-Id = its event id), one person's events in
 * bus order. What cannot be mapped is dead-lettered with its code and reason.
 */
@Injectable()
export class HmppsInboundConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('HmppsInbound');
  private consumer: DurableConsumer<HmppsDomainEvent> | undefined;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly translator: HmppsInboundTranslator,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const jsm = await jetstreamManager(this.nc);
    await ensureStreams(jsm);
    const publisher = new JetStreamPublisher(jetstream(this.nc));
    this.consumer = new DurableConsumer<HmppsDomainEvent>({
      js: jetstream(this.nc),
      jsm,
      name: HMPPS_INBOUND_CONSUMER,
      stream: HmppsStream.name,
      filterSubjects: hmppsInboundEventTypes.map(hmppsInboundSubject),
      parse: parseHmppsEvent,
      handler: async (event, context) => {
        const translation = await this.translator.translate(event, context.subject);
        if ('skip' in translation) {
          // A return whose absence needs none (reversed, ended, back already): said, not debug.
          const log = translation.notice ? 'log' : 'debug';
          this.logger[log](`${context.subject}#${context.streamSequence}: skipped (${translation.skip})`);
          return;
        }
        if ('pending' in translation) {
          const kept = await this.translator.keepPending(translation);
          this.logger.debug(
            `${context.subject}#${context.streamSequence}: ${kept ? 'kept as a pending reception for staff to complete' : 'a pending reception already kept'}`,
          );
          return;
        }
        if ('absence' in translation) {
          await this.translator.recordAbsence(translation);
          this.logger.debug(
            `${context.subject}#${context.streamSequence}: recorded an absence's ${translation.absence.part.toLowerCase()}`,
          );
          return;
        }
        if ('receive' in translation) {
          // Recorded here, in order: the person's next HMPPS event is read against it.
          await this.translator.receive(translation);
          this.logger.debug(`${context.subject}#${context.streamSequence}: received (a recall)`);
          return;
        }
        const published = translation.publish;
        const ack = await publisher.publish(published).catch((e: unknown) => {
          throw new TransientError('PUBLISH_FAILED', `publishing ${published.eventType}: ${String(e)}`);
        });
        this.logger.debug(
          `${context.subject}#${context.streamSequence}: published ${published.eventType} ${published.eventId}${ack.duplicate ? ' (a duplicate)' : ''}`,
        );
        // The person's next HMPPS event is read against the record: only once this one is in it.
        const until = Date.now() + APPLIED_WAIT_MS;
        while (!(await this.translator.applied(published))) {
          if (Date.now() > until) {
            throw new TransientError(
              'NOT_YET_APPLIED',
              `published ${published.eventType} ${published.eventId}, not yet applied by liberation-movements (its dead letters say why if it never is)`,
              NOT_APPLIED_HORIZON_MS,
            );
          }
          await new Promise((r) => setTimeout(r, 250));
        }
      },
      orderingKey: (event) => {
        const noms = event.additionalInformation?.['nomsNumber'];
        return typeof noms === 'string' ? noms : '';
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

/**
 * Why an admission or recall at an instant the record holds a reception at is skipped: that
 * episode, or, when its reception was reversed as in error, that it is void (review of stop 39, N11).
 */
function heldAtInstant(same: CustodyEpisode, occurredAt: Date): string {
  return isVoid(same)
    ? `already seen: episode ${same.episode} received at ${occurredAt.toISOString()} is void (reception reversed); a new reception is recorded with POST /receptions`
    : `already held: episode ${same.episode} received at ${occurredAt.toISOString()}`;
}
