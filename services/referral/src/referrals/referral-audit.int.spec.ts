import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DataSource } from 'typeorm';
import { auditRecordsAbout, withAuditStoreAway } from '@throughcare/platform-audit/src/testing';
import { runUnrestricted } from '@throughcare/platform-persistence';
import { bearer } from '@throughcare/testing';
import { loadReferralConfig } from '../config';
import type { EventsOnBus } from '../testing/events-on-bus';
import { asAgency, REFERRAL_AUDIENCE, startReferralApp, asThePlatformService } from '../testing/referral-app';
import { aReferral, anAgencyId } from '../testing/referral.mother';
import { ReferralsService } from './referrals.service';

const config = loadReferralConfig({ ...process.env, PORT: '0' });

describe('referral service audit trail (real Postgres, NATS, Temporal, identity)', () => {
  let app: NestFastifyApplication;
  let base: string;
  let bus: EventsOnBus;
  let db: DataSource;
  let service: ReferralsService;

  beforeAll(async () => {
    // The audit-store-away cases' 503s are logged at error level by design: asserted, not printed.
    ({ app, base, bus, dataSource: db } = await startReferralApp(config, { logLevels: ['fatal'] }));
    service = asThePlatformService(app.get(ReferralsService));
  });
  afterAll(async () => {
    await bus?.close();
    await app?.close();
  });

  const { get, post } = asAgency(() => base);
  /** The service's own calls, as the platform makes them (its activities: unrestricted row-level security scope). */
  const referrals = {
    send: (input: Parameters<ReferralsService['send']>[0]) => runUnrestricted(() => service.send(input)),
    get: (agencyId: string, id: string) => runUnrestricted(() => service.get(agencyId, id)),
  };
  const recordsOf = (objectIdOrSubject: string) =>
    auditRecordsAbout(db, 'referral', objectIdOrSubject, { orObjectId: true });

  it('records a read with actor, client, roles, purpose, subject and route, before answering', async () => {
    const input = aReferral();
    const { referralId } = await referrals.send(input);
    const response = await get(`/referrals/${referralId}`, input.agencyId);
    expect(response.status).toBe(200);
    const [record, ...more] = await recordsOf(referralId);
    expect(more).toEqual([]);
    expect(record).toMatchObject({
      chain: 'referral',
      actor: expect.stringMatching(/^client:/),
      client_id: expect.any(String),
      roles: ['agency-system'],
      purpose: 'case-work',
      subject_person: input.personId,
      action: 'referral.read',
      object_type: 'referral',
      object_id: referralId,
      outcome: 'allowed',
      reason: null,
      http_method: 'GET',
      route: '/referrals/:id',
    });
  });

  it('records a list once per request, naming every person the page disclosed', async () => {
    const agencyId = anAgencyId();
    const one = aReferral({ agencyId });
    const two = aReferral({ agencyId });
    await referrals.send(one);
    await referrals.send(two);
    const response = await get('/referrals', agencyId);
    expect(response.status).toBe(200);
    const records = await recordsOf(one.personId);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      action: 'referral.list',
      outcome: 'allowed',
      subject_person: null,
      object_id: null,
    });
    expect([...records[0]!.disclosed_persons].sort()).toEqual([one.personId, two.personId].sort());
  });

  it('records a change inside its transaction, and an out-of-scope attempt as not-found with the subject', async () => {
    const input = aReferral();
    const { referralId } = await referrals.send(input);
    const other = anAgencyId();
    expect(
      (await post(`/referrals/${referralId}/acknowledgement`, other, { acknowledgedBy: 'Duty team' })).status,
    ).toBe(404);
    expect(
      (
        await post(`/referrals/${referralId}/acknowledgement`, input.agencyId, {
          acknowledgedBy: 'Duty team',
        })
      ).status,
    ).toBe(201);
    const records = await recordsOf(referralId);
    expect(records.map((r) => [r.action, r.outcome, r.reason, r.subject_person])).toEqual([
      ['referral.acknowledge', 'not-found', 'REFERRAL_NOT_FOUND', input.personId],
      ['referral.acknowledge', 'allowed', null, input.personId],
    ]);
  });

  it("records the guard's refusal of a role the route does not admit (404) as refused", async () => {
    const input = aReferral();
    const { referralId } = await referrals.send(input);
    const manager = await bearer({ roles: ['manager'] }, REFERRAL_AUDIENCE);
    expect((await fetch(`${base}/referrals/${referralId}`, { headers: manager })).status).toBe(404);
    expect(await recordsOf(referralId)).toEqual([
      expect.objectContaining({
        action: 'referral.read',
        outcome: 'refused',
        reason: 'ROLE_NOT_ADMITTED',
        roles: ['manager'],
      }),
    ]);
  });

  it('records the stated purpose, and answers an unknown x-purpose 400 naming the header', async () => {
    const input = aReferral();
    const { referralId } = await referrals.send(input);
    expect((await get(`/referrals/${referralId}`, undefined)).status).toBe(401);
    const headers = await bearer({ roles: ['agency-system'], agencyId: input.agencyId }, REFERRAL_AUDIENCE);
    const stated = await fetch(`${base}/referrals/${referralId}`, {
      headers: { ...headers, 'x-purpose': 'safeguarding' },
    });
    expect(stated.status).toBe(200);
    const bad = await fetch(`${base}/referrals/${referralId}`, {
      headers: { ...headers, 'x-purpose': 'curiosity' },
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await bad.json()).toMatchObject({ errors: [{ field: 'headers.x-purpose' }] });
    expect((await recordsOf(referralId)).map((r) => [r.purpose, r.outcome])).toEqual([
      ['safeguarding', 'allowed'],
      [null, 'failed'],
    ]);
  });

  describe('with the audit store unavailable', () => {
    it('fails closed: a read answers 503 AUDIT_UNAVAILABLE, and a change is rolled back', async () => {
      const input = aReferral();
      const { referralId } = await referrals.send(input);
      // The agency's API client first: registering one is itself audited (at the identity
      // provider, in the same database), so it cannot happen while the store is away.
      await bearer({ roles: ['agency-system'], agencyId: input.agencyId }, REFERRAL_AUDIENCE);
      const [read, change] = await withAuditStoreAway(async () => [
        await get(`/referrals/${referralId}`, input.agencyId),
        await post(`/referrals/${referralId}/acknowledgement`, input.agencyId, {
          acknowledgedBy: 'Duty team',
        }),
      ]);
      for (const response of [read, change]) {
        expect(response.status).toBe(503);
        expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(await response.json()).toMatchObject({ status: 503, code: 'AUDIT_UNAVAILABLE' });
      }
      expect((await referrals.get(input.agencyId, referralId)).acknowledgement).toBeNull();
      expect(await recordsOf(referralId)).toEqual([]);
      // and with the store back, the same change goes through (audited)
      expect(
        (
          await post(`/referrals/${referralId}/acknowledgement`, input.agencyId, {
            acknowledgedBy: 'Duty team',
          })
        ).status,
      ).toBe(201);
      expect((await recordsOf(referralId)).map((r) => r.outcome)).toEqual(['allowed']);
    });
  });
});
