import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { NatsConnection } from '@nats-io/nats-core';
import { DataSource, type EntityManager } from 'typeorm';
import { identifierOf, subjectFor, type KnownEvent } from '@throughcare/contracts';
import { NATS_CONNECTION } from '@throughcare/platform-http';
import {
  PermanentError,
  startDurableConsumer,
  TransientError,
  type DurableConsumer,
} from '@throughcare/platform-messaging';
import { runUnrestricted, withIdempotency } from '@throughcare/platform-persistence';
import { AgencyReferral } from './agency-referral.entity';

/** The referral facts that open and end an agency's access to the shared assessment. */
export const agencyReferralEventTypes = [
  'referral.referral.sent',
  'referral.referral.outcome-recorded',
  'referral.referral.closed',
  'referral.referral.withdrawn',
] as const;
type AgencyReferralEvent = Extract<KnownEvent, { eventType: (typeof agencyReferralEventTypes)[number] }>;

/** The durable consumer's name; its dead letters go to `throughcare.dlq.assessment-agency-referrals`. */
export const AGENCY_REFERRALS_CONSUMER = 'assessment-agency-referrals';

export type ProjectOutcome = 'recorded' | 'already-recorded';

/** How long a decision waits for its referral's sent to be recorded (retried) before its dead letter. */
const DECISION_WAITS_FOR_SENT_MS = 10 * 60_000;

const isAgencyReferralEvent = (event: KnownEvent): event is AgencyReferralEvent =>
  (agencyReferralEventTypes as readonly string[]).includes(event.eventType);

/**
 * Keeps `agency_referral` (migration 600): which agency holds an active referral of which person's
 * episode, for which pathways. Idempotent by event id (the Idempotency-Key `bus:<eventId>`, taken
 * in the same transaction as the change), and by construction: the sent facts and the end are each
 * written once, whichever arrives first, so a duplicate or a late event changes nothing and an end
 * that arrives before its sent leaves the referral ended. An event it cannot record (no
 * THROUGHCARE_ID; a referral id already known for another person or episode; a decision or close
 * naming an agency other than the one the referral was sent to) is a PermanentError,
 * which the consumer dead-letters with its code and reason; an event that does not parse is
 * dead-lettered by the consumer itself.
 */
@Injectable()
export class AgencyReferralsProjector {
  constructor(private readonly dataSource: DataSource) {}

  /** The platform's own work: unrestricted row-level security scope. */
  project(event: KnownEvent): Promise<ProjectOutcome> {
    return runUnrestricted(() =>
      this.dataSource.transaction(async (tx) => {
        let outcome: ProjectOutcome = 'already-recorded';
        await withIdempotency(tx, `bus:${event.eventId}`, async (m) => {
          await this.record(m, event);
          outcome = 'recorded';
          return { eventType: event.eventType };
        });
        return outcome;
      }),
    );
  }

  private async record(tx: EntityManager, event: KnownEvent): Promise<void> {
    if (!isAgencyReferralEvent(event))
      throw new PermanentError('NOT_A_REFERRAL_EVENT', `${event.eventType} does not open or end a referral`);
    const personId = personIdOf(event);
    const { referralId, episode } = event.data;
    const now = new Date();
    if (event.eventType === 'referral.referral.sent') {
      const { agencyId, pathways, sentAt } = event.data;
      await tx.query(
        `INSERT INTO "assessment"."agency_referral"
           (referral_id, person_id, episode, agency_id, pathways, sent_at, sent_event_id, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (referral_id) DO UPDATE
           SET agency_id = EXCLUDED.agency_id, pathways = EXCLUDED.pathways,
               sent_at = EXCLUDED.sent_at, sent_event_id = EXCLUDED.sent_event_id
         WHERE "agency_referral".agency_id IS NULL`,
        [referralId, personId, episode, agencyId, [...new Set(pathways)].sort(), sentAt, event.eventId, now],
      );
    } else if (event.eventType === 'referral.referral.outcome-recorded') {
      // The agency's own decision: DECLINED or WITHDRAWN ends its access, a later one (it
      // reconsidered) replaces it. Sent first, always: the referral service publishes a decision
      // only on a referral it sent, and one referral's events come in bus order.
      const { decision, decidedAt, agencyId } = event.data;
      await tx.query(
        `UPDATE "assessment"."agency_referral"
            SET decision = $2, decided_at = $3, decision_event_id = $4
          WHERE referral_id = $1 AND agency_id IS NOT NULL
            AND (decided_at IS NULL OR decided_at < $3)
`,
        [referralId, decision, decidedAt, event.eventId],
      );
      const row = await tx.findOneBy(AgencyReferral, { referralId });
      if (!row || row.agencyId === null)
        throw new TransientError(
          'REFERRAL_NOT_YET_SENT',
          `${event.eventType} for referral ${referralId}, whose referral.referral.sent is not recorded here yet`,
          DECISION_WAITS_FOR_SENT_MS,
        );
      if (row.agencyId !== agencyId)
        throw agencyMismatch(event.eventType, referralId, agencyId, row.agencyId);
    } else {
      // A close names the agency the referral was sent to: one naming another is a dead letter,
      // never a silent end of that agency's access. (A close that arrives before its sent is
      // recorded as it comes: the referral is ended either way, which can only close access.)
      if (event.eventType === 'referral.referral.closed') {
        const held = await tx.findOneBy(AgencyReferral, { referralId });
        if (held?.agencyId != null && held.agencyId !== event.data.agencyId)
          throw agencyMismatch(event.eventType, referralId, event.data.agencyId, held.agencyId);
      }
      const [endedBy, endedAt] =
        event.eventType === 'referral.referral.closed'
          ? (['CLOSED', event.data.closedAt] as const)
          : (['WITHDRAWN', event.occurredAt] as const);
      await tx.query(
        `INSERT INTO "assessment"."agency_referral"
           (referral_id, person_id, episode, ended_at, ended_by, end_event_id, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (referral_id) DO UPDATE
           SET ended_at = EXCLUDED.ended_at, ended_by = EXCLUDED.ended_by, end_event_id = EXCLUDED.end_event_id
         WHERE "agency_referral".ended_at IS NULL`,
        [referralId, personId, episode, endedAt, endedBy, event.eventId, now],
      );
    }
    const row = await tx.findOneByOrFail(AgencyReferral, { referralId });
    if (row.personId !== personId || row.episode !== episode)
      throw new PermanentError(
        'REFERRAL_MISMATCH',
        `${event.eventType} names referral ${referralId} for episode ${episode}, but this service holds that referral for ${
          row.personId === personId ? `episode ${row.episode} of the same person` : 'another person'
        }`,
      );
  }
}

/** An event naming an agency other than the one the referral was sent to: dead-lettered, nothing changed. */
function agencyMismatch(
  eventType: string,
  referralId: string,
  named: string,
  sentTo: string,
): PermanentError {
  return new PermanentError(
    'AGENCY_MISMATCH',
    `${eventType} names agency ${named} for referral ${referralId}, which was sent to agency ${sentTo}: not recorded`,
  );
}

function personIdOf(event: AgencyReferralEvent): string {
  const personId = identifierOf(event.personReference, 'THROUGHCARE_ID');
  if (!personId)
    throw new PermanentError(
      'PERSON_ID_REQUIRED',
      `${event.eventType} names no THROUGHCARE_ID: the shared assessment is kept by pseudonymous person id`,
    );
  return personId;
}

/**
 * Runs the durable consumer `assessment-agency-referrals`: explicit acks, dead letters with their
 * reason on `throughcare.dlq.assessment-agency-referrals`, one referral's events in bus order.
 */
@Injectable()
export class AgencyReferralsConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('AgencyReferrals');
  private consumer: DurableConsumer | undefined;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly projector: AgencyReferralsProjector,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.consumer = await startDurableConsumer(this.nc, {
      name: AGENCY_REFERRALS_CONSUMER,
      filterSubjects: agencyReferralEventTypes.map(subjectFor),
      handler: async (event) => {
        this.logger.debug(`${event.eventType} ${event.eventId}: ${await this.projector.project(event)}`);
      },
      orderingKey: (event) => (isAgencyReferralEvent(event) ? event.data.referralId : ''),
      concurrency: 4,
      logger: this.logger,
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
  }
}
