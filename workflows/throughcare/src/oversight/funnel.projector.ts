import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { NatsConnection } from '@nats-io/nats-core';
import { DataSource } from 'typeorm';
import { JetStreamApiCodes, JetStreamApiError, jetstreamManager } from '@nats-io/jetstream';
import { Streams, subjectFor, type KnownEvent } from '@throughcare/contracts';
import { derivePersonId } from '@throughcare/platform-config';
import { NATS_CONNECTION } from '@throughcare/platform-http';
import {
  ensureStreams,
  PermanentError,
  startDurableConsumer,
  type DurableConsumer,
} from '@throughcare/platform-messaging';
import { personIdOf, UnroutableEvent } from '../bridge/event-to-command';
import { JOURNEY_LOOKUP_OPTIONS, type JourneyLookupOptions } from './journey-list';

/** The durable consumer's name; its dead letters go to `throughcare.dlq.oversight-funnel`. */
export const FUNNEL_CONSUMER = 'oversight-funnel';

/** The facts the funnel reads, each setting the columns of one custody episode (migration 700). */
export const FUNNEL_EVENT_TYPES = [
  'custody.person.received',
  'custody.person.liberated-from-court',
  'custody.person.transferred',
  'custody.person.released',
  'custody.movement.reversed',
  'custody.movement.corrected',
  'custody.release-date.changed',
  'custody.reception.reversed',
  'custody.court-liberation.reversed',
  'assessment.core-screen.completed',
  'assessment.assessment.completed',
  'referral.referral.sent',
  'referral.referral.outcome-recorded',
  'referral.appointment.attendance-recorded',
  'referral.referral-appointment.attendance-recorded',
  'throughcare.case.closed',
  'justice.person.reconvicted',
] as const;
export type FunnelEventType = (typeof FUNNEL_EVENT_TYPES)[number];
type FunnelEvent = Extract<KnownEvent, { eventType: FunnelEventType }>;

const isFunnelEvent = (event: KnownEvent): event is FunnelEvent =>
  (FUNNEL_EVENT_TYPES as readonly string[]).includes(event.eventType);

/** Releases that end custody: a temporary absence, a court appearance or a transfer does not. */
const NOT_A_RELEASE = new Set(['TRANSFERRED', 'TEMPORARY_ABSENCE_RELEASE', 'SENT_TO_COURT']);

/**
 * One column update: `col = <expression>`, where the expression reads the old row as "e" and
 * takes its values as `?`, bound in order.
 */
type Assignment = [column: string, expression: string, ...values: unknown[]];
/** The earliest instant wins (a step reached; whatever order its facts arrive in). */
const earliest = (column: string, value: unknown): Assignment => [
  column,
  `LEAST("e"."${column}", ?::timestamptz)`,
  value,
];

/**
 * Applies one bus fact to the attrition funnel's episode row (migration 700). Each fact sets
 * columns so that the result does not depend on arrival order or repetition: the earliest instant
 * of a step, the newest establishment and release-date reason, a union of needs; every release is
 * kept with whether it was reversed, and the episode's release is the earliest standing one (a
 * reversal may arrive before the release it undoes). Version-1 upstream
 * facts name the person by prison number, pseudonymised with the platform's secret as the bridge
 * does.
 */
@Injectable()
export class FunnelProjector {
  private readonly derive: (prisonNumber: string) => string;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(JOURNEY_LOOKUP_OPTIONS) options: JourneyLookupOptions,
  ) {
    this.derive = (prisonNumber) => derivePersonId(options.personIdSecret, prisonNumber);
  }

  /**
   * The episode row's key for a fact (PermanentError when it names nobody the funnel can key); a
   * conviction is the person's (no episode).
   */
  keyOf(event: FunnelEvent): { personId: string; episode: number | undefined } {
    try {
      return {
        personId: personIdOf(event.personReference, this.derive),
        episode: 'episode' in event.data ? event.data.episode : undefined,
      };
    } catch (e) {
      if (e instanceof UnroutableEvent) throw new PermanentError('PERSON_ID_REQUIRED', e.message);
      throw e;
    }
  }

  async apply(event: FunnelEvent): Promise<void> {
    const { personId, episode } = this.keyOf(event);
    const e = event;
    if (e.eventType === 'justice.person.reconvicted')
      // The same conviction published again changes nothing (its id is the key).
      return void (await this.dataSource.query(
        `INSERT INTO "throughcare"."outcome_conviction" (conviction_id, person_id, offence_date, convicted_on, seriousness)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (conviction_id) DO NOTHING`,
        [e.data.convictionId, personId, e.data.offenceDate, e.data.convictedOn, e.data.seriousness],
      ));
    const key = { personId, episode: episode! };
    switch (e.eventType) {
      case 'custody.person.received':
        return this.upsert(key, [
          earliest('received_at', e.data.receivedAt),
          ...this.establishment(e.data.establishmentCode, e.data.receivedAt),
          ['local_authority', '?', e.data.homeLocalAuthority],
          ['jurisdiction', '?', e.data.jurisdiction],
        ]);
      case 'custody.person.liberated-from-court':
        // The episode opens and ends at once: received and released on the same instant.
        await this.upsert(key, [
          earliest('received_at', e.data.releasedAt),
          ...this.establishment(e.data.establishmentCode, e.data.releasedAt),
          ['local_authority', '?', e.data.homeLocalAuthority],
          ['jurisdiction', '?', e.data.jurisdiction],
        ]);
        return this.release(key, e.eventId, { at: e.data.releasedAt, reason: 'FROM_COURT' });
      case 'custody.person.transferred':
        return this.upsert(key, this.establishment(e.data.toEstablishmentCode, e.data.transferredAt));
      case 'custody.person.released':
        if (NOT_A_RELEASE.has(e.data.reason)) return;
        await this.upsert(key, this.establishment(e.data.establishmentCode, e.data.releasedAt));
        return this.release(key, e.eventId, { at: e.data.releasedAt, reason: e.data.reason });
      case 'custody.movement.reversed':
        if (e.data.movement !== 'RELEASE') return;
        await this.upsert(key, []);
        return this.release(key, e.data.reversedEventId, 'reversed');
      case 'custody.movement.corrected':
        // A release's instant corrected (the newest version wins); a transfer's destination or
        // instant corrected: the establishment as of the corrected movement (newest instant wins).
        if (e.data.movement === 'RELEASE') {
          await this.upsert(key, []);
          return this.release(key, e.data.correctedEventId, {
            at: e.data.occurredAt,
            version: e.data.version,
          });
        }
        return this.upsert(
          key,
          e.data.toEstablishmentCode ? this.establishment(e.data.toEstablishmentCode, e.data.occurredAt) : [],
        );
      case 'custody.release-date.changed': {
        const newer = `"e"."release_date_changed_at" IS NULL OR "e"."release_date_changed_at" <= ?::timestamptz`;
        return this.upsert(key, [
          [
            'release_date_reason',
            `CASE WHEN ${newer} THEN ? ELSE "e"."release_date_reason" END`,
            e.data.changedAt,
            e.data.reason,
          ],
          [
            'release_date_changed_at',
            `GREATEST("e"."release_date_changed_at", ?::timestamptz)`,
            e.data.changedAt,
          ],
        ]);
      }
      case 'custody.reception.reversed':
      case 'custody.court-liberation.reversed':
        return this.upsert(key, [['voided', 'true']]);
      case 'assessment.core-screen.completed':
        return this.upsert(key, [earliest('core_screen_at', e.data.completedAt), this.needs(e.data.needs)]);
      case 'assessment.assessment.completed':
        if (e.data.kind !== 'COMPREHENSIVE_SCREEN') return this.upsert(key, [this.needs(e.data.needs)]);
        return this.upsert(key, [earliest('comprehensive_at', e.data.completedAt), this.needs(e.data.needs)]);
      case 'referral.referral.sent':
        return this.upsert(key, [earliest('referred_at', e.data.sentAt)]);
      case 'referral.referral.outcome-recorded':
        if (e.data.decision !== 'ACCEPTED') return;
        return this.upsert(key, [
          earliest('accepted_at', e.data.decidedAt),
          this.agencyReceived(e.data.agencyId),
        ]);
      case 'referral.appointment.attendance-recorded':
      case 'referral.referral-appointment.attendance-recorded':
        // An agency's appointment attended: a service the person received from it.
        await this.upsert(
          key,
          e.eventType === 'referral.referral-appointment.attendance-recorded' && e.data.attendance !== 'NO'
            ? [this.agencyReceived(e.data.agencyId)]
            : [],
        );
        // The newest record of an appointment's attendance wins (a correction replaces it).
        await this.dataSource.query(
          `INSERT INTO "throughcare"."funnel_attendance" (person_id, episode, appointment_id, attended, attended_at, recorded_at)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (person_id, episode, appointment_id) DO UPDATE
             SET attended = EXCLUDED.attended, attended_at = EXCLUDED.attended_at, recorded_at = EXCLUDED.recorded_at
           WHERE "funnel_attendance".recorded_at <= EXCLUDED.recorded_at`,
          [
            key.personId,
            key.episode,
            e.data.appointmentId,
            e.data.attendance !== 'NO',
            e.data.attendedAt,
            e.occurredAt,
          ],
        );
        return;
      case 'throughcare.case.closed':
        // A case closes once; its reason with it (a repeat changes neither).
        return this.upsert(key, [
          [
            'close_reason',
            `CASE WHEN "e"."closed_at" IS NULL OR "e"."closed_at" > ?::timestamptz THEN ? ELSE "e"."close_reason" END`,
            e.data.closedAt,
            e.data.reason,
          ],
          earliest('closed_at', e.data.closedAt),
        ]);
    }
  }

  /**
   * Records a release (version 1), a correction of its instant (a later version: the newest wins),
   * or that it was reversed (recorded in error), whatever order these arrive in; then sets the
   * episode's release to the earliest standing one (recorded, not reversed). The episode's row is
   * locked first, so two consumers (two orchestrator replicas) cannot each miss the other's release.
   */
  private async release(
    key: { personId: string; episode: number },
    eventId: string,
    fact: { at: string; reason: string } | { at: string; version: number } | 'reversed',
  ): Promise<void> {
    await this.dataSource.transaction(async (tx) => {
      // The row first (in this transaction), then its lock.
      await tx.query(
        `INSERT INTO "throughcare"."funnel_episode" (person_id, episode) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
        [key.personId, key.episode],
      );
      await tx.query(
        `SELECT 1 FROM "throughcare"."funnel_episode" WHERE person_id = $1 AND episode = $2 FOR UPDATE`,
        [key.personId, key.episode],
      );
      const row = [key.personId, key.episode, eventId];
      if (fact === 'reversed')
        await tx.query(
          `INSERT INTO "throughcare"."funnel_release" (person_id, episode, event_id, reversed) VALUES ($1, $2, $3, true)
           ON CONFLICT (person_id, episode, event_id) DO UPDATE SET reversed = true`,
          row,
        );
      else if ('reason' in fact)
        await tx.query(
          `INSERT INTO "throughcare"."funnel_release" AS r (person_id, episode, event_id, released_at, reason) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (person_id, episode, event_id) DO UPDATE
             SET reason = EXCLUDED.reason,
                 released_at = CASE WHEN r.version <= 1 THEN EXCLUDED.released_at ELSE r.released_at END`,
          [...row, fact.at, fact.reason],
        );
      else
        await tx.query(
          `INSERT INTO "throughcare"."funnel_release" AS r (person_id, episode, event_id, released_at, version) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (person_id, episode, event_id) DO UPDATE
             SET released_at = CASE WHEN EXCLUDED.version > r.version THEN EXCLUDED.released_at ELSE r.released_at END,
                 version = GREATEST(r.version, EXCLUDED.version)`,
          [...row, fact.at, fact.version],
        );
      await tx.query(
        `UPDATE "throughcare"."funnel_episode" e
            SET (released_at, release_reason) = (
                  SELECT r.released_at, r.reason FROM "throughcare"."funnel_release" r
                   WHERE r.person_id = e.person_id AND r.episode = e.episode AND NOT r.reversed
                     AND r.released_at IS NOT NULL AND r.reason IS NOT NULL
                   ORDER BY r.released_at, r.event_id LIMIT 1),
                updated_at = now()
          WHERE e.person_id = $1 AND e.episode = $2`,
        [key.personId, key.episode],
      );
    });
  }

  /** The newest establishment wins (a transfer after a reception, whatever order they arrive in). */
  private establishment(code: string, at: string): Assignment[] {
    const newer = `"e"."establishment_at" IS NULL OR "e"."establishment_at" <= ?::timestamptz`;
    return [
      ['establishment_code', `CASE WHEN ${newer} THEN ? ELSE "e"."establishment_code" END`, at, code],
      ['establishment_at', `GREATEST("e"."establishment_at", ?::timestamptz)`, at],
    ];
  }

  /** An agency the person received a service from (attribution of outcomes): a set. */
  private agencyReceived(agencyId: string): Assignment {
    return [
      'agencies_received',
      `ARRAY(SELECT DISTINCT a FROM unnest("e"."agencies_received" || ARRAY[?::text]) AS a ORDER BY a)`,
      agencyId,
    ];
  }

  private needs(needs: readonly string[]): Assignment {
    return [
      'needs',
      `ARRAY(SELECT DISTINCT n FROM unnest("e"."needs" || ?::text[]) AS n ORDER BY n)`,
      [...needs],
    ];
  }

  /** Where the funnel's (re)build begins on the stream (null: from its start, nothing lost). */
  async recordOrigin(streamFirstSeq: number, completeSince: string | null): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO "throughcare"."read_model_origin" (read_model, built_at, stream_first_seq, complete_since)
       VALUES ($1, now(), $2, $3)
       ON CONFLICT (read_model) DO UPDATE
         SET built_at = now(), stream_first_seq = EXCLUDED.stream_first_seq, complete_since = EXCLUDED.complete_since`,
      [FUNNEL_CONSUMER, streamFirstSeq, completeSince],
    );
  }

  /** Creates the episode's row if it is not there, then applies the assignments to it (reading the old values as "e"). */
  private async upsert(key: { personId: string; episode: number }, assignments: Assignment[]): Promise<void> {
    const params: unknown[] = [key.personId, key.episode];
    const sets = assignments.map(([column, expression, ...values]) => {
      let i = 0;
      const sql = expression.replace(/\?/g, () => {
        params.push(values[i++]);
        return `$${params.length}`;
      });
      return `"${column}" = ${sql}`;
    });
    // Two statements: an INSERT … ON CONFLICT DO UPDATE would apply nothing of the fact that
    // creates the row (its insert takes only the key). One episode's facts run one at a time.
    await this.dataSource.query(
      `INSERT INTO "throughcare"."funnel_episode" (person_id, episode) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
      [key.personId, key.episode],
    );
    if (sets.length === 0) return;
    await this.dataSource.query(
      `UPDATE "throughcare"."funnel_episode" AS "e" SET ${[...sets, `"updated_at" = now()`].join(', ')}
        WHERE "e".person_id = $1 AND "e".episode = $2`,
      params,
    );
  }
}

/**
 * Runs the durable consumer `oversight-funnel`: the funnel is built from the bus only, so its reads
 * never touch the journeys or the services, and dropping its tables' rows and this consumer
 * rebuilds it from the stream (README, "The attrition funnel").
 */
@Injectable()
export class FunnelConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('AttritionFunnel');
  private consumer: DurableConsumer | undefined;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly projector: FunnelProjector,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.recordOrigin();
    this.consumer = await startDurableConsumer(this.nc, {
      name: FUNNEL_CONSUMER,
      filterSubjects: FUNNEL_EVENT_TYPES.map(subjectFor),
      handler: async (event: KnownEvent) => {
        if (!isFunnelEvent(event))
          throw new PermanentError('NOT_A_FUNNEL_FACT', `${event.eventType} is not a fact the funnel reads`);
        await this.projector.apply(event);
      },
      // One episode's facts in bus order, episodes in parallel. A fact naming nobody gets its own
      // key, and is dead-lettered by the handler.
      orderingKey: (event) => {
        if (!isFunnelEvent(event)) return '';
        try {
          const { personId, episode } = this.projector.keyOf(event);
          return `${personId}:${episode ?? '-'}`;
        } catch {
          return '';
        }
      },
      concurrency: 4,
      logger: this.logger,
    });
  }

  /**
   * When the durable consumer is about to be made (a first deploy, or a rebuild after it was
   * deleted), records where on the stream the funnel begins: from the start when the stream still
   * holds its first message, else only since its oldest one (the stream keeps 30 days: older
   * episodes are missing). /funnel and the dashboard say so.
   */
  private async recordOrigin(): Promise<void> {
    const jsm = await jetstreamManager(this.nc);
    await ensureStreams(jsm);
    const exists = await jsm.consumers.info(Streams.events.name, FUNNEL_CONSUMER).then(
      () => true,
      (e: unknown) => {
        if (e instanceof JetStreamApiError && e.code === JetStreamApiCodes.ConsumerNotFound) return false;
        throw e;
      },
    );
    if (exists) return;
    const { state } = await jsm.streams.info(Streams.events.name);
    await this.projector.recordOrigin(state.first_seq, state.first_seq > 1 ? state.first_ts : null);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
  }
}
