import { randomBytes, randomUUID } from 'node:crypto';
import { DeliverPolicy, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import { Client } from 'pg';
import type { NatsConnection } from '@nats-io/nats-core';
import { deadLetterSubjectFor, parseEvent, Streams, subjectFor } from '@throughcare/contracts';
import { questionSet } from '@throughcare/domain';
import { NATS_CONNECTION } from '@throughcare/platform-http';
import { DlqHeaders, jetstream } from '@throughcare/platform-messaging';
import { auditRecordsAbout } from '@throughcare/platform-audit/src/testing';
import { runUnrestricted, runWithDatabaseScope } from '@throughcare/platform-persistence';
import type { TestPrincipal } from '@throughcare/testing';
import { DataSource } from 'typeorm';
import { specConfig, useAssessmentApp } from '../testing/assessment-app';
import type { AgencyAssessmentView } from './agency-assessment.schemas';
import { AgencyAssessmentService } from './agency-assessment.service';
import { AGENCY_REFERRALS_CONSUMER, AgencyReferralsProjector } from './agency-referrals.consumer';

// Issue 10: an agency reads the shared assessment only for the pathways its active referrals
// cover, while consent stands; it learns of referrals from the bus (consumer assessment-agency-referrals).

const STAFF: TestPrincipal = { roles: ['prison-staff'], establishments: ['BAR'] };
const anAgency = (): TestPrincipal => ({
  roles: ['agency-staff'],
  agencyId: `ag-${randomBytes(4).toString('hex')}`,
});
const DEAD_LETTERS = deadLetterSubjectFor(AGENCY_REFERRALS_CONSUMER);

interface Problem {
  code: string;
  detail?: string;
}

/** The core screen's required questions answered no, then these. */
function coreScreenAnswers(): Record<string, boolean | string> {
  return {
    ...Object.fromEntries(
      questionSet('CORE_SCREEN')
        .pathways.flatMap((p) => p.questions.filter((q) => q.required))
        .map((q) => [q.id, false]),
    ),
    ACC_NO_ADDRESS: true,
    ACC_WANTS_SUPPORT: true,
    DRA_WITHDRAWAL: true,
    DRA_WANTS_SUPPORT: false,
    HLT_NOTE: 'sees the nurse weekly',
  };
}

async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the shared assessment as an agency reads it (real Postgres and NATS)', () => {
  const harness = useAssessmentApp();
  const app = () => harness.app;
  const call = (method: string, path: string, as: TestPrincipal, body?: unknown) =>
    harness.call(method, path, as, body);
  const nc = () => app().get<NatsConnection>(NATS_CONNECTION);

  const json = async <T>(r: Response) => (await r.json()) as T;
  const read = (personId: string, as: TestPrincipal, episode = 1) =>
    call('GET', `/agency/people/${personId}/episodes/${episode}/assessment`, as);

  /** Prison staff record that the person gave consent for their current (latest) episode. */
  async function giveConsent(personId: string, givenAt = new Date(Date.now() - 1000)): Promise<void> {
    const given = await call('POST', `/people/${personId}/consent`, STAFF, {
      givenAt: givenAt.toISOString(),
    });
    expect(given.status).toBe(201);
  }

  /**
   * A core screen (at BAR) requested of the person's episode: a new person's first, unless told;
   * with the person's consent to it recorded, unless told.
   */
  async function aRequestedScreen(
    personId = `p${randomBytes(10).toString('hex')}`,
    episode = 1,
    consent = true,
  ): Promise<{ personId: string; assessmentId: string }> {
    const { assessmentId } = await harness.activities.requestCoreScreen({
      idempotencyKey: `spec:${randomUUID()}`,
      personId,
      episode,
      establishmentCode: 'BAR',
      dueBy: new Date(Date.now() + 3 * 86_400_000).toISOString(),
      correlationId: `spec-${randomUUID()}`,
    });
    // The episode began a day ago (consent is refused before it began, review stop 41 M1).
    await runUnrestricted(() =>
      app()
        .get(DataSource)
        .query(
          `UPDATE assessment.assessment SET requested_at = requested_at - interval '1 day' WHERE id = $1`,
          [assessmentId],
        ),
    );
    if (consent) await giveConsent(personId);
    return { personId, assessmentId };
  }

  /** A person whose core screen (episode 1, at BAR) has its answers saved and is completed. */
  async function aScreenedPerson(consent = true): Promise<{ personId: string; assessmentId: string }> {
    const { personId, assessmentId } = await aRequestedScreen(undefined, 1, consent);
    const saved = await call('PUT', `/assessments/${assessmentId}/answers`, STAFF, {
      answers: coreScreenAnswers(),
    });
    expect(saved.status).toBe(200);
    const completed = await call('POST', `/assessments/${assessmentId}/completion`, STAFF, {
      riskOfSeriousHarm: 'LOW',
      completedBy: 'role:RECEPTION_OFFICER',
    });
    expect(completed.status).toBe(200);
    return { personId, assessmentId };
  }

  const envelope = (eventType: string, personId: string, data: Record<string, unknown>) => ({
    eventType,
    version: 1,
    eventId: randomUUID(),
    occurredAt: new Date().toISOString(),
    correlationId: `spec-${randomUUID()}`,
    personReference: { identifiers: [{ type: 'THROUGHCARE_ID', value: personId }] },
    data,
  });
  const sent = (personId: string, agencyId: string, pathways: string[], referralId = randomUUID()) =>
    envelope('referral.referral.sent', personId, {
      referralId,
      episode: 1,
      agencyId,
      pathways,
      sentAt: new Date(Date.now() - 60_000).toISOString(),
      acknowledgeBy: new Date(Date.now() + 86_400_000).toISOString(),
      riskOfSeriousHarm: 'LOW',
    });
  const closed = (personId: string, referralId: string, agencyId: string) =>
    envelope('referral.referral.closed', personId, {
      referralId,
      episode: 1,
      agencyId,
      outcome: 'ACHIEVED',
      closedAt: new Date().toISOString(),
    });
  const withdrawn = (personId: string, referralId: string) =>
    envelope('referral.referral.withdrawn', personId, {
      referralId,
      episode: 1,
      reason: 'consent withdrawn',
    });

  /** Each call is a new message on the stream (its own Nats-Msg-Id), as a re-publish would be. */
  async function publish(event: { eventType: string } | string, subject?: string): Promise<void> {
    const body = typeof event === 'string' ? event : JSON.stringify(event);
    await jetstream(nc()).publish(subject ?? subjectFor((event as { eventType: string }).eventType), body, {
      msgID: randomUUID(),
    });
  }

  /** Until the consumer has settled everything on its subjects (acknowledged or dead-lettered). */
  async function caughtUp(): Promise<void> {
    const jsm = await jetstreamManager(nc());
    await eventually(async () => {
      const info = await jsm.consumers.info(Streams.events.name, AGENCY_REFERRALS_CONSUMER);
      return info.num_pending === 0 && info.num_ack_pending === 0 ? true : undefined;
    });
  }

  async function deadLetterWith(marker: string): Promise<JsMsg> {
    return eventually(async () => {
      const reader = await jetstream(nc()).consumers.get(Streams.deadLetter.name, {
        filter_subjects: [DEAD_LETTERS],
        deliver_policy: DeliverPolicy.All,
      });
      for (;;) {
        const msg = await reader.next({ expires: 1000 });
        if (!msg) return undefined;
        if (new TextDecoder().decode(msg.data).includes(marker)) return msg;
      }
    }, 20_000);
  }

  /** The event's dead letter: AGENCY_MISMATCH, naming the agency it named and the one the referral was sent to. */
  async function expectAgencyMismatch(eventId: string, referralId: string, sentTo: string): Promise<void> {
    const dead = await deadLetterWith(eventId);
    expect(dead.headers?.get(DlqHeaders.code)).toBe('AGENCY_MISMATCH');
    expect(dead.headers?.get(DlqHeaders.reason)).toEqual(
      expect.stringContaining(
        `names agency ag-someone-else for referral ${referralId}, which was sent to agency ${sentTo}`,
      ),
    );
  }

  const readable = (personId: string, as: TestPrincipal) =>
    eventually(async () => {
      const r = await read(personId, as);
      return r.status === 200 ? json<AgencyAssessmentView>(r) : undefined;
    });

  const projected = (referralId: string) =>
    runUnrestricted(() =>
      app()
        .get(DataSource)
        .query(
          `SELECT agency_id, pathways, ended_by FROM assessment.agency_referral WHERE referral_id = $1`,
          [referralId],
        ),
    ) as Promise<Array<{ agency_id: string | null; pathways: string[] | null; ended_by: string | null }>>;

  it('shows each agency only the pathways its referral covers, with the current risk level and no reasons, notes or answers', async () => {
    const { personId, assessmentId } = await aScreenedPerson();
    const housing = anAgency();
    const drugs = anAgency();
    await publish(sent(personId, housing.agencyId!, ['ACCOMMODATION']));
    await publish(sent(personId, drugs.agencyId!, ['DRUGS_AND_ALCOHOL', 'HEALTH']));

    const forHousing = await readable(personId, housing);
    expect(forHousing).toMatchObject({
      personId,
      episode: 1,
      agencyId: housing.agencyId,
      access: { basis: 'CONSENT', consentGivenAt: expect.any(String) },
      assessment: { assessmentId, kind: 'CORE_SCREEN', answersVersion: 1 },
      pathways: [
        {
          pathway: 'ACCOMMODATION',
          status: 'SUPPORT_REQUIRED',
          supportRequired: true,
          needsIndicated: [expect.stringMatching(/nowhere to live/)],
          skipped: null,
        },
      ],
      needs: ['ACCOMMODATION'],
      riskOfSeriousHarm: { level: 'LOW', assessedOn: null, source: 'CORE_SCREEN' },
    });
    expect(forHousing.referrals.map((r) => r.pathways)).toEqual([['ACCOMMODATION']]);

    const forDrugs = await readable(personId, drugs);
    expect(forDrugs.pathways.map((p) => [p.pathway, p.status, p.supportRequired])).toEqual([
      ['DRUGS_AND_ALCOHOL', 'SUPPORT_DECLINED', false],
      ['HEALTH', 'SUPPORT_NOT_REQUIRED', false],
    ]);
    expect(forDrugs.needs).toEqual([]);

    // The latest risk assessment's level, never its reasons.
    const reasons = 'Two previous convictions for assault, named victim.';
    const risk = await call('POST', `/people/${personId}/risk-assessments`, STAFF, {
      likelihoodOfReoffending: 'HIGH',
      riskOfSeriousHarm: 'HIGH',
      reasons,
      assessedOn: new Date().toISOString().slice(0, 10),
    });
    expect(risk.status).toBe(201);
    const again = await read(personId, housing);
    const text = await again.text();
    expect(JSON.parse(text)).toMatchObject({
      riskOfSeriousHarm: { level: 'HIGH', source: 'RISK_ASSESSMENT' },
    });
    for (const secret of [reasons, 'sees the nurse weekly', 'HLT_NOTE', 'DRUGS_AND_ALCOHOL'])
      expect([secret, text.includes(secret)]).toEqual([secret, false]);
  });

  it('answers another agency, an agency with no referral, prison staff routes and an unknown person alike: 404 EPISODE_NOT_FOUND', async () => {
    const { personId } = await aScreenedPerson();
    const holder = anAgency();
    await publish(sent(personId, holder.agencyId!, ['ACCOMMODATION']));
    await readable(personId, holder);

    const other = await read(personId, anAgency());
    const unknown = await read(`p${randomBytes(10).toString('hex')}`, holder);
    const otherEpisode = await read(personId, holder, 2);
    for (const r of [other, unknown, otherEpisode]) {
      expect(r.status).toBe(404);
      expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await json<Problem>(r)).toMatchObject({ code: 'EPISODE_NOT_FOUND' });
    }
    // Prison staff do not use the agency route, and an agency does not use the prison staff's.
    expect((await read(personId, STAFF)).status).toBe(404);
    expect((await call('GET', `/people/${personId}/risk-assessments/current`, holder)).status).toBe(404);
    expect((await read('not-a-person', holder)).status).toBe(400);
  });

  it('closes access when the referral is closed or withdrawn', async () => {
    const { personId } = await aScreenedPerson();
    const closing = anAgency();
    const withdrawing = anAgency();
    const closingReferral = randomUUID();
    const withdrawnReferral = randomUUID();
    await publish(sent(personId, closing.agencyId!, ['ACCOMMODATION'], closingReferral));
    await publish(sent(personId, withdrawing.agencyId!, ['HEALTH'], withdrawnReferral));
    await readable(personId, closing);
    await readable(personId, withdrawing);

    await publish(closed(personId, closingReferral, closing.agencyId!));
    await publish(withdrawn(personId, withdrawnReferral));
    await caughtUp();
    expect((await read(personId, closing)).status).toBe(404);
    expect((await read(personId, withdrawing)).status).toBe(404);
    expect(await projected(closingReferral)).toEqual([
      { agency_id: closing.agencyId, pathways: ['ACCOMMODATION'], ended_by: 'CLOSED' },
    ]);
    expect(await projected(withdrawnReferral)).toEqual([
      { agency_id: withdrawing.agencyId, pathways: ['HEALTH'], ended_by: 'WITHDRAWN' },
    ]);
  });

  it('closes access when the agency declines or withdraws; a later decision (it reconsidered) stands, an older one arriving late does not', async () => {
    const { personId } = await aScreenedPerson();
    const agency = anAgency();
    const referralId = randomUUID();
    await publish(sent(personId, agency.agencyId!, ['ACCOMMODATION'], referralId));
    await readable(personId, agency);
    const decided = (decision: string, minutesAgo: number) =>
      envelope('referral.referral.outcome-recorded', personId, {
        referralId,
        episode: 1,
        agencyId: agency.agencyId,
        decision,
        decidedAt: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
      });
    await publish(decided('DECLINED', 30));
    await caughtUp();
    expect((await read(personId, agency)).status).toBe(404);
    // Reconsidered and accepted: access again.
    await publish(decided('ACCEPTED', 20));
    await readable(personId, agency);
    // An older decision delivered late changes nothing.
    await publish(decided('WITHDRAWN', 25));
    await caughtUp();
    expect((await read(personId, agency)).status).toBe(200);
    // The agency stops working the case: closed to it.
    await publish(decided('WITHDRAWN', 10));
    await caughtUp();
    expect((await read(personId, agency)).status).toBe(404);
    // A decision naming another agency is a dead letter, not a change.
    const other = {
      ...decided('ACCEPTED', 5),
      data: { ...decided('ACCEPTED', 5).data, agencyId: 'ag-someone-else' },
    };
    await publish(other);
    await caughtUp();
    expect((await read(personId, agency)).status).toBe(404);
    await expectAgencyMismatch(other.eventId, referralId, agency.agencyId!);
  });

  it('dead-letters a close naming another agency than the referral was sent to (AGENCY_MISMATCH), and access stays open', async () => {
    const { personId } = await aScreenedPerson();
    const agency = anAgency();
    const referralId = randomUUID();
    await publish(sent(personId, agency.agencyId!, ['ACCOMMODATION'], referralId));
    await readable(personId, agency);
    const misnamed = closed(personId, referralId, 'ag-someone-else');
    await publish(misnamed);
    await expectAgencyMismatch(misnamed.eventId, referralId, agency.agencyId!);
    await caughtUp();
    expect((await read(personId, agency)).status).toBe(200);
    expect(await projected(referralId)).toEqual([
      { agency_id: agency.agencyId, pathways: ['ACCOMMODATION'], ended_by: null },
    ]);
    // The close naming the right agency ends it.
    await publish(closed(personId, referralId, agency.agencyId!));
    await caughtUp();
    expect((await read(personId, agency)).status).toBe(404);
  });

  /** A screened person whose agency read the assessment, then who withdrew consent for the episode. */
  /** The cut-over's mark of the agency's referral of episode 1, written as the owner (migration 1100 does). */
  async function presume(personId: string, agencyId: string, until: string): Promise<void> {
    const owner = new Client({ connectionString: specConfig.DATABASE_URL });
    await owner.connect();
    try {
      await owner.query(`SET throughcare.unrestricted = 'on'`);
      await owner.query(
        `INSERT INTO assessment.consent_presumption (person_id, episode, agency_id, marked_at, presumed_until)
         VALUES ($1, 1, $2, now() - interval '1 day', ${until})`,
        [personId, agencyId],
      );
    } finally {
      await owner.end();
    }
  }

  async function aReaderWhoWithdrew(): Promise<{ personId: string; agency: TestPrincipal }> {
    const { personId } = await aScreenedPerson();
    const agency = anAgency();
    await publish(sent(personId, agency.agencyId!, ['ACCOMMODATION']));
    await readable(personId, agency);
    const withdrawal = await call('POST', `/people/${personId}/episodes/1/consent-withdrawal`, STAFF, {
      withdrawnAt: new Date().toISOString(),
    });
    expect(withdrawal.status).toBe(200);
    return { personId, agency };
  }

  it('closes access once the person withdraws consent, though the referral is still active', async () => {
    const { personId, agency } = await aReaderWhoWithdrew();
    const r = await read(personId, agency);
    expect(r.status).toBe(404);
    expect(await json<Problem>(r)).toMatchObject({ code: 'EPISODE_NOT_FOUND' });
  });

  /** The agency reads of the person, in the order audited. */
  const agencyReads = async (personId: string) =>
    (await auditRecordsAbout(app().get(DataSource), 'assessment', personId)).filter(
      (r) => r.action === 'assessment.agency-read',
    );

  it('refuses a read while no consent is recorded (the same 404, audited with the reason), and answers once it is, on basis CONSENT', async () => {
    const { personId } = await aScreenedPerson(false);
    const agency = anAgency();
    await publish(sent(personId, agency.agencyId!, ['ACCOMMODATION']));
    await caughtUp();
    const refused = await read(personId, agency);
    expect(refused.status).toBe(404);
    expect((await agencyReads(personId)).at(-1)).toMatchObject({
      outcome: 'not-found',
      object_id: `${personId}/1`,
      reason: 'EPISODE_NOT_FOUND: CONSENT_NONE',
    });
    // The same answer as an agency holding no referral at all gets: nothing tells the two apart.
    const stranger = await read(personId, anAgency());
    expect(await json<Problem>(refused)).toEqual(await json<Problem>(stranger));
    expect((await agencyReads(personId)).at(-1)).toMatchObject({
      reason: 'EPISODE_NOT_FOUND: NO_ACTIVE_REFERRAL',
    });

    const givenAt = new Date(Date.now() - 60_000);
    await giveConsent(personId, givenAt);
    const view = await json<AgencyAssessmentView>(await read(personId, agency));
    expect(view.access).toEqual({ basis: 'CONSENT', consentGivenAt: givenAt.toISOString() });
    expect((await agencyReads(personId)).at(-1)).toMatchObject({
      outcome: 'allowed',
      object_id: expect.stringMatching(/&basis=CONSENT$/),
    });
  });

  it('refuses once consent given is withdrawn; consent given before the withdrawal does not reopen, consent given again later does', async () => {
    const { personId, agency } = await aReaderWhoWithdrew();
    expect((await read(personId, agency)).status).toBe(404);
    expect((await agencyReads(personId)).at(-1)).toMatchObject({
      outcome: 'not-found',
      reason: 'EPISODE_NOT_FOUND: CONSENT_WITHDRAWN',
    });
    // Recorded late, but given before the withdrawal: the withdrawal still stands.
    await giveConsent(personId, new Date(Date.now() - 3_600_000));
    expect((await read(personId, agency)).status).toBe(404);

    // Given after the withdrawal and recorded after it (no future instant is accepted, S1c).
    const again = new Date();
    await giveConsent(personId, again);
    const view = await json<AgencyAssessmentView>(await read(personId, agency));
    expect(view.access).toEqual({ basis: 'CONSENT', consentGivenAt: again.toISOString() });

    // And withdrawn again: closed again.
    const second = await call('POST', `/people/${personId}/episodes/1/consent-withdrawal`, STAFF, {
      withdrawnAt: new Date().toISOString(),
    });
    expect(second.status).toBe(200);
    expect((await read(personId, agency)).status).toBe(404);
  });

  it('a withdrawal recorded after consent ends access even when dated before it, and says so (S1)', async () => {
    const { personId } = await aScreenedPerson();
    const agency = anAgency();
    await publish(sent(personId, agency.agencyId!, ['ACCOMMODATION']));
    await readable(personId, agency);
    // A paper withdrawal signed an hour ago, keyed in after the consent (given a minute ago) was recorded.
    const withdrawal = await call('POST', `/people/${personId}/episodes/1/consent-withdrawal`, STAFF, {
      withdrawnAt: new Date(Date.now() - 3_600_000).toISOString(),
    });
    expect(withdrawal.status).toBe(200);
    expect(await json<{ state: string; status: string }>(withdrawal)).toMatchObject({
      state: 'WITHDRAWN',
      status: 'WITHDRAWN',
    });
    expect((await read(personId, agency)).status).toBe(404);
    expect((await agencyReads(personId)).at(-1)).toMatchObject({
      reason: 'EPISODE_NOT_FOUND: CONSENT_WITHDRAWN',
    });
  });

  it('reads an episode known before the cut-over on the presumption, saying so, until a withdrawal ends it', async () => {
    const { personId } = await aScreenedPerson(false);
    const agency = anAgency();
    const [newcomer, expired] = [anAgency(), anAgency()];
    for (const each of [agency, newcomer, expired])
      await publish(sent(personId, each.agencyId!, ['ACCOMMODATION']));
    await caughtUp();
    // As migration 1100 marks an agency's referral active at the cut-over (as the owner: the
    // service's role may not write the cut-over, M4); `expired`'s mark has passed its sunset.
    await presume(personId, agency.agencyId!, `now() + interval '90 days'`);
    await presume(personId, expired.agencyId!, `now() - interval '1 second'`);
    const view = await readable(personId, agency);
    expect(view.access).toEqual({ basis: 'PRESUMED_BEFORE_CUTOVER', consentGivenAt: null });
    expect((await agencyReads(personId)).at(-1)).toMatchObject({
      object_id: expect.stringMatching(/&basis=PRESUMED_BEFORE_CUTOVER$/),
    });
    // Only the agency marked, and only until its presumed_until (S2).
    for (const other of [newcomer, expired]) {
      expect((await read(personId, other)).status).toBe(404);
      expect((await agencyReads(personId)).at(-1)).toMatchObject({
        reason: 'EPISODE_NOT_FOUND: CONSENT_NOT_PRESUMED_FOR_AGENCY',
      });
    }

    const withdrawal = await call('POST', `/people/${personId}/episodes/1/consent-withdrawal`, STAFF, {
      withdrawnAt: new Date().toISOString(),
    });
    expect(withdrawal.status).toBe(200);
    expect((await read(personId, agency)).status).toBe(404);
    expect((await agencyReads(personId)).at(-1)).toMatchObject({
      reason: 'EPISODE_NOT_FOUND: CONSENT_WITHDRAWN',
    });
  });

  it('records a duplicate once, and an end that arrives before its sent keeps access closed', async () => {
    const { personId } = await aScreenedPerson();
    const agency = anAgency();
    const referralId = randomUUID();
    const first = sent(personId, agency.agencyId!, ['ACCOMMODATION'], referralId);
    await publish(first);
    await readable(personId, agency);
    await caughtUp();
    const facts = () =>
      runUnrestricted(() =>
        app()
          .get(DataSource)
          .query(
            `SELECT agency_id, pathways, sent_at, sent_event_id, recorded_at FROM assessment.agency_referral
              WHERE referral_id = $1`,
            [referralId],
          ),
      ) as Promise<unknown[]>;
    const recorded = await facts();
    expect(recorded).toEqual([
      expect.objectContaining({ agency_id: agency.agencyId, sent_event_id: first.eventId }),
    ]);
    await publish(first); // the same event again (same eventId), delivered again
    await caughtUp();
    // Nothing changed: the sent facts and when they were recorded are the first delivery's.
    expect(await facts()).toEqual(recorded);
    // And a delivery of it now is answered as already recorded.
    const parsed = parseEvent(first);
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(await app().get(AgencyReferralsProjector).project(parsed.event)).toBe('already-recorded');
    expect(await facts()).toEqual(recorded);
    const keys = await runUnrestricted(() =>
      app()
        .get(DataSource)
        .query(`SELECT key FROM assessment.idempotency_key WHERE key = $1`, [`bus:${first.eventId}`]),
    );
    expect(keys).toHaveLength(1);

    // Out of order: the withdrawal of a second referral arrives before the referral itself.
    const late = anAgency();
    const lateReferral = randomUUID();
    await publish(withdrawn(personId, lateReferral));
    await publish(sent(personId, late.agencyId!, ['HEALTH'], lateReferral));
    await publish(sent(personId, late.agencyId!, ['HEALTH'], lateReferral)); // a re-publish with a new eventId
    await caughtUp();
    expect((await read(personId, late)).status).toBe(404);
    expect(await projected(lateReferral)).toEqual([
      { agency_id: late.agencyId, pathways: ['HEALTH'], ended_by: 'WITHDRAWN' },
    ]);
    // The first agency is untouched.
    expect((await read(personId, agency)).status).toBe(200);
  });

  it('dead-letters what it cannot record, with a reason, and carries on', async () => {
    const { personId } = await aScreenedPerson();
    const agency = anAgency();
    const noPathways = sent(personId, agency.agencyId!, []);
    const noPerson = {
      ...sent(personId, agency.agencyId!, ['ACCOMMODATION']),
      personReference: { identifiers: [{ type: 'NOMS', value: 'A1234BC' }] },
    };
    const referralId = randomUUID();
    const elsewhere = sent(`p${randomBytes(10).toString('hex')}`, agency.agencyId!, ['HEALTH'], referralId);
    const clash = sent(personId, agency.agencyId!, ['HEALTH'], referralId);
    const marker = `not-an-event-${randomUUID()}`;
    await publish(noPathways);
    await publish(noPerson);
    await publish(elsewhere);
    await publish(clash);
    await publish(
      JSON.stringify({ eventType: 'referral.referral.sent', marker }),
      subjectFor('referral.referral.sent'),
    );
    const valid = sent(personId, agency.agencyId!, ['ACCOMMODATION']);
    await publish(valid);

    const expectations: Array<[string, string, RegExp]> = [
      [noPathways.eventId, 'INVALID_DATA', /pathways/],
      [noPerson.eventId, 'PERSON_ID_REQUIRED', /names no THROUGHCARE_ID/],
      [clash.eventId, 'REFERRAL_MISMATCH', /holds that referral for another person$/],
      [marker, 'INVALID_ENVELOPE', /eventId/],
    ];
    for (const [id, code, reason] of expectations) {
      const dead = await deadLetterWith(id);
      expect([id, dead.headers?.get(DlqHeaders.code)]).toEqual([id, code]);
      expect(dead.headers?.get(DlqHeaders.reason)).toMatch(reason);
      expect(dead.headers?.get(DlqHeaders.consumer)).toBe(AGENCY_REFERRALS_CONSUMER);
    }
    // The valid event after them is recorded: the agency reads its pathway, nothing else.
    expect((await readable(personId, agency)).referrals.map((r) => r.referralId)).toEqual([
      valid.data.referralId,
    ]);
  });

  /**
   * Runs `work` with these agency read policies' expressions replaced (as the database's owner),
   * then puts the originals back: a second wall that disagrees with the service.
   */
  async function withPolicies(
    replace: (table: string, qual: string) => string | undefined,
    work: () => Promise<void>,
  ): Promise<void> {
    const owner = new Client({ connectionString: specConfig.DATABASE_URL });
    await owner.connect();
    const { rows } = await owner.query<{ tablename: string; policyname: string; qual: string }>(
      `SELECT tablename, policyname, qual FROM pg_policies WHERE schemaname = 'assessment' AND policyname LIKE '%agency_read'`,
    );
    const alter = (table: string, policy: string, qual: string) =>
      owner.query(`ALTER POLICY "${policy}" ON assessment."${table}" USING (${qual})`);
    try {
      for (const { tablename, policyname, qual } of rows) {
        const replaced = replace(tablename, qual);
        if (replaced !== undefined) await alter(tablename, policyname, replaced);
      }
      await work();
    } finally {
      for (const { tablename, policyname, qual } of rows) await alter(tablename, policyname, qual);
      await owner.end();
    }
  }

  it("fails closed: a withdrawal the agency's own scope cannot see still refuses the read", async () => {
    const { personId, agency } = await aReaderWhoWithdrew();
    // Policies that disagree with the service: the assessment open on the plain referral test
    // (consent ignored, as before migrations 800 and 1100) and the withdrawal hidden from every agency.
    await withPolicies(
      (table, qual) =>
        table === 'consent_withdrawal'
          ? 'false'
          : table === 'assessment'
            ? qual.replace('episode_consented_agencies(', 'episode_referral_agencies(')
            : undefined,
      async () => {
        const seen = (table: string) =>
          runWithDatabaseScope({ agency: agency.agencyId! }, () =>
            app().get(DataSource).query(`SELECT 1 FROM assessment.${table} WHERE person_id = $1`, [personId]),
          ) as Promise<unknown[]>;
        // The premise: the agency's scope sees the assessment but not the withdrawal.
        expect(await seen('assessment')).toHaveLength(1);
        expect(await seen('consent_withdrawal')).toHaveLength(0);
        const r = await read(personId, agency);
        expect(r.status).toBe(404);
        expect(await json<Problem>(r)).toMatchObject({ code: 'EPISODE_NOT_FOUND' });
      },
    );
  });

  it('shows the latest completed assessment, never a draft: a review in progress does not replace the completed screen', async () => {
    const { personId, assessmentId } = await aScreenedPerson();
    const agency = anAgency();
    await publish(sent(personId, agency.agencyId!, ['ACCOMMODATION']));
    const before = await readable(personId, agency);
    const review = await harness.activities.requestAssessment({
      idempotencyKey: `spec:${randomUUID()}`,
      personId,
      episode: 1,
      establishmentCode: 'BAR',
      kind: 'STANDARD_REVIEW',
      dueBy: new Date(Date.now() + 7 * 86_400_000).toISOString(),
      correlationId: `spec-${randomUUID()}`,
    });
    // The review's draft says the opposite of the screen: an address is found.
    const draft = await call('PUT', `/assessments/${review.assessmentId}/answers`, STAFF, {
      answers: { ACC_NO_ADDRESS: false },
    });
    expect(draft.status).toBe(200);
    const after = await json<AgencyAssessmentView>(await read(personId, agency));
    expect(after.assessment).toMatchObject({ assessmentId, kind: 'CORE_SCREEN', answersVersion: 1 });
    expect(after.pathways).toEqual(before.pathways);
    expect(after.pathways).toMatchObject([{ pathway: 'ACCOMMODATION', status: 'SUPPORT_REQUIRED' }]);
    expect(after.needs).toEqual(['ACCOMMODATION']);
  });

  it('before any completion shows every covered pathway as not started, whatever answers are saved', async () => {
    const { personId, assessmentId } = await aRequestedScreen();
    const saved = await call('PUT', `/assessments/${assessmentId}/answers`, STAFF, {
      answers: coreScreenAnswers(),
    });
    expect(saved.status).toBe(200);
    const agency = anAgency();
    await publish(sent(personId, agency.agencyId!, ['ACCOMMODATION']));
    const view = await readable(personId, agency);
    expect(view.assessment).toBeNull();
    expect(view.pathways).toMatchObject([
      { pathway: 'ACCOMMODATION', status: 'NOT_STARTED', supportRequired: false },
    ]);
    expect(view.needs).toEqual([]);
  });

  it("falls back to the completion's recorded needs when its saved answers no longer pass the completion checks", async () => {
    const { personId, assessmentId } = await aRequestedScreen();
    // A version saved before skips were checked: ACCOMMODATION skipped though its answers show a
    // need, and a completion (then) recording the need. Written as such a record would stand.
    await runUnrestricted(() =>
      app()
        .get(DataSource)
        .transaction(async (m) => {
          await m.query(
            `INSERT INTO assessment.assessment_answers (assessment_id, version, establishment_code, question_set_version,
               answers, skips, recorded_at, recorded_by)
             VALUES ($1, 1, 'BAR', $2, $3, $4, now(), 'user:spec')`,
            [
              assessmentId,
              questionSet('CORE_SCREEN').version,
              JSON.stringify(coreScreenAnswers()),
              JSON.stringify([{ pathway: 'ACCOMMODATION', reason: 'TRANSFER' }]),
            ],
          );
          await m.query(
            `UPDATE assessment.assessment
                SET completed_at = now(), completed_by = 'role:RECEPTION_OFFICER', completion_recorded_at = now(),
                    needs = ARRAY['ACCOMMODATION'], risk_of_serious_harm = 'LOW'
              WHERE id = $1`,
            [assessmentId],
          );
        }),
    );
    const agency = anAgency();
    await publish(sent(personId, agency.agencyId!, ['ACCOMMODATION', 'HEALTH']));
    const view = await readable(personId, agency);
    expect(view.assessment).toMatchObject({ assessmentId, answersVersion: null, answersRecordedAt: null });
    expect(view.pathways).toEqual([
      {
        pathway: 'ACCOMMODATION',
        status: 'SUPPORT_REQUIRED',
        supportRequired: true,
        needsIndicated: [],
        skipped: null,
      },
      {
        pathway: 'HEALTH',
        status: 'SUPPORT_NOT_REQUIRED',
        supportRequired: false,
        needsIndicated: [],
        skipped: null,
      },
    ]);
    expect(view.needs).toEqual(['ACCOMMODATION']);
  });

  /** A screened person whose episode 1 agency reads the assessment, then a risk assessment at `level`. */
  async function anAgencyReadingThenRisk(level: 'HIGH' | 'VERY_HIGH') {
    const { personId } = await aScreenedPerson();
    const agency = anAgency();
    await publish(sent(personId, agency.agencyId!, ['ACCOMMODATION']));
    await readable(personId, agency);
    const risk = await call('POST', `/people/${personId}/risk-assessments`, STAFF, {
      likelihoodOfReoffending: 'HIGH',
      riskOfSeriousHarm: level,
      reasons: 'spec: assessed during episode 1',
      assessedOn: new Date().toISOString().slice(0, 10),
    });
    expect(risk.status).toBe(201);
    return { personId, agency };
  }

  it("shows an earlier episode's agency that episode's core screen level, not the risk assessed once a later episode exists", async () => {
    const { personId, agency } = await anAgencyReadingThenRisk('HIGH');
    const during = await json<AgencyAssessmentView>(await read(personId, agency));
    expect(during.riskOfSeriousHarm).toMatchObject({ level: 'HIGH', source: 'RISK_ASSESSMENT' });
    // Episode 2 begins: the risk is now the later episode's.
    await aRequestedScreen(personId, 2);
    const after = await json<AgencyAssessmentView>(await read(personId, agency));
    expect(after.riskOfSeriousHarm).toEqual({ level: 'LOW', assessedOn: null, source: 'CORE_SCREEN' });
  });

  it("withholds a later episode's risk in the service itself, not by row-level security alone (read unrestricted)", async () => {
    const { personId, agency } = await anAgencyReadingThenRisk('VERY_HIGH');
    await aRequestedScreen(personId, 2);
    // As if row-level security were bypassed (a BYPASSRLS role, a policy edited later): the rows
    // are all visible, and the service still gives episode 1's agency its own core screen level.
    const service = app().get(AgencyAssessmentService);
    const unrestricted = await runUnrestricted(() => service.read(agency.agencyId!, personId, 1));
    expect(unrestricted.riskOfSeriousHarm).toEqual({ level: 'LOW', assessedOn: null, source: 'CORE_SCREEN' });
    // The latest episode's reader still sees the risk assessment (the wall is by episode, not a blanket refusal).
    await publish(
      envelope('referral.referral.sent', personId, {
        referralId: randomUUID(),
        episode: 2,
        agencyId: agency.agencyId!,
        pathways: ['ACCOMMODATION'],
        sentAt: new Date(Date.now() - 60_000).toISOString(),
        acknowledgeBy: new Date(Date.now() + 86_400_000).toISOString(),
        riskOfSeriousHarm: 'LOW',
      }),
    );
    const latest = await eventually(async () => {
      try {
        return await runUnrestricted(() => service.read(agency.agencyId!, personId, 2));
      } catch {
        return undefined;
      }
    });
    expect(latest.riskOfSeriousHarm).toMatchObject({ level: 'VERY_HIGH', source: 'RISK_ASSESSMENT' });
  });

  it('audits each read with the person, the episode and the pathways disclosed, and a refused one with the episode only', async () => {
    const { personId, assessmentId } = await aScreenedPerson();
    const agency = anAgency();
    await publish(sent(personId, agency.agencyId!, ['HEALTH', 'ACCOMMODATION']));
    await readable(personId, agency);
    expect((await read(personId, agency, 2)).status).toBe(404);
    const records = (await auditRecordsAbout(app().get(DataSource), 'assessment', personId)).filter(
      (r) => r.action === 'assessment.agency-read',
    );
    // The last allowed read (earlier ones may be the wait for the referral) and the refusal.
    expect(records.filter((r) => r.outcome === 'allowed').at(-1)).toMatchObject({
      subject_person: personId,
      object_type: 'assessment',
      object_id: `${personId}/1?agency=${agency.agencyId}&pathways=ACCOMMODATION,HEALTH&assessment=${assessmentId}&basis=CONSENT`,
    });
    expect(records.at(-1)).toMatchObject({
      outcome: 'not-found',
      subject_person: personId,
      object_id: `${personId}/2`,
      reason: 'EPISODE_NOT_FOUND: NO_ACTIVE_REFERRAL',
    });
  });

  it('is documented in OpenAPI: bearer token, an example answer, and problem+json 400, 401 and 404', async () => {
    const doc = (await (await fetch(`${harness.base}/docs-json`)).json()) as {
      paths: Record<
        string,
        Record<
          string,
          {
            security?: unknown;
            responses?: Record<string, { content?: Record<string, { example?: unknown }> }>;
          }
        >
      >;
    };
    const operation = doc.paths['/agency/people/{personId}/episodes/{episode}/assessment']?.['get'];
    expect(operation?.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(operation?.responses ?? {}).sort()).toEqual(['200', '400', '401', '404']);
    expect(operation?.responses?.['200']?.content?.['application/json']?.example).toMatchObject({
      pathways: [{ pathway: 'ACCOMMODATION', status: 'SUPPORT_REQUIRED' }],
    });
  });
});
