import { createHash } from 'node:crypto';
import type {
  ConvictionSeriousness,
  KnownEvent,
  LedgerClockStatus,
  Pathway,
  ReportedClock,
} from '@throughcare/contracts';
import { derivePersonId } from '@throughcare/platform-config';
import type { JetStreamPublisher } from '@throughcare/platform-messaging';
import { seededRandom } from '@throughcare/testing';
import { FunnelSteps, type FunnelStep, type ReleaseType } from './funnel.schemas';

// A generated cohort of synthetic journeys, as the bus carries them (issue 11: "figures computed
// from a generated cohort … whose right answers the generator knows"). Each journey is decided
// first (the last funnel step it reaches, whether its case closed, where, how released, its
// clocks), then written as the facts the services and the journey publish, with the noise real
// facts have: arriving out of order, repeated under a new event id, upstream version-1 events
// naming the person by prison number, facts that do not advance the funnel (a declined referral,
// an appointment missed, an attendance outside a window, a release recorded in error and
// reversed), and episodes received in error (voided). The right answers are counted from the
// decisions, not from the facts.

export const COHORT_ESTABLISHMENTS = ['BAR', 'GLE', 'LOW', 'PER', 'EDI'] as const;
const LOCAL_AUTHORITIES = ['S12000036', 'S12000049', 'S12000024', 'S12000030'] as const;
const PATHWAYS: readonly Pathway[] = ['ACCOMMODATION', 'DRUGS_AND_ALCOHOL', 'HEALTH', 'FINANCE_AND_ID'];
const CLOCK_STATUSES: readonly LedgerClockStatus[] = ['OPEN', 'MET', 'MET_LATE', 'BREACHED', 'CANCELLED'];

export interface SyntheticJourney {
  personId: string;
  episode: number;
  /** Index in FunnelSteps of the last step reached. */
  last: number;
  closed: boolean;
  /** When its case closed (null: open). */
  closedAtMs: number | null;
  /** Why its case closed (when closed): drop-out, or a closure that is not (died, back in custody …). */
  closeReason: 'FOLLOW_UP_COMPLETE' | 'CONSENT_WITHDRAWN' | 'DECEASED' | 'RECALLED' | null;
  establishment: string;
  localAuthority: string;
  releaseType: ReleaseType;
  needs: Pathway[];
  receivedMonth: string;
  /** The clocks of its newest report (the ledger's rows). */
  clocks: ReportedClock[];
  /** The UTC day it was released (null: not released), and the instant. */
  releasedOn: string | null;
  releasedAtMs: number | null;
  /** The agencies it received a service from (a referral accepted). */
  agenciesReceived: string[];
  /** Its convictions after release, each counted (offence within two years after it) or not, and why. */
  convictions: {
    daysAfterRelease: number;
    seriousness: ConvictionSeriousness;
    counted: boolean;
    excluded: boolean;
  }[];
}

export interface Cohort {
  seed: number;
  year: number;
  journeys: SyntheticJourney[];
  /** Episodes received in error (voided): in no figure. */
  voided: number;
  /** Every fact, in the order to publish them. */
  events: KnownEvent[];
  agencies: string[];
}

export interface ExpectedStep {
  step: FunnelStep;
  reached: number;
  stillOpen: number;
  dropped: number;
  closedOtherwise: number;
}

/** Closures the funnel does not count as drop-out (funnel.service.ts NOT_DROP_OUT). */
const NOT_DROP_OUT = new Set(['DECEASED', 'RECALLED']);
/** The engagement steps' windows after release, in days (a step past its window can no longer be reached). */
const WINDOW_DAYS: Partial<Record<FunnelStep, number>> = { ENGAGED_4_WEEKS: 28, ENGAGED_12_WEEKS: 84 };

/** The funnel the generator's decisions give, per group of `keyOf` (several keys: counted under each). */
/** How a journey that reached the step before `i` and not `i` stands at `i` (funnel.service.ts stoppedAt). */
export function stoppedState(
  j: SyntheticJourney,
  i: number,
  now = Date.now(),
): 'stillOpen' | 'dropped' | 'closedOtherwise' {
  // When the step could last be reached: never (no window), or its window's end after release.
  const days = WINDOW_DAYS[FunnelSteps[i]!];
  const lastChance = days !== undefined && j.releasedAtMs !== null ? j.releasedAtMs + days * DAY : Infinity;
  if (j.closedAtMs !== null)
    return j.closedAtMs < lastChance && NOT_DROP_OUT.has(j.closeReason!) ? 'closedOtherwise' : 'dropped';
  return lastChance <= now ? 'dropped' : 'stillOpen';
}

export function expectedFunnel(
  journeys: readonly SyntheticJourney[],
  keyOf: (j: SyntheticJourney) => (string | null)[],
  now = Date.now(),
): Map<string | null, ExpectedStep[]> {
  const groups = new Map<string | null, ExpectedStep[]>();
  for (const j of journeys)
    for (const key of keyOf(j)) {
      const steps =
        groups.get(key) ??
        FunnelSteps.map((step) => ({ step, reached: 0, stillOpen: 0, dropped: 0, closedOtherwise: 0 }));
      groups.set(key, steps);
      FunnelSteps.forEach((_, i) => {
        if (j.last >= i) steps[i]!.reached++;
        else if (j.last === i - 1) steps[i]![stoppedState(j, i, now)]++;
      });
    }
  return groups;
}

export interface ExpectedReconviction {
  released: number;
  reconvicted: number;
  convictions: number;
  medianDaysToFirstOffence: number | null;
  bySeriousness: Record<ConvictionSeriousness, number>;
  excludedOffencesBeforeRelease: number;
}

/** The two-year reconviction figures the generator's decisions give, per group of `keyOf` (released journeys only). */
export function expectedReconviction(
  journeys: readonly SyntheticJourney[],
  keyOf: (j: SyntheticJourney) => (string | null)[],
): Map<string | null, ExpectedReconviction> {
  const groups = new Map<string | null, ExpectedReconviction & { firsts: number[] }>();
  for (const j of journeys.filter((j) => j.releaseType !== 'NOT_RELEASED'))
    for (const key of keyOf(j)) {
      const g = groups.get(key) ?? {
        released: 0,
        reconvicted: 0,
        convictions: 0,
        medianDaysToFirstOffence: null,
        bySeriousness: { MINOR: 0, MODERATE: 0, SERIOUS: 0, VERY_SERIOUS: 0 },
        excludedOffencesBeforeRelease: 0,
        firsts: [],
      };
      groups.set(key, g);
      g.released++;
      const counted = j.convictions.filter((c) => c.counted);
      if (counted.length > 0) {
        g.reconvicted++;
        g.firsts.push(Math.min(...counted.map((c) => c.daysAfterRelease)));
      }
      g.convictions += counted.length;
      for (const c of counted) g.bySeriousness[c.seriousness]++;
      g.excludedOffencesBeforeRelease += j.convictions.filter((c) => c.excluded).length;
    }
  // The median as PostgreSQL's percentile_cont(0.5): the mean of the two middle values of an even count.
  const median = (xs: number[]) => {
    if (xs.length === 0) return null;
    const s = [...xs].sort((a, b) => a - b);
    const mid = (s.length - 1) / 2;
    return (s[Math.floor(mid)]! + s[Math.ceil(mid)]!) / 2;
  };
  return new Map(
    [...groups].map(([key, { firsts, ...g }]) => [key, { ...g, medianDaysToFirstOffence: median(firsts) }]),
  );
}

/** The ledger's counts per agency by status, from the journeys' newest reports. */
export function expectedLedgerByAgency(
  journeys: readonly SyntheticJourney[],
): Map<string, Record<LedgerClockStatus, number>> {
  const byAgency = new Map<string, Record<LedgerClockStatus, number>>();
  for (const c of journeys.flatMap((j) => j.clocks)) {
    const agency = /agency:(\S+)$/.exec(c.owedBy)?.[1];
    if (!agency) continue;
    const counts =
      byAgency.get(agency) ??
      (Object.fromEntries(CLOCK_STATUSES.map((s) => [s, 0])) as Record<LedgerClockStatus, number>);
    counts[c.status]++;
    byAgency.set(agency, counts);
  }
  return byAgency;
}

const DAY = 86_400_000;

/**
 * `size` journeys received in `year` (a year no other suite uses, so the figures can be read with
 * receivedFrom/receivedTo alone), plus about 2% voided episodes.
 */
export function generateCohort(options: {
  size: number;
  seed: number;
  year: number;
  personIdSecret: string;
}): Cohort {
  const random = seededRandom(options.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const chance = (p: number) => random() < p;
  const uuid = () => {
    const h = createHash('sha256').update(`${options.seed}:${random()}:${random()}`).digest('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
  };
  const iso = (ms: number) => new Date(ms).toISOString();
  const suffix = options.seed.toString(36);
  const agencies = ['cjsw', 'housing', 'health', 'money', 'recovery'].map((a) => `cohort-${a}-${suffix}`);
  const events: KnownEvent[] = [];
  const journeys: SyntheticJourney[] = [];
  let voided = 0;
  const yearStart = Date.UTC(options.year, 0, 1);

  for (let n = 0; n < options.size * 1.02; n++) {
    const prisonNumber = `${String.fromCharCode(65 + (n % 26))}${String(n % 10_000).padStart(4, '0')}${String.fromCharCode(65 + (Math.floor(n / 10_000) % 26))}${String.fromCharCode(65 + (options.seed % 26))}`;
    const upstream = chance(0.2); // an upstream prison system's version-1 events, by prison number
    const personId = upstream
      ? derivePersonId(options.personIdSecret, prisonNumber)
      : `p${createHash('sha256').update(`${options.seed}:${n}`).digest('hex').slice(0, 20)}`;
    const episode = 1 + Math.floor(random() * 3);
    const receivedAt = yearStart + Math.floor(random() * 330) * DAY + Math.floor(random() * DAY);
    const firstPrison = pick(COHORT_ESTABLISHMENTS);
    const localAuthority = pick(LOCAL_AUTHORITIES);
    const journeyEvents: KnownEvent[] = [];
    const envelope = (at: number) => ({
      eventId: uuid(),
      occurredAt: iso(at),
      correlationId: `cohort-${options.seed}-${n}`,
      personReference: {
        identifiers: [{ type: 'THROUGHCARE_ID' as const, value: personId }] as [
          { type: 'THROUGHCARE_ID'; value: string },
        ],
      },
    });
    const receivedData = {
      episode,
      establishmentCode: firstPrison,
      jurisdiction: 'SCOTLAND' as const,
      homeLocalAuthority: localAuthority,
      reason: 'ADMISSION' as const,
      receivedAt: iso(receivedAt),
      sentenceDate: iso(receivedAt - 2 * DAY).slice(0, 10),
      sentenceLengthDays: 365,
      expectedReleaseDate: iso(receivedAt + 180 * DAY).slice(0, 10),
    };
    journeyEvents.push(
      upstream
        ? {
            eventType: 'custody.person.received',
            version: 1,
            ...envelope(receivedAt),
            personReference: { identifiers: [{ type: 'NOMS', value: prisonNumber }] },
            data: { ...receivedData, prisonNumber },
          }
        : { eventType: 'custody.person.received', version: 2, ...envelope(receivedAt), data: receivedData },
    );
    if (n >= options.size) {
      // Received in error: voided, in no figure, whatever else was recorded.
      journeyEvents.push(
        {
          eventType: 'assessment.core-screen.completed',
          version: 1,
          ...envelope(receivedAt + DAY),
          data: {
            assessmentId: uuid(),
            episode,
            needs: [],
            riskOfSeriousHarm: 'LOW',
            completedAt: iso(receivedAt + DAY),
          },
        },
        {
          eventType: 'custody.reception.reversed',
          version: 1,
          ...envelope(receivedAt + 2 * DAY),
          data: {
            episode,
            reversedAt: iso(receivedAt + 2 * DAY),
            reason: 'RECEIVED_IN_ERROR',
            establishmentCode: firstPrison,
          },
        },
      );
      voided++;
      events.push(...shuffled(journeyEvents, random));
      continue;
    }

    // The decisions: how far this journey got, and whether its case closed.
    let last = Math.floor(random() * 8); // RECEIVED … ENGAGED_12_WEEKS
    const closed = chance(0.45);
    const closeReason = closed
      ? pick([
          'FOLLOW_UP_COMPLETE',
          'FOLLOW_UP_COMPLETE',
          'CONSENT_WITHDRAWN',
          'DECEASED',
          'RECALLED',
        ] as const)
      : null;
    if (last === 7 && closed) last = 8; // closed after engaging: reached CLOSED
    const at = (step: FunnelStep) => FunnelSteps.indexOf(step) <= last;
    const needs = at('CORE_SCREEN') ? PATHWAYS.filter(() => chance(0.4)) : [];
    let establishment = firstPrison;
    if (chance(0.15)) {
      establishment = pick(COHORT_ESTABLISHMENTS.filter((e) => e !== firstPrison));
      const transferredAt = receivedAt + 20 * DAY;
      journeyEvents.push({
        eventType: 'custody.person.transferred',
        version: 1,
        ...envelope(transferredAt),
        data: {
          episode,
          fromEstablishmentCode: firstPrison,
          toEstablishmentCode: establishment,
          transferredAt: iso(transferredAt),
        },
      });
    }
    if (at('CORE_SCREEN'))
      journeyEvents.push({
        eventType: 'assessment.core-screen.completed',
        version: 1,
        ...envelope(receivedAt + 3 * DAY),
        data: {
          assessmentId: uuid(),
          episode,
          needs,
          riskOfSeriousHarm: 'MEDIUM',
          completedAt: iso(receivedAt + 3 * DAY),
        },
      });
    if (at('COMPREHENSIVE_SCREEN'))
      journeyEvents.push({
        eventType: 'assessment.assessment.completed',
        version: 1,
        ...envelope(receivedAt + 12 * DAY),
        data: {
          assessmentId: uuid(),
          episode,
          kind: 'COMPREHENSIVE_SCREEN',
          needs,
          completedAt: iso(receivedAt + 12 * DAY),
        },
      });
    else if (at('CORE_SCREEN') && chance(0.3))
      // A review is not the comprehensive screen.
      journeyEvents.push({
        eventType: 'assessment.assessment.completed',
        version: 1,
        ...envelope(receivedAt + 40 * DAY),
        data: {
          assessmentId: uuid(),
          episode,
          kind: 'STANDARD_REVIEW',
          needs,
          completedAt: iso(receivedAt + 40 * DAY),
        },
      });
    const referralId = uuid();
    const agency = pick(agencies);
    if (at('REFERRED'))
      journeyEvents.push({
        eventType: 'referral.referral.sent',
        version: 1,
        ...envelope(receivedAt + 14 * DAY),
        data: {
          referralId,
          episode,
          agencyId: agency,
          pathways: needs.length > 0 ? needs : ['ACCOMMODATION'],
          sentAt: iso(receivedAt + 14 * DAY),
          acknowledgeBy: iso(receivedAt + 19 * DAY),
        },
      });
    const decided = (decision: 'ACCEPTED' | 'DECLINED' | 'ON_WAITING_LIST', day: number): KnownEvent => ({
      eventType: 'referral.referral.outcome-recorded',
      version: 1,
      ...envelope(receivedAt + day * DAY),
      data: { referralId, episode, agencyId: agency, decision, decidedAt: iso(receivedAt + day * DAY) },
    });
    if (at('ACCEPTED')) journeyEvents.push(decided('ACCEPTED', 16));
    else if (at('REFERRED') && chance(0.5))
      journeyEvents.push(decided(chance(0.5) ? 'DECLINED' : 'ON_WAITING_LIST', 16));

    // Release: every journey that engaged after release; about half of the others.
    const released = at('ENGAGED_4_WEEKS') || chance(0.5);
    const releasedAt = receivedAt + 120 * DAY;
    let releaseType: ReleaseType = 'NOT_RELEASED';
    if (released) {
      releaseType = pick(['STANDARD', 'STANDARD', 'HDC', 'EARLY_RELEASE', 'TO_HOSPITAL'] as const);
      const reason = { HDC: 'HDC_APPROVED', EARLY_RELEASE: 'EARLY_RELEASE' }[releaseType as string] as
        | 'HDC_APPROVED'
        | 'EARLY_RELEASE'
        | undefined;
      if (reason)
        journeyEvents.push({
          eventType: 'custody.release-date.changed',
          version: 1,
          ...envelope(receivedAt + 60 * DAY),
          data: {
            episode,
            expectedReleaseDate: iso(releasedAt).slice(0, 10),
            previousExpectedReleaseDate: iso(receivedAt + 180 * DAY).slice(0, 10),
            reason,
            changedAt: iso(receivedAt + 60 * DAY),
          },
        });
      const release = (ms: number): KnownEvent => ({
        eventType: 'custody.person.released',
        version: 1,
        ...envelope(ms),
        data: {
          episode,
          establishmentCode: establishment,
          reason: releaseType === 'TO_HOSPITAL' ? 'RELEASED_TO_HOSPITAL' : 'RELEASED',
          releasedAt: iso(ms),
        },
      });
      if (chance(0.1)) {
        // Recorded in error a day early, reversed, then the real release.
        const mistaken = release(releasedAt - DAY);
        journeyEvents.push(mistaken, {
          eventType: 'custody.movement.reversed',
          version: 1,
          ...envelope(releasedAt - DAY / 2),
          data: {
            episode,
            movement: 'RELEASE',
            reversedEventId: mistaken.eventId,
            reversedAt: iso(releasedAt - DAY / 2),
          },
        });
      }
      journeyEvents.push(release(releasedAt));
    }
    const attendance = (day: number, attended: boolean, agencyAppointment: boolean): KnownEvent => {
      const when = (released ? releasedAt : receivedAt + 30 * DAY) + day * DAY;
      return agencyAppointment
        ? {
            eventType: 'referral.referral-appointment.attendance-recorded',
            version: 1,
            ...envelope(when),
            data: {
              referralId,
              appointmentId: uuid(),
              episode,
              agencyId: agency,
              attendance: attended ? pick(['YES', 'LATE'] as const) : 'NO',
              attendedAt: iso(when),
            },
          }
        : {
            eventType: 'referral.appointment.attendance-recorded',
            version: 1,
            ...envelope(when),
            data: {
              appointmentId: uuid(),
              episode,
              attendance: attended ? 'YES' : 'NO',
              attendedAt: iso(when),
            },
          };
    };
    if (at('ENGAGED_4_WEEKS')) journeyEvents.push(attendance(10, true, chance(0.5)));
    else if (at('FIRST_APPOINTMENT_ATTENDED'))
      // Attended, but not in the four weeks after release: before it (a custody visit), or later.
      journeyEvents.push(attendance(released && chance(0.5) ? 40 : -20, true, true));
    else if (at('ACCEPTED') && chance(0.5)) journeyEvents.push(attendance(5, false, chance(0.5)));
    if (at('ENGAGED_12_WEEKS')) journeyEvents.push(attendance(70, true, chance(0.5)));
    else if (at('ENGAGED_4_WEEKS') && chance(0.5))
      // Missed at week 10, or attended only after week 12.
      journeyEvents.push(chance(0.5) ? attendance(70, false, true) : attendance(90, true, false));
    // Convictions after release (two-year window): some for offences committed within it (counted),
    // one for an offence before the release (excluded), one after the window, one published twice.
    const convictions: SyntheticJourney['convictions'] = [];
    if (released) {
      const convicted = (
        daysAfterRelease: number,
        convictedDaysAfter: number,
        counted: boolean,
        excluded: boolean,
      ) => {
        const seriousness = pick(['MINOR', 'MODERATE', 'SERIOUS', 'VERY_SERIOUS'] as const);
        const fact: KnownEvent = {
          eventType: 'justice.person.reconvicted',
          version: 1,
          ...envelope(releasedAt + (daysAfterRelease + convictedDaysAfter) * DAY),
          data: {
            convictionId: uuid(),
            offenceDate: iso(releasedAt + daysAfterRelease * DAY).slice(0, 10),
            convictedOn: iso(releasedAt + (daysAfterRelease + convictedDaysAfter) * DAY).slice(0, 10),
            seriousness,
          },
        };
        journeyEvents.push(fact);
        if (chance(0.2)) journeyEvents.push({ ...fact, eventId: uuid() }); // the same conviction again
        convictions.push({ daysAfterRelease, seriousness, counted, excluded });
      };
      if (chance(0.35))
        for (let k = 0, n = 1 + Math.floor(random() * 3); k < n; k++)
          convicted(Math.floor(random() * 700), 30 + Math.floor(random() * 90), true, false);
      if (chance(0.2)) convicted(-100, 110, false, true);
      if (chance(0.1)) convicted(760 + Math.floor(random() * 100), 40, false, false);
    }

    // Closed before an engagement window ended, within the second, or after both (a journey that
    // engaged closes after its engagement).
    const closedAt = released
      ? releasedAt + (at('ENGAGED_4_WEEKS') ? 130 : pick([10, 60, 130])) * DAY
      : receivedAt + 250 * DAY;
    if (closed) {
      journeyEvents.push({
        eventType: 'throughcare.case.closed',
        version: 1,
        ...envelope(closedAt),
        data: { episode, closedAt: iso(closedAt), reason: closeReason! },
      });
    }

    // The journey's clocks: two reports, the newer one winning (published in either order).
    const journey = `throughcare-${personId}-${episode}`;
    const clocksOf = (): ReportedClock[] =>
      Array.from({ length: 1 + Math.floor(random() * 3) }, (_, k) => {
        const status = pick(CLOCK_STATUSES);
        const dueAt = receivedAt + (5 + k * 7) * DAY;
        return {
          key: `needReferralAcknowledgement:HEALTH:${k + 1}`,
          clock: 'needReferralAcknowledgement',
          owedBy: `agency:${pick(agencies)}`,
          owedTo: `prison:${establishment}`,
          startedAt: iso(receivedAt),
          dueAt: iso(dueAt),
          status,
          ...(status === 'MET' ? { metAt: iso(dueAt - DAY) } : {}),
          ...(status === 'MET_LATE' ? { metAt: iso(dueAt + DAY), breachedAt: iso(dueAt + 1000) } : {}),
          ...(status === 'BREACHED' ? { breachedAt: iso(dueAt + 1000) } : {}),
        };
      });
    const reports = [clocksOf(), clocksOf()];
    const report = (seq: number): KnownEvent => ({
      eventType: 'throughcare.sla.clocks-reported',
      version: 1,
      ...envelope(receivedAt + seq * DAY),
      data: {
        episode,
        journey,
        seq,
        reportedAt: iso(receivedAt + seq * DAY),
        jurisdiction: 'SCOTLAND',
        establishmentCode: establishment,
        localAuthority,
        policy: { id: 'scotland-throughcare', version: 3 },
        clocks: reports[seq - 1]!,
      },
    });
    journeyEvents.push(report(1), report(2));

    // Noise: about one fact in ten again, under a new event id (a re-publish after a lost ack).
    for (const e of [...journeyEvents])
      if (chance(0.1) && e.eventType !== 'custody.person.released')
        journeyEvents.push({ ...e, eventId: uuid() });
    events.push(...shuffled(journeyEvents, random));
    journeys.push({
      personId,
      episode,
      last,
      closed,
      establishment,
      localAuthority,
      releaseType,
      needs,
      receivedMonth: iso(receivedAt).slice(0, 7),
      clocks: reports[1]!,
      releasedOn: released ? iso(releasedAt).slice(0, 10) : null,
      releasedAtMs: released ? releasedAt : null,
      closedAtMs: closed ? closedAt : null,
      closeReason,
      agenciesReceived: at('ACCEPTED') ? [agency] : [],
      convictions,
    });
  }
  return { seed: options.seed, year: options.year, journeys, voided, events, agencies };
}

/** A journey's facts in an arbitrary order (Fisher–Yates), a reversal before the release it undoes included. */
function shuffled(events: KnownEvent[], random: () => number): KnownEvent[] {
  const out = [...events];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Publishes a cohort's facts on the bus, 64 at a time, as several services' outbox relays would. */
export async function publishCohort(publisher: JetStreamPublisher, cohort: Cohort): Promise<void> {
  for (let i = 0; i < cohort.events.length; i += 64)
    await Promise.all(cohort.events.slice(i, i + 64).map((e) => publisher.publish(e)));
}
