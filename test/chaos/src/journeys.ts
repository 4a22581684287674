/**
 * The journeys the soak drives, each through the public HTTP APIs and the bus, as prison staff,
 * agencies and upstream prison systems would:
 *
 *   reception (POST /receptions on liberation, or `custody.person.received` published on JetStream)
 *   → core screen requested (seen on the assessment API) → answered (PUT /assessments/:id/answers)
 *     and completed from the answers (POST /assessments/:id/completion)
 *   → comprehensive screen requested → answered and completed → referral sent (seen in the journey's plan)
 *   → for half of them: the agency acknowledges it (POST /referrals/:id/acknowledgement), after
 *     which two CJSW custody visits are booked at the prison
 *   → for a third of them: the release date moves (POST …/release-date, or
 *     `custody.release-date.changed` on the bus), after which the agency is told once.
 *
 * Sentences are long (release 300–500 days ahead), so no release planning opens and no deadline
 * falls due during the run: every effect expected is the consequence of a fact sent, and each
 * journey's end state (stage, bookings, notices, bus events) is known in advance.
 *
 * Each request is retried (same Idempotency-Key, or the same Nats-Msg-Id) until it is acknowledged
 * (2xx, or a JetStream publish ack) or the drive deadline passes; the driver records each step as
 * acknowledged, or attempted without an acknowledgement (it may or may not have happened).
 */
import { randomUUID } from 'node:crypto';
import type { NatsConnection } from '@nats-io/nats-core';
import { jetstream } from '@nats-io/jetstream';
import { PersonReceivedV1, ReleaseDateChangedV1, subjectFor } from '@throughcare/contracts';
import { derivePersonId } from '@throughcare/platform-config';
import { answerForNeeds, bearer, type IdentityTarget } from '@throughcare/testing';
import type { AppName } from './platform';

export const STEPS = ['reception', 'coreScreen', 'comprehensive', 'acknowledgement', 'releaseDate'] as const;
export type Step = (typeof STEPS)[number];

export interface StepRecord {
  attempts: number;
  acked: boolean;
  /** Last refusal or error of an attempt that was not acknowledged. */
  lastError?: string;
}

export interface Journey {
  index: number;
  prisonNumber: string;
  personId: string;
  via: 'http' | 'bus';
  establishmentCode: string;
  localAuthority: string;
  receivedAt: string;
  expectedReleaseDate: string;
  /**
   * `full`: the whole script below. `held`: the reception only, then the journey is left open,
   * asking for its core screen (the memory soak holds most journeys this way, as a prison holds
   * people waiting for a screen or a review).
   */
  script: 'full' | 'held';
  /** The agency acknowledges the referral. */
  acknowledge: boolean;
  /** The release date moves to this date once the referral is sent. */
  newReleaseDate?: string;
  steps: Partial<Record<Step, StepRecord>>;
  /** What the driver waited for in vain before the drive deadline (the journey is checked anyway). */
  stalled?: string;
  referralId?: string;
  agencyId?: string;
}

export interface DriveOptions {
  urls: Record<AppName, string>;
  /** The instance's identity provider: every call carries a real access token. */
  identity: IdentityTarget;
  nc: NatsConnection;
  secret: string;
  /** Nothing new is sent after this instant. */
  deadline: number;
  /** Poll interval when waiting for the platform's next effect. */
  pollMs?: number;
  /**
   * Longest wait for one effect (default 10 min): a journey whose effect never comes stops being
   * driven (the reconciliation judges it) instead of holding the drive phase until its deadline.
   */
  maxWaitMs?: number;
}

const ESTABLISHMENTS = ['BAR', 'GLE', 'LOW'];
const COUNCILS = ['S12000036', 'S12000049', 'S12000005', 'S12000006', 'S12000008', 'S12000010'];
const DAY = 86_400_000;
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Prison number n of this run (A0000AA …): unique within a run of up to 6.7 million journeys. */
function prisonNumber(runLetter: string, n: number): string {
  const letters = String.fromCharCode(
    65 + (Math.floor(n / 10_000 / 26) % 26),
    65 + (Math.floor(n / 10_000) % 26),
  );
  return `${runLetter}${String(n % 10_000).padStart(4, '0')}${letters}`;
}

/**
 * The script of journey `index`: deterministic from its index (two thirds by HTTP, one third by the
 * bus); one journey in `fullEvery` runs the full script, the others are held at their core screen.
 */
export function planJourney(index: number, secret: string, runLetter = 'C', fullEvery = 1): Journey {
  const prison = prisonNumber(runLetter, index);
  const now = Date.now();
  const releaseIn = 300 + (index % 200);
  return {
    index,
    prisonNumber: prison,
    personId: derivePersonId(secret, prison),
    via: index % 3 === 2 ? 'bus' : 'http',
    establishmentCode: ESTABLISHMENTS[index % ESTABLISHMENTS.length]!,
    localAuthority: COUNCILS[index % COUNCILS.length]!,
    script: index % fullEvery === 0 ? 'full' : 'held',
    receivedAt: new Date(Math.floor((now - 60_000) / 1000) * 1000).toISOString(),
    expectedReleaseDate: isoDate(now + releaseIn * DAY),
    acknowledge: index % 2 === 0,
    newReleaseDate: index % 3 === 0 || index % 5 === 1 ? isoDate(now + (releaseIn - 40) * DAY) : undefined,
    steps: {},
  };
}

/** The reception of a journey: the body of POST /receptions, and the data of its bus event. */
const reception = (j: Journey) => ({
  prisonNumber: j.prisonNumber,
  establishmentCode: j.establishmentCode,
  jurisdiction: 'SCOTLAND',
  homeLocalAuthority: j.localAuthority,
  reason: 'ADMISSION',
  receivedAt: j.receivedAt,
  sentenceDate: j.receivedAt.slice(0, 10),
  sentenceLengthDays: 1000,
  expectedReleaseDate: j.expectedReleaseDate,
});

class DeadlinePassed extends Error {}
/** A refusal that no retry changes (400, 409, 422): the journey is not driven further. */
class Refused extends Error {}
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface Reply<T> {
  status: number;
  body: T;
}

async function http<T>(
  method: 'GET' | 'POST',
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply<T>> {
  const res = await fetch(url, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed as T };
}

export class JourneyDriver {
  private readonly pollMs: number;
  constructor(private readonly o: DriveOptions) {
    this.pollMs = o.pollMs ?? 2000;
  }

  /** Prison staff of every establishment the soak uses, for the liberation and assessment APIs. */
  private prison(service: 'liberation' | 'assessment'): Promise<Record<string, string>> {
    return bearer(
      { roles: ['prison-staff'], establishments: ESTABLISHMENTS },
      `urn:throughcare:${service}`,
      this.o.identity,
    );
  }

  /** Drives one journey as far as its script goes before the deadline. Never throws. */
  async drive(j: Journey): Promise<void> {
    try {
      await this.send(j, 'reception', () =>
        j.via === 'http' ? this.receiveByHttp(j) : this.receiveByBus(j),
      );
      const core = await this.waitFor(j, 'core screen requested', () => this.assessment(j, 'CORE_SCREEN'));
      if (j.script === 'held') return;
      await this.send(j, 'coreScreen', () =>
        this.complete(j, 'coreScreen', core, ['ACCOMMODATION', 'EDUCATION_SKILLS_AND_WORK'], {
          riskOfSeriousHarm: 'LOW',
          completedBy: 'role:RECEPTION_OFFICER',
        }),
      );
      const comprehensive = await this.waitFor(j, 'comprehensive screen requested', () =>
        this.assessment(j, 'COMPREHENSIVE_SCREEN'),
      );
      await this.send(j, 'comprehensive', () =>
        this.complete(j, 'comprehensive', comprehensive, ['ACCOMMODATION'], {}),
      );
      const referral = await this.waitFor(j, 'referral sent', async () => {
        const p = await http<{ referralId?: string; agencyId?: string }>(
          'GET',
          `${this.o.urls.orchestrator}/journeys/${j.personId}/episodes/1`,
          undefined,
          await bearer({ roles: ['operator'] }, 'urn:throughcare:orchestrator', this.o.identity),
        );
        return p.status === 200 && p.body.referralId && p.body.agencyId
          ? { referralId: p.body.referralId, agencyId: p.body.agencyId }
          : undefined;
      });
      j.referralId = referral.referralId;
      j.agencyId = referral.agencyId;
      if (j.acknowledge) {
        await this.send(j, 'acknowledgement', async () =>
          this.ok(
            http(
              'POST',
              `${this.o.urls.referral}/referrals/${referral.referralId}/acknowledgement`,
              {
                acknowledgedBy: 'justice social work duty team',
              },
              {
                ...(await bearer(
                  { roles: ['agency-system'], agencyId: referral.agencyId },
                  'urn:throughcare:referral',
                  this.o.identity,
                )),
                'idempotency-key': `${j.prisonNumber}-acknowledgement`,
              },
            ),
          ),
        );
      }
      if (j.newReleaseDate) {
        await this.send(j, 'releaseDate', () =>
          j.via === 'http' ? this.changeDateByHttp(j) : this.changeDateByBus(j),
        );
      }
    } catch (e) {
      if (e instanceof Refused) j.stalled = `refused: ${e.message}`;
      else if (!(e instanceof DeadlinePassed)) j.stalled = `driver error: ${(e as Error).message}`;
    }
  }

  /** Tries `attempt` until it is acknowledged (resolves) or the deadline passes. */
  private async send(j: Journey, step: Step, attempt: () => Promise<void>): Promise<void> {
    const rec: StepRecord = (j.steps[step] = { attempts: 0, acked: false });
    for (let backoff = 500; ; backoff = Math.min(backoff * 2, 5000)) {
      if (Date.now() > this.o.deadline) {
        j.stalled = `deadline passed before ${step} was acknowledged (${rec.attempts} attempts, last: ${rec.lastError})`;
        throw new DeadlinePassed();
      }
      rec.attempts++;
      try {
        await attempt();
        rec.acked = true;
        rec.lastError = undefined;
        return;
      } catch (e) {
        rec.lastError = (e as Error).message.slice(0, 300);
        if (e instanceof Refused) throw new Refused(`${step}: ${rec.lastError}`);
      }
      await sleep(backoff);
    }
  }

  private async waitFor<T>(j: Journey, what: string, probe: () => Promise<T | undefined>): Promise<T> {
    const giveUp = Date.now() + (this.o.maxWaitMs ?? 600_000);
    for (;;) {
      if (Date.now() > this.o.deadline) {
        j.stalled = `deadline passed waiting for: ${what}`;
        throw new DeadlinePassed();
      }
      if (Date.now() > giveUp) {
        j.stalled = `waited ${Math.round((this.o.maxWaitMs ?? 600_000) / 1000)} s in vain for: ${what}`;
        throw new DeadlinePassed();
      }
      try {
        const v = await probe();
        if (v !== undefined) return v;
      } catch {
        /* down or restarting: ask again */
      }
      await sleep(this.pollMs * (0.75 + Math.random() / 2));
    }
  }

  private async ok(reply: Promise<Reply<unknown>>): Promise<void> {
    const r = await reply;
    if (r.status >= 200 && r.status <= 299) return;
    const why = `HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`;
    throw [400, 409, 422].includes(r.status) ? new Refused(why) : new Error(why);
  }

  private async receiveByHttp(j: Journey): Promise<void> {
    const r = await http<{ personId: string }>('POST', `${this.o.urls.liberation}/receptions`, reception(j), {
      ...(await this.prison('liberation')),
      'idempotency-key': `${j.prisonNumber}-reception`,
    });
    await this.ok(Promise.resolve(r));
    if (r.body.personId !== j.personId)
      throw new Error(`reception answered person ${r.body.personId}, expected ${j.personId}`);
  }

  private readonly eventIds = new Map<string, string>();
  /** One event id per journey and step, kept across retries (JetStream de-duplicates on it). */
  private eventId(j: Journey, step: Step): string {
    const key = `${j.index}:${step}`;
    let id = this.eventIds.get(key);
    if (!id) this.eventIds.set(key, (id = randomUUID()));
    return id;
  }

  private async publish(subject: string, payload: { eventId: string }): Promise<void> {
    await jetstream(this.o.nc).publish(subject, JSON.stringify(payload), {
      msgID: payload.eventId,
      timeout: 10_000,
    });
  }

  private async receiveByBus(j: Journey): Promise<void> {
    const event = PersonReceivedV1.parse({
      eventType: 'custody.person.received',
      version: 1,
      eventId: this.eventId(j, 'reception'),
      occurredAt: j.receivedAt,
      correlationId: `chaos-${j.prisonNumber}`,
      personReference: { identifiers: [{ type: 'NOMS', value: j.prisonNumber }] },
      data: { ...reception(j), episode: 1 },
    });
    await this.publish(subjectFor(event.eventType), event);
  }

  private async changeDateByHttp(j: Journey): Promise<void> {
    await this.ok(
      http(
        'POST',
        `${this.o.urls.liberation}/people/${j.personId}/episodes/1/release-date`,
        { expectedReleaseDate: j.newReleaseDate, reason: 'HDC_APPROVED' },
        { ...(await this.prison('liberation')), 'idempotency-key': `${j.prisonNumber}-release-date` },
      ),
    );
  }

  private changedAt = new Map<number, string>();
  private async changeDateByBus(j: Journey): Promise<void> {
    if (!this.changedAt.has(j.index)) this.changedAt.set(j.index, new Date().toISOString());
    const event = ReleaseDateChangedV1.parse({
      eventType: 'custody.release-date.changed',
      version: 1,
      eventId: this.eventId(j, 'releaseDate'),
      occurredAt: this.changedAt.get(j.index),
      correlationId: `chaos-${j.prisonNumber}`,
      personReference: { identifiers: [{ type: 'NOMS', value: j.prisonNumber }] },
      data: {
        episode: 1,
        expectedReleaseDate: j.newReleaseDate,
        previousExpectedReleaseDate: j.expectedReleaseDate,
        reason: 'PAROLE',
        changedAt: this.changedAt.get(j.index),
      },
    });
    await this.publish(subjectFor(event.eventType), event);
  }

  private async assessment(
    j: Journey,
    kind: 'CORE_SCREEN' | 'COMPREHENSIVE_SCREEN',
  ): Promise<string | undefined> {
    const r = await http<{ items: { id: string }[] }>(
      'GET',
      `${this.o.urls.assessment}/assessments?personId=${j.personId}&kind=${kind}`,
      undefined,
      await this.prison('assessment'),
    );
    return r.status === 200 ? r.body.items[0]?.id : undefined;
  }

  private completedAt = new Map<string, string>();
  /**
   * Answers the assessment by pathway so that `needs` follow (issue 10: never typed in), then
   * completes it from the answers. A retry finds the answers saved and only completes.
   */
  private async complete(
    j: Journey,
    step: Step,
    id: string,
    needs: string[],
    body: Record<string, unknown>,
  ): Promise<void> {
    const prison = await this.prison('assessment');
    await answerForNeeds(
      (method, path, answers) =>
        fetch(`${this.o.urls.assessment}${path}`, {
          method,
          headers: { ...(answers === undefined ? {} : { 'content-type': 'application/json' }), ...prison },
          body: answers === undefined ? undefined : JSON.stringify(answers),
          signal: AbortSignal.timeout(15_000),
        }),
      id,
      needs,
    );
    // One completion instant per assessment, kept across retries (a repeat must carry the same answers).
    const key = `${j.index}:${step}`;
    if (!this.completedAt.has(key)) this.completedAt.set(key, new Date().toISOString());
    await this.ok(
      http(
        'POST',
        `${this.o.urls.assessment}/assessments/${id}/completion`,
        { ...body, completedAt: this.completedAt.get(key) },
        { ...(await this.prison('assessment')), 'idempotency-key': `${j.prisonNumber}-${step}` },
      ),
    );
  }
}
