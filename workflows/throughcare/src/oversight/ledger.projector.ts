import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { NatsConnection } from '@nats-io/nats-core';
import { DataSource } from 'typeorm';
import { identifierOf, subjectFor, type ClocksReportedV1, type KnownEvent } from '@throughcare/contracts';
import { NATS_CONNECTION } from '@throughcare/platform-http';
import { PermanentError, startDurableConsumer, type DurableConsumer } from '@throughcare/platform-messaging';

/** The durable consumer's name; its dead letters go to `throughcare.dlq.oversight-sla-ledger`. */
export const LEDGER_CONSUMER = 'oversight-sla-ledger';
export const LEDGER_EVENT_TYPE = 'throughcare.sla.clocks-reported';

export type OwnerKind = 'PRISON' | 'AGENCY' | 'PRISON_AND_AGENCY' | 'OTHER';

/**
 * Who owes a clock, from the journey's `owedBy`: `prison:<code>`, `agency:<id>` (or `community
 * agency` before one is found), or `prison:<code> and agency:<id>` (the pre-release meeting).
 */
export function ownerOf(owedBy: string): { kind: OwnerKind; agencyId: string | null } {
  const agency = /(?:^|\band )agency:(\S+)$/.exec(owedBy)?.[1] ?? null;
  if (owedBy.startsWith('prison:'))
    return { kind: agency ? 'PRISON_AND_AGENCY' : 'PRISON', agencyId: agency };
  if (agency || owedBy === 'community agency') return { kind: 'AGENCY', agencyId: agency };
  return { kind: 'OTHER', agencyId: null };
}

/**
 * The establishment accountable for a clock: the prison that owes it (`prison:<code>`), else the
 * prison it is owed to (an agency's acknowledgement), else the journey's establishment when
 * reported. A clock met or breached at one prison stays there after a transfer.
 */
export function establishmentOf(c: { owedBy: string; owedTo: string }, reported: string): string {
  return /^prison:([A-Z]{3})\b/.exec(c.owedBy)?.[1] ?? /^prison:([A-Z]{3})\b/.exec(c.owedTo)?.[1] ?? reported;
}

/** The pathway of a need's clock (`needReferralAcknowledgement:HEALTH:1`, …); null for any other. */
export function pathwayOf(clockKey: string): string | null {
  const [kind, pathway] = clockKey.split(':');
  return kind?.startsWith('need') && pathway ? pathway : null;
}

export type LedgerOutcome = 'applied' | 'stale';

/**
 * Applies a journey's clocks report to the ledger (migration 600): the newest report per journey
 * wins, by (reportedAt, seq) (a run reset to an earlier point reports later, from a lower seq);
 * an older or repeated one (a redelivery, a replay of the stream) changes nothing. A report
 * replaces the journey's rows, so a clock it no longer lists is gone.
 */
@Injectable()
export class LedgerProjector {
  constructor(private readonly dataSource: DataSource) {}

  apply(event: ClocksReportedV1, streamSeq: number): Promise<LedgerOutcome> {
    const personId = identifierOf(event.personReference, 'THROUGHCARE_ID');
    if (!personId)
      throw new PermanentError(
        'PERSON_ID_REQUIRED',
        `${event.eventType} names no THROUGHCARE_ID: the ledger is kept by pseudonymous person id`,
      );
    const d = event.data;
    return this.dataSource.transaction(async (tx) => {
      const won: unknown[] = await tx.query(
        `INSERT INTO "throughcare"."ledger_journey" (journey, person_id, episode, seq, reported_at, stream_seq, closed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (journey) DO UPDATE
           SET seq = EXCLUDED.seq, reported_at = EXCLUDED.reported_at, stream_seq = EXCLUDED.stream_seq,
               closed_at = EXCLUDED.closed_at
         WHERE ("ledger_journey".reported_at, "ledger_journey".seq) < (EXCLUDED.reported_at, EXCLUDED.seq)
         RETURNING journey`,
        [d.journey, personId, d.episode, d.seq, d.reportedAt, streamSeq, d.closedAt ?? null],
      );
      if (won.length === 0) return 'stale';
      await tx.query(`DELETE FROM "throughcare"."ledger_clock" WHERE journey = $1`, [d.journey]);
      if (d.clocks.length === 0) return 'applied';
      const rows = d.clocks.map((c) => {
        const owner = ownerOf(c.owedBy);
        return {
          clock_key: c.key,
          clock: c.clock,
          establishment_code: establishmentOf(c, d.establishmentCode),
          status: c.status,
          owner_kind: owner.kind,
          owed_by: c.owedBy,
          owed_to: c.owedTo,
          agency_id: owner.agencyId,
          pathway: pathwayOf(c.key),
          started_at: c.startedAt,
          due_at: c.dueAt,
          met_at: c.metAt ?? null,
          breached_at: c.breachedAt ?? null,
          note: c.note ?? null,
        };
      });
      await tx.query(
        `INSERT INTO "throughcare"."ledger_clock"
           (journey, clock_key, person_id, episode, clock, status, owner_kind, owed_by, owed_to, agency_id,
            establishment_code, local_authority, jurisdiction, pathway, policy_id, policy_version,
            started_at, due_at, met_at, breached_at, note, reported_at, journey_closed_at)
         SELECT $1, r.clock_key, $2, $3, r.clock, r.status, r.owner_kind, r.owed_by, r.owed_to, r.agency_id,
                r.establishment_code, $4, $5, r.pathway, $6, $7, r.started_at, r.due_at, r.met_at,
                r.breached_at, r.note, $8, $9
           FROM jsonb_to_recordset($10::jsonb) AS r(
             clock_key text, clock text, establishment_code text, status text, owner_kind text,
             owed_by text, owed_to text, agency_id text, pathway text, started_at timestamptz,
             due_at timestamptz, met_at timestamptz, breached_at timestamptz, note text)
         ON CONFLICT (journey, clock_key) DO NOTHING`,
        [
          d.journey,
          personId,
          d.episode,
          d.localAuthority,
          d.jurisdiction,
          d.policy.id,
          d.policy.version,
          d.reportedAt,
          d.closedAt ?? null,
          JSON.stringify(rows),
        ],
      );
      return 'applied';
    });
  }
}

/**
 * Runs the durable consumer `oversight-sla-ledger`: the ledger is built from the bus only, so
 * reporting reads never touch the journeys or the services, and dropping its tables' rows and
 * this consumer rebuilds it from the stream (README, "The SLA ledger").
 */
@Injectable()
export class LedgerConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('SlaLedger');
  private consumer: DurableConsumer | undefined;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly projector: LedgerProjector,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.consumer = await startDurableConsumer(this.nc, {
      name: LEDGER_CONSUMER,
      filterSubjects: [subjectFor(LEDGER_EVENT_TYPE)],
      handler: async (event: KnownEvent, context) => {
        if (event.eventType !== LEDGER_EVENT_TYPE)
          throw new PermanentError('NOT_A_CLOCKS_REPORT', `${event.eventType} is not a clocks report`);
        const outcome = await this.projector.apply(event, context.streamSequence);
        this.logger.debug(`${event.data.journey} report ${event.data.seq}: ${outcome}`);
      },
      // One journey's reports in bus order, journeys in parallel.
      orderingKey: (event) => (event.eventType === LEDGER_EVENT_TYPE ? event.data.journey : ''),
      concurrency: 4,
      logger: this.logger,
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
  }
}
