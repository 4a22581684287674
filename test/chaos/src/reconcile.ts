/**
 * Reconciliation after the quiet period: what each journey's acknowledged facts must have
 * produced, compared with what the services recorded (their own tables), what is on the bus
 * (THROUGHCARE_EVENTS, read whole), what the journey says (its plan, through the orchestrator API)
 * and what Temporal says of its workflow.
 *
 * For each journey, a step acknowledged must have had its effects exactly once; a step attempted
 * without an acknowledgement may have had them once or not at all; a step never attempted, none.
 */
import type { NatsConnection } from '@nats-io/nats-core';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Client as TemporalClient, Connection, WorkflowNotFoundError } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { Client as PgClient } from 'pg';
import { Streams, throughcareWorkflowId } from '@throughcare/contracts';
import { bearer, type IdentityTarget } from '@throughcare/testing';
import type { Journey, Step } from './journeys';

/** An effect counted per journey: `db:<table>:<kind>` in a service's records, `bus:<eventType>` in the stream. */
type Effect = string;

/** What each acknowledged step must cause, once. */
const EFFECTS_OF: Record<Step, Record<Effect, number>> = {
  reception: {
    'db:custody_episode': 1,
    'db:assessment:CORE_SCREEN': 1,
    'bus:custody.person.received': 1,
    'bus:assessment.core-screen.requested': 1,
  },
  coreScreen: {
    'db:assessment:COMPREHENSIVE_SCREEN': 1,
    'bus:assessment.core-screen.completed': 1,
    'bus:assessment.assessment.requested': 1,
  },
  comprehensive: {
    'db:referral': 1,
    'bus:assessment.assessment.completed': 1,
    'bus:referral.referral.sent': 1,
  },
  acknowledgement: {
    'db:meeting:CJSW_VISIT': 2,
    'bus:referral.referral.acknowledged': 1,
    'bus:custody.meeting.booked': 2,
  },
  releaseDate: {
    'db:release_date_change': 1,
    'db:notification:LIBERATION_DATE_CHANGED': 1,
    'bus:custody.release-date.changed': 1,
    'bus:referral.agency.notified': 1,
  },
};

/** Effects no step of the script causes: each must stay at zero. */
const NEVER: Effect[] = [
  'db:assessment:STANDARD_REVIEW',
  'db:assessment:SUMMARY_REVIEW',
  'db:meeting:PRE_RELEASE_MEETING',
  'db:meeting:cancelled',
  'db:gate_pickup',
  'db:appointment',
  'db:breach',
  'db:notification:other',
  'bus:throughcare.sla.breached',
  'bus:custody.meeting.cancelled',
  'bus:custody.gate-pickup.booked',
  'bus:referral.appointment.booked',
  'bus:throughcare.attention.raised',
  'bus:throughcare.case.closed',
];

/** The stage a journey rests in once the step is its furthest, and what it then waits on. */
const REST: Partial<Record<Step, { stage: string; waitingOn: RegExp }>> = {
  reception: { stage: 'CORE_SCREEN', waitingOn: /^assessment by / },
  coreScreen: { stage: 'COMPREHENSIVE_SCREEN', waitingOn: /^assessment by / },
  comprehensive: { stage: 'REFERRAL', waitingOn: /^acknowledgement by agency:/ },
  acknowledgement: { stage: 'STANDARD_REVIEWS', waitingOn: /^next standard review by / },
};
const PROGRESS: Step[] = ['reception', 'coreScreen', 'comprehensive', 'acknowledgement'];

export interface Finding {
  prisonNumber: string;
  personId: string;
  via: 'http' | 'bus';
  what: string;
}

export interface Reconciliation {
  journeys: number;
  receptionsAcknowledged: number;
  /** Acknowledged reception without a journey (plan and workflow both absent). */
  lost: Finding[];
  /** An effect, bus event or fact fewer times than its acknowledged cause requires. */
  missing: Finding[];
  /** An effect or bus event more often than once per cause (or an event id twice in the stream). */
  duplicated: Finding[];
  /** An effect no step of the script causes (a breach, a booking, another notice). */
  unexpected: Finding[];
  /** Not at the stage its acknowledged facts lead to, not waiting on the expected party, or still acting. */
  stuck: Finding[];
  /** Workflow failed, terminated, timed out or cancelled. */
  failed: Finding[];
  attentionOpen: Finding[];
  stages: Record<string, number>;
  /** Outbox rows not yet published, per service schema. */
  unpublishedOutbox: Record<string, number>;
  deadLetters: Record<string, number>;
  eventsInStream: number;
  effectTotals: Record<Effect, number>;
  /**
   * Journeys the orchestrator's journey repair handled (its worker could not replay them: the SDK
   * defect of test/chaos/results/README.md §4): reset (every update carried to the new run);
   * still under way (PENDING, RESETTING); or failed (REFUSED, INCOMPLETE: an operator would act).
   * SKIPPED rows (nothing to do) are not listed.
   */
  repairs: { reset: Finding[]; underway: Finding[]; failed: Finding[] };
}

export interface ReconcileOptions {
  journeys: Journey[];
  databaseUrl: string;
  temporalAddress: string;
  /** The instance's payload encryption (memos and results are encrypted like everything else). */
  dataConverter: DataConverter;
  orchestratorUrl: string;
  liberationUrl: string;
  nc: NatsConnection;
  /** The instance's identity provider, for the tokens of the API reads. */
  identity: IdentityTarget;
}

export type Counts = Map<string, Map<Effect, number>>;
function bump(counts: Counts, personId: string, effect: Effect, n = 1): void {
  let m = counts.get(personId);
  if (!m) counts.set(personId, (m = new Map()));
  m.set(effect, (m.get(effect) ?? 0) + n);
}

async function databaseCounts(
  url: string,
  counts: Counts,
): Promise<{
  attention: Map<string, string[]>;
  unpublished: Record<string, number>;
  repairs: Map<string, string[]>;
}> {
  const pg = new PgClient({ connectionString: url });
  await pg.connect();
  try {
    // Rows per person (and kind): `db:<name>` or `db:<name>:<kind>`.
    const perPerson: [name: string, sql: string][] = [
      ['assessment', `SELECT person_id p, kind k, count(*)::int n FROM assessment.assessment GROUP BY 1, 2`],
      ['referral', `SELECT person_id p, null k, count(*)::int n FROM referral.referral GROUP BY 1`],
      [
        'meeting',
        `SELECT person_id p, CASE WHEN cancelled_at IS NULL THEN kind ELSE 'cancelled' END k, count(*)::int n
           FROM liberation.meeting GROUP BY 1, 2`,
      ],
      ['gate_pickup', `SELECT person_id p, null k, count(*)::int n FROM liberation.gate_pickup GROUP BY 1`],
      ['appointment', `SELECT person_id p, null k, count(*)::int n FROM referral.appointment GROUP BY 1`],
      [
        'notification',
        `SELECT person_id p, CASE WHEN subject = 'LIBERATION_DATE_CHANGED' THEN subject ELSE 'other' END k,
                count(*)::int n FROM referral.agency_notification GROUP BY 1, 2`,
      ],
      ['breach', `SELECT person_id p, null k, count(*)::int n FROM throughcare.sla_breach GROUP BY 1`],
      [
        'custody_episode',
        `SELECT person_id p, null k, count(*)::int n FROM liberation.custody_episode GROUP BY 1`,
      ],
      [
        'release_date_change',
        `SELECT person_id p, null k, count(*)::int n FROM liberation.release_date_change GROUP BY 1`,
      ],
    ];
    for (const [name, sql] of perPerson)
      for (const r of (await pg.query<{ p: string; k: string | null; n: number }>(sql)).rows)
        bump(counts, r.p, r.k === null ? `db:${name}` : `db:${name}:${r.k}`, r.n);
    const attention = new Map<string, string[]>();
    for (const r of (
      await pg.query<{ p: string; a: string }>(
        `SELECT person_id p, action || ' (' || coalesce(error_type, '') || ', ' || must_act || ')' a
           FROM throughcare.attention_item WHERE status = 'OPEN'`,
      )
    ).rows)
      attention.set(r.p, [...(attention.get(r.p) ?? []), r.a]);
    const unpublished: Record<string, number> = {};
    const schemas = await pg.query<{ s: string }>(
      `SELECT table_schema s FROM information_schema.tables WHERE table_name = 'outbox' ORDER BY 1`,
    );
    for (const { s } of schemas.rows)
      unpublished[s] = (
        await pg.query<{ n: number }>(`SELECT count(*)::int n FROM "${s}".outbox WHERE published_at IS NULL`)
      ).rows[0]!.n;
    const repairs = new Map<string, string[]>();
    for (const r of (
      await pg.query<{ p: string; a: string }>(
        `SELECT coalesce(substring(workflow_id from '^throughcare-(p[0-9a-f]+)-'), '') p,
                status || coalesce(' ' || refused, '') || coalesce(' (' || why || ')', '') || ': ' || failure a
           FROM throughcare.journey_repair WHERE status <> 'SKIPPED' ORDER BY detected_at`,
      )
    ).rows)
      repairs.set(r.p, [...(repairs.get(r.p) ?? []), r.a]);
    return { attention, unpublished, repairs };
  } finally {
    await pg.end();
  }
}

interface BusEvent {
  eventType: string;
  eventId: string;
  personReference: { identifiers: { type: string; value: string }[] };
}

/** Reads the whole events stream: counts per person and type, and event ids seen more than once. */
async function busCounts(
  nc: NatsConnection,
  personOfPrisonNumber: Map<string, string>,
  counts: Counts,
): Promise<{ events: number; repeatedIds: Map<string, string[]> }> {
  const jsm = await jetstreamManager(nc);
  const last = (await jsm.streams.info(Streams.events.name)).state.last_seq;
  const seen = new Map<string, number>();
  const repeatedIds = new Map<string, string[]>();
  let events = 0;
  if (last > 0) {
    const consumer = await jetstream(nc).consumers.get(Streams.events.name);
    const messages = await consumer.consume({ max_messages: 500 });
    for await (const m of messages) {
      events++;
      const e = m.json<BusEvent>();
      const ids = e.personReference?.identifiers ?? [];
      const personId =
        ids.find((i) => i.type === 'THROUGHCARE_ID')?.value ??
        personOfPrisonNumber.get(ids.find((i) => i.type === 'NOMS')?.value ?? '');
      if (personId) {
        bump(counts, personId, `bus:${e.eventType}`);
        const n = (seen.get(e.eventId) ?? 0) + 1;
        seen.set(e.eventId, n);
        if (n > 1)
          repeatedIds.set(personId, [...(repeatedIds.get(personId) ?? []), `${e.eventType} ${e.eventId}`]);
      }
      if (m.seq >= last) break;
    }
    await messages.close();
  }
  return { events, repeatedIds };
}

async function deadLetterCounts(nc: NatsConnection): Promise<Record<string, number>> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(Streams.deadLetter.name).catch(() => undefined);
  const out: Record<string, number> = {};
  if (!info || info.state.messages === 0) return out;
  const consumer = await jetstream(nc).consumers.get(Streams.deadLetter.name);
  const messages = await consumer.consume({ max_messages: 500 });
  for await (const m of messages) {
    const key =
      `${m.subject.replace(/^throughcare\.dlq\./, '')} ${m.headers?.get('Throughcare-Dlq-Code') ?? ''}`.trim();
    out[key] = (out[key] ?? 0) + 1;
    if (m.seq >= info.state.last_seq) break;
  }
  await messages.close();
  return out;
}

export interface PlanSeen {
  status: number;
  stage?: string;
  waitingOn?: string | null;
  working?: boolean;
  expectedReleaseDate?: string;
  error?: string;
}

async function pool<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

export async function reconcile(o: ReconcileOptions): Promise<Reconciliation> {
  const counts: Counts = new Map();
  const db = await databaseCounts(o.databaseUrl, counts);
  const personOfPrisonNumber = new Map(o.journeys.map((j) => [j.prisonNumber, j.personId]));
  const bus = await busCounts(o.nc, personOfPrisonNumber, counts);
  const deadLetters = await deadLetterCounts(o.nc);

  const plans = new Map<string, PlanSeen>();
  /** The custody record's current expected release date (liberation API). */
  const custodyDates = new Map<string, string | undefined>();
  const statuses = new Map<string, string>();
  const connection = await Connection.connect({ address: o.temporalAddress });
  const temporal = new TemporalClient({ connection, dataConverter: o.dataConverter });
  try {
    await pool(o.journeys, 8, async (j) => {
      if (!j.steps.reception) return;
      try {
        const d = await temporal.workflow.getHandle(throughcareWorkflowId(j.personId, 1)).describe();
        statuses.set(j.personId, d.status.name);
      } catch (e) {
        statuses.set(
          j.personId,
          e instanceof WorkflowNotFoundError ? 'NOT_FOUND' : `ERROR ${(e as Error).message}`,
        );
      }
      try {
        const res = await fetch(`${o.orchestratorUrl}/journeys/${j.personId}/episodes/1`, {
          headers: await bearer({ roles: ['operator'] }, 'urn:throughcare:orchestrator', o.identity),
          signal: AbortSignal.timeout(20_000),
        });
        const body = (await res.json()) as Omit<PlanSeen, 'status'>;
        plans.set(j.personId, { status: res.status, ...body });
      } catch (e) {
        plans.set(j.personId, { status: 0, error: (e as Error).message });
      }
      if (j.steps.releaseDate) {
        const res = await bearer(
          { roles: ['prison-staff'], establishments: [j.establishmentCode] },
          'urn:throughcare:liberation',
          o.identity,
        )
          .then((headers) =>
            fetch(`${o.liberationUrl}/people/${j.personId}/episodes/1`, {
              headers,
              signal: AbortSignal.timeout(20_000),
            }),
          )
          .catch(() => undefined);
        const body = res?.ok ? ((await res.json()) as { expectedReleaseDate?: string }) : undefined;
        custodyDates.set(j.personId, body?.expectedReleaseDate);
      }
    });
  } finally {
    await connection.close();
  }

  return judge(o.journeys, {
    counts,
    attention: db.attention,
    repairs: db.repairs,
    unpublishedOutbox: db.unpublished,
    repeatedIds: bus.repeatedIds,
    eventsInStream: bus.events,
    deadLetters,
    plans,
    statuses,
    custodyDates,
  });
}

/** What was seen after the quiet period, per person id. */
export interface Observed {
  /** Effects counted per person (`db:…`, `bus:…`). */
  counts: Counts;
  /** Open attention items. */
  attention: Map<string, string[]>;
  /** The journey repair's rows (`<status>[ <refused>][ (<why>)]: <failure>`), per person. */
  repairs?: Map<string, string[]>;
  unpublishedOutbox: Record<string, number>;
  /** Event ids seen more than once in the stream. */
  repeatedIds: Map<string, string[]>;
  eventsInStream: number;
  deadLetters: Record<string, number>;
  /** The journey's plan (orchestrator API). */
  plans: Map<string, PlanSeen>;
  /** Temporal's status of the workflow (`describe`), or NOT_FOUND. */
  statuses: Map<string, string>;
  /** The custody record's current expected release date (liberation API). */
  custodyDates: Map<string, string | undefined>;
}

/** Compares each journey's acknowledged facts with what was observed. */
export function judge(journeys: Journey[], seen: Observed): Reconciliation {
  const r: Reconciliation = {
    journeys: journeys.length,
    receptionsAcknowledged: journeys.filter((j) => j.steps.reception?.acked).length,
    lost: [],
    missing: [],
    duplicated: [],
    unexpected: [],
    stuck: [],
    failed: [],
    attentionOpen: [],
    stages: {},
    unpublishedOutbox: seen.unpublishedOutbox,
    deadLetters: seen.deadLetters,
    eventsInStream: seen.eventsInStream,
    effectTotals: {},
    repairs: { reset: [], underway: [], failed: [] },
  };
  for (const [, m] of seen.counts) for (const [k, n] of m) r.effectTotals[k] = (r.effectTotals[k] ?? 0) + n;

  for (const j of journeys) {
    const note = (list: Finding[], what: string) =>
      list.push({ prisonNumber: j.prisonNumber, personId: j.personId, via: j.via, what });
    const mine = seen.counts.get(j.personId) ?? new Map<Effect, number>();
    // Expected range of each effect from the steps acknowledged (exactly) and attempted (at most).
    const range = new Map<Effect, [number, number]>();
    for (const step of Object.keys(EFFECTS_OF) as Step[]) {
      const rec = j.steps[step];
      if (!rec) continue;
      for (const [effect, n] of Object.entries(EFFECTS_OF[step])) {
        const [lo, hi] = range.get(effect) ?? [0, 0];
        range.set(effect, [lo + (rec.acked ? n : 0), hi + n]);
      }
    }
    for (const [effect, [lo, hi]] of range) {
      const n = mine.get(effect) ?? 0;
      if (n < lo) note(r.missing, `${effect}: ${n}, expected ${lo}`);
      if (n > hi) note(r.duplicated, `${effect}: ${n}, expected ${hi === lo ? hi : `at most ${hi}`}`);
    }
    // Effects no step causes, and the effects of steps this journey never took (a held journey's referral).
    for (const effect of new Set([...NEVER, ...Object.values(EFFECTS_OF).flatMap((e) => Object.keys(e))])) {
      const n = mine.get(effect) ?? 0;
      if (n > 0 && !range.has(effect)) note(r.unexpected, `${effect}: ${n}`);
    }
    for (const ids of seen.repeatedIds.get(j.personId) ?? [])
      note(r.duplicated, `event id twice in the stream: ${ids}`);
    for (const a of seen.attention.get(j.personId) ?? []) note(r.attentionOpen, a);
    for (const a of seen.repairs?.get(j.personId) ?? [])
      note(
        a.startsWith('RESET:')
          ? r.repairs.reset
          : a.startsWith('PENDING') || a.startsWith('RESETTING')
            ? r.repairs.underway
            : r.repairs.failed,
        a,
      );

    const reception = j.steps.reception;
    if (!reception) continue;
    const plan = seen.plans.get(j.personId) ?? { status: 0, error: 'not asked' };
    const status = seen.statuses.get(j.personId) ?? 'NOT_ASKED';
    if (plan.stage) r.stages[plan.stage] = (r.stages[plan.stage] ?? 0) + 1;
    if (!reception.acked) continue; // never acknowledged: it may or may not exist
    if (plan.status === 404 && status === 'NOT_FOUND') {
      note(r.lost, 'reception acknowledged, no journey (plan 404, no workflow)');
      continue;
    }
    if (['FAILED', 'TERMINATED', 'TIMED_OUT', 'CANCELLED'].includes(status))
      note(r.failed, `workflow ${status}`);
    else if (status !== 'RUNNING') note(r.stuck, `workflow status ${status}`);
    if (plan.status !== 200) {
      note(r.stuck, `plan answered ${plan.status}${plan.error ? ` (${plan.error})` : ''}`);
      continue;
    }
    const furthest = [...PROGRESS].reverse().find((s) => j.steps[s]?.acked)!;
    const next = PROGRESS[PROGRESS.indexOf(furthest) + 1];
    const allowed = [REST[furthest]!];
    if (next && j.steps[next] && !j.steps[next]!.acked) allowed.push(REST[next]!);
    const at = allowed.find((a) => a.stage === plan.stage);
    if (!at) note(r.stuck, `stage ${plan.stage}, expected ${allowed.map((a) => a.stage).join(' or ')}`);
    else if (!at.waitingOn.test(plan.waitingOn ?? ''))
      note(r.stuck, `at ${plan.stage} waiting on "${plan.waitingOn}"`);
    if (plan.working) note(r.stuck, `still acting at ${plan.stage} after the quiet period`);
    if (j.steps.releaseDate?.acked) {
      if (plan.expectedReleaseDate !== j.newReleaseDate)
        note(r.missing, `journey's release date ${plan.expectedReleaseDate}, changed to ${j.newReleaseDate}`);
      if (seen.custodyDates.get(j.personId) !== j.newReleaseDate)
        note(
          r.missing,
          `custody record's release date ${seen.custodyDates.get(j.personId)}, changed to ${j.newReleaseDate}`,
        );
    }
  }
  // A repair not yet tied to a journey (its run not looked up yet) is under way.
  for (const a of seen.repairs?.get('') ?? [])
    r.repairs.underway.push({
      prisonNumber: '-',
      personId: '-',
      via: 'http',
      what: `run not looked up yet: ${a}`,
    });
  return r;
}

/**
 * Lost, missing, duplicated, unexpected, stuck, failed, and the journey repairs under way or
 * failed: what makes a soak fail. A journey the repair reset is not a problem when it reconciles.
 */
export function problems(r: Reconciliation): number {
  return (
    r.lost.length +
    r.missing.length +
    r.duplicated.length +
    r.unexpected.length +
    r.stuck.length +
    r.failed.length +
    r.repairs.underway.length +
    r.repairs.failed.length
  );
}
