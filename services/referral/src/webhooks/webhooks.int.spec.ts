import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createScratchDatabase,
  verifyWebhook as verify,
  WebhookReceiver,
  type ScratchDatabase,
} from '@throughcare/testing';
import { loadReferralConfig } from '../config';
import { NotificationsService } from '../notifications/notifications.service';
import type { Page } from '../pagination/keyset-cursor';
import { ReferralsService } from '../referrals/referrals.service';
import { aNotification, anAgencyId, aReferral } from '../testing/referral.mother';
import {
  agencyHeaders,
  asAgency,
  asThePlatformService,
  startReferralApp,
  type Problem,
  type ReferralApp,
} from '../testing/referral-app';
import type {
  WebhookDeliveryView,
  WebhookEndpointView,
  WebhookEndpointWithSecretView,
} from './webhook.schemas';

/** The waits between attempts in this spec: short, so retries are seen in seconds. */
const SCHEDULE_MS = [300, 600, 900];
/** An endpoint failing this long is disabled: past a whole schedule (about 2 s), so only a second failing delivery does it. */
const DISABLE_AFTER_MS = 4000;

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  ms = 20_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('signed webhooks to agencies (Standard Webhooks; real Postgres, NATS, Temporal, and a receiving server)', () => {
  let scratch: ScratchDatabase;
  let started: ReferralApp;
  const receiver = new WebhookReceiver();
  let referrals: ReferralsService;
  let notifications: NotificationsService;
  const { get, post } = asAgency(() => started.base);
  const put = async (path: string, agencyId: string, body: unknown) =>
    fetch(`${started.base}${path}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...(await agencyHeaders(agencyId)) },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    // A database of its own: only this app's dispatcher (with this spec's schedule) works its deliveries.
    scratch = await createScratchDatabase('referral_webhooks_spec');
    const config = loadReferralConfig({
      ...process.env,
      PORT: '0',
      DATABASE_URL: scratch.url,
      WEBHOOK_DEVELOPMENT_TARGETS: 'true',
      WEBHOOK_RETRY_SCHEDULE: SCHEDULE_MS.map((ms) => `${ms}ms`).join(','),
      WEBHOOK_TIMEOUT_MS: '2000',
      WEBHOOK_DISABLE_AFTER: `${DISABLE_AFTER_MS}ms`,
    });
    await receiver.start();
    started = await startReferralApp(config);
    referrals = asThePlatformService(started.app.get(ReferralsService));
    notifications = asThePlatformService(started.app.get(NotificationsService));
  });

  afterAll(async () => {
    await started?.bus.close();
    await started?.app.close();
    await receiver.close();
    await scratch?.drop();
  });

  const register = async (
    agencyId: string,
    body: Record<string, unknown>,
    headers: Record<string, string> = {},
  ) => {
    const res = await post('/webhook-endpoints', agencyId, body, headers);
    return { status: res.status, body: (await res.json()) as WebhookEndpointWithSecretView & Problem };
  };
  const deliveriesOf = async (agencyId: string, endpointId: string, query = '') => {
    const res = await get(`/webhook-endpoints/${endpointId}/deliveries${query}`, agencyId);
    expect(res.status).toBe(200);
    return ((await res.json()) as Page<WebhookDeliveryView>).items;
  };

  it('delivers a new referral to the agency, signed: the receiver verifies it with the secret answered once, and the log shows one 2xx attempt', async () => {
    const agencyId = anAgencyId();
    const created = await register(agencyId, { url: receiver.url('/a/hooks'), description: 'Case system' });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(created.body).toMatchObject({ enabled: true, eventTypes: null, description: 'Case system' });
    // Never shown again.
    const read = (await (
      await get(`/webhook-endpoints/${created.body.id}`, agencyId)
    ).json()) as WebhookEndpointView;
    expect(read).not.toHaveProperty('secret');
    expect(read.id).toBe(created.body.id);

    const referral = aReferral({ agencyId });
    const { referralId } = await referrals.send(referral);

    const [request] = await until('the referral webhook', () =>
      receiver.at('/a/hooks').length ? receiver.at('/a/hooks') : undefined,
    );
    const payload = verify(created.body.secret, request!);
    expect(payload.type).toBe('referral.referral.sent');
    expect(payload.data).toMatchObject({ eventType: 'referral.referral.sent', version: 1 });
    expect(payload.data.data).toMatchObject({ referralId, agencyId, episode: referral.episode });
    expect(request!.headers['webhook-id']).toBe(payload.data.eventId);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(() => verify(`whsec_${Buffer.alloc(32, 7).toString('base64')}`, request!)).toThrow();

    const [delivery] = await until('the delivery to be recorded', async () => {
      const items = await deliveriesOf(agencyId, created.body.id);
      return items[0]?.status === 'DELIVERED' ? items : undefined;
    });
    expect(delivery).toMatchObject({
      messageId: payload.data.eventId,
      eventType: 'referral.referral.sent',
      status: 'DELIVERED',
      attempts: 1,
      nextAttemptAt: null,
      log: [{ attempt: 1, httpStatus: 204, error: null }],
    });
  });

  it('retries after 500s with the same webhook-id and the schedule’s backoff, until a 2xx; a notice sent twice under one key is delivered once', async () => {
    const agencyId = anAgencyId();
    const path = '/b/hooks';
    const { body: endpoint } = await register(agencyId, {
      url: receiver.url(path, (n) => (n <= 2 ? 500 : 200)),
      eventTypes: ['referral.agency.notified'],
    });
    // Not wanted by this endpoint: never delivered.
    await referrals.send(aReferral({ agencyId }));
    const notice = aNotification({ agencyId });
    const first = await notifications.notify(notice);
    const again = await notifications.notify(notice);
    expect(again.notificationId).toBe(first.notificationId);

    await until('a 2xx answer', () => (receiver.at(path).some((r) => r.answered === 200) ? true : undefined));
    // Give a duplicate time to show, were there one.
    await new Promise((r) => setTimeout(r, 1500));
    const requests = receiver.at(path);
    expect(requests.map((r) => r.answered)).toEqual([500, 500, 200]);
    expect(new Set(requests.map((r) => r.headers['webhook-id'])).size).toBe(1);
    for (const r of requests) expect(verify(endpoint.secret, r).type).toBe('referral.agency.notified');
    expect(verify(endpoint.secret, requests[0]!).data.data).toMatchObject({
      notificationId: first.notificationId,
      subject: notice.subject,
    });
    // Backoff: each wait at least the schedule's (less its 10% jitter).
    expect(requests[1]!.at - requests[0]!.at).toBeGreaterThanOrEqual(SCHEDULE_MS[0]! * 0.9);
    expect(requests[2]!.at - requests[1]!.at).toBeGreaterThanOrEqual(SCHEDULE_MS[1]! * 0.9);

    const deliveries = await deliveriesOf(agencyId, endpoint.id);
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ status: 'DELIVERED', attempts: 3 });
    expect(deliveries[0]!.log.map((a) => [a.attempt, a.httpStatus])).toEqual([
      [1, 500],
      [2, 500],
      [3, 200],
    ]);
    expect(deliveries[0]!.log[0]!.error).toBe('answered 500: only a 2xx delivers');
    // The success ended the endpoint's failing streak.
    const read = (await (
      await get(`/webhook-endpoints/${endpoint.id}`, agencyId)
    ).json()) as WebhookEndpointView;
    expect(read).toMatchObject({ enabled: true, failingSince: null, disabledReason: null });
  });

  it('fails for good after the last wait of the schedule, every attempt in the log; FAILED is a filter', async () => {
    const agencyId = anAgencyId();
    const path = '/c/hooks';
    const { body: endpoint } = await register(agencyId, { url: receiver.url(path, () => 503) });
    await notifications.notify(aNotification({ agencyId }));

    const [failed] = await until('the delivery to fail for good', async () => {
      const items = await deliveriesOf(agencyId, endpoint.id, '?status=FAILED');
      return items.length ? items : undefined;
    });
    expect(failed!.attempts).toBe(SCHEDULE_MS.length + 1);
    expect(failed!.log.map((a) => a.httpStatus)).toEqual([503, 503, 503, 503]);
    expect(failed!.finishedAt).not.toBeNull();
    expect(receiver.at(path)).toHaveLength(SCHEDULE_MS.length + 1);
    expect(await deliveriesOf(agencyId, endpoint.id, '?status=DELIVERED')).toEqual([]);
  });

  it('an endpoint that does not answer: each attempt logged with the reason, no status', async () => {
    const agencyId = anAgencyId();
    // A port nobody listens on.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const { body: endpoint } = await register(agencyId, { url: `http://127.0.0.1:${port}/nobody` });
    await notifications.notify(aNotification({ agencyId }));
    const [delivery] = await until('an attempt', async () => {
      const items = await deliveriesOf(agencyId, endpoint.id);
      return items[0]?.log.length ? items : undefined;
    });
    expect(delivery!.log[0]).toMatchObject({
      attempt: 1,
      httpStatus: null,
      error: expect.stringMatching(/ECONNREFUSED/),
    });
  });

  it('rotation: a new secret answered once, and both secrets sign while the overlap lasts', async () => {
    const agencyId = anAgencyId();
    const path = '/d/hooks';
    const { body: endpoint } = await register(agencyId, { url: receiver.url(path) });
    const res = await post(`/webhook-endpoints/${endpoint.id}/secret-rotation`, agencyId, {});
    expect(res.status).toBe(200);
    const rotated = (await res.json()) as WebhookEndpointWithSecretView;
    expect(rotated.secret).not.toBe(endpoint.secret);
    expect(Date.parse(rotated.previousSecretExpiresAt!) - Date.now()).toBeGreaterThan(23 * 3600_000);

    await notifications.notify(aNotification({ agencyId }));
    const [request] = await until('the webhook', () =>
      receiver.at(path).length ? receiver.at(path) : undefined,
    );
    expect(String(request!.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verify(rotated.secret, request!).type).toBe('referral.agency.notified');
    expect(verify(endpoint.secret, request!).type).toBe('referral.agency.notified');
  });

  it('disabled: what is pending is cancelled and nothing more is delivered; enabled again, what happens next is', async () => {
    const agencyId = anAgencyId();
    const failing = '/e/hooks';
    const { body: endpoint } = await register(agencyId, { url: receiver.url(failing, () => 500) });
    await notifications.notify(aNotification({ agencyId }));
    await until('the first, failed attempt', () => (receiver.at(failing).length ? true : undefined));

    const disabled = await put(`/webhook-endpoints/${endpoint.id}`, agencyId, {
      url: endpoint.url,
      enabled: false,
    });
    expect(disabled.status).toBe(200);
    expect(((await disabled.json()) as WebhookEndpointView).enabled).toBe(false);
    // While disabled: nothing is queued for it.
    await notifications.notify(aNotification({ agencyId }));
    // A retry already in flight when it was disabled finishes; the delivery then ends CANCELLED.
    const [cancelled] = await until('the pending delivery cancelled', async () => {
      const items = await deliveriesOf(agencyId, endpoint.id);
      return items.length === 1 && items[0]!.status === 'CANCELLED' ? items : undefined;
    });
    expect(cancelled!.finishedAt).not.toBeNull();
    const requestsWhenCancelled = receiver.at(failing).length;
    await new Promise((r) => setTimeout(r, SCHEDULE_MS[2]! * 2));
    expect(receiver.at(failing)).toHaveLength(requestsWhenCancelled);
    expect(await deliveriesOf(agencyId, endpoint.id)).toHaveLength(1);

    const working = receiver.url('/e/mended');
    const enabled = await put(`/webhook-endpoints/${endpoint.id}`, agencyId, { url: working, enabled: true });
    expect(enabled.status).toBe(200);
    await notifications.notify(aNotification({ agencyId }));
    await until('the next webhook', () => (receiver.at('/e/mended').length === 1 ? true : undefined));
    expect(receiver.at('/e/mended')[0]!.answered).toBe(204);
  });

  it('Idempotency-Key: a retry answers the endpoint made first with its secret; the same key with another URL is 422 IDEMPOTENCY_KEY_REUSED', async () => {
    const agencyId = anAgencyId();
    const key = { 'idempotency-key': `create-${agencyId}` };
    const first = await register(agencyId, { url: receiver.url('/f/hooks') }, key);
    const retry = await register(agencyId, { url: receiver.url('/f/hooks') }, key);
    expect([first.status, retry.status]).toEqual([201, 200]);
    expect(retry.body).toEqual(first.body);
    const reused = await register(agencyId, { url: receiver.url('/f/other') }, key);
    expect([reused.status, reused.body.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
    const listed = (await (await get('/webhook-endpoints', agencyId)).json()) as Page<WebhookEndpointView>;
    expect(listed.items.map((e) => e.id)).toEqual([first.body.id]);
  });

  it('each agency sees only its own endpoints and logs (another’s answer 404), and receives only its own cases', async () => {
    const [mine, theirs] = [anAgencyId(), anAgencyId()];
    const { body: endpoint } = await register(mine, { url: receiver.url('/g/hooks') });
    await register(theirs, { url: receiver.url('/h/hooks') });
    for (const path of [
      `/webhook-endpoints/${endpoint.id}`,
      `/webhook-endpoints/${endpoint.id}/deliveries`,
    ]) {
      const res = await get(path, theirs);
      expect([res.status, ((await res.json()) as Problem).code]).toEqual([404, 'WEBHOOK_ENDPOINT_NOT_FOUND']);
    }
    const rotate = await post(`/webhook-endpoints/${endpoint.id}/secret-rotation`, theirs, {});
    expect(rotate.status).toBe(404);
    const change = await put(`/webhook-endpoints/${endpoint.id}`, theirs, {
      url: receiver.url('/h/stolen'),
      enabled: true,
    });
    expect(change.status).toBe(404);
    const listed = (await (await get('/webhook-endpoints', theirs)).json()) as Page<WebhookEndpointView>;
    expect(listed.items.map((e) => e.id)).not.toContain(endpoint.id);
    expect((await get('/webhook-endpoints', undefined)).status).toBe(401);

    await notifications.notify(aNotification({ agencyId: mine }));
    await until('my webhook', () => (receiver.at('/g/hooks').length ? true : undefined));
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.at('/h/hooks')).toEqual([]);
  });

  it('refuses bad endpoints with 400s naming the field, and an eleventh endpoint with 409', async () => {
    const agencyId = anAgencyId();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ url: 'not a url' }, 'url'],
      [{ url: 'ftp://example.org/hooks' }, 'url'],
      [{ url: 'https://user:pass@example.org/hooks' }, 'url'],
      [{ url: receiver.url('/i'), eventTypes: [] }, 'eventTypes'],
      [
        { url: receiver.url('/i'), eventTypes: ['referral.agency.notified', 'referral.agency.notified'] },
        'eventTypes',
      ],
      [{ url: receiver.url('/i'), eventTypes: ['referral.referral.acknowledged'] }, 'eventTypes.0'],
      [{ url: receiver.url('/i'), secret: 'mine' }, ''],
    ];
    for (const [body, field] of cases) {
      const res = await register(agencyId, body);
      expect([JSON.stringify(body), res.status]).toEqual([JSON.stringify(body), 400]);
      if (field) expect(res.body.errors?.map((e) => e.field)).toContain(field);
    }
    for (let i = 0; i < 10; i += 1)
      expect((await register(agencyId, { url: receiver.url(`/j/${i}`) })).status).toBe(201);
    const eleventh = await register(agencyId, { url: receiver.url('/j/10') });
    expect([eleventh.status, eleventh.body.code]).toEqual([409, 'WEBHOOK_ENDPOINT_LIMIT']);
  });

  it('an endpoint failing for longer than WEBHOOK_DISABLE_AFTER is disabled (FAILING) and its retries cancelled; enabled at a mended URL, a FAILED delivery is sent again on request, once', async () => {
    const agencyId = anAgencyId();
    const broken = '/k/hooks';
    const { body: endpoint } = await register(agencyId, { url: receiver.url(broken, () => 500) });
    await notifications.notify(aNotification({ agencyId }));
    const [failed] = await until('the first delivery to fail for good', async () => {
      const items = await deliveriesOf(agencyId, endpoint.id, '?status=FAILED');
      return items.length ? items : undefined;
    });
    const streakStart = failed!.log[0]!.attemptedAt;
    const failing = (await (
      await get(`/webhook-endpoints/${endpoint.id}`, agencyId)
    ).json()) as WebhookEndpointView;
    // Failing, but not yet for long enough.
    expect(failing).toMatchObject({ enabled: true, failingSince: streakStart, disabledReason: null });

    await new Promise((r) => setTimeout(r, DISABLE_AFTER_MS - (Date.now() - Date.parse(streakStart)) + 200));
    await notifications.notify(aNotification({ agencyId }));
    const disabled = await until('the endpoint disabled for failing', async () => {
      const read = (await (
        await get(`/webhook-endpoints/${endpoint.id}`, agencyId)
      ).json()) as WebhookEndpointView;
      return read.enabled ? undefined : read;
    });
    expect(disabled).toMatchObject({ disabledReason: 'FAILING', failingSince: streakStart });
    const [second] = await until('the second delivery cancelled', async () => {
      const items = await deliveriesOf(agencyId, endpoint.id, '?status=CANCELLED');
      return items.length ? items : undefined;
    });
    expect(second!.log.map((a) => a.httpStatus)).toEqual([500]);
    // Disabled for failing: what happens now is logged, not sent (recovered below), and a
    // redelivery is refused until it is enabled.
    await notifications.notify(aNotification({ agencyId }));
    const [missed] = await deliveriesOf(agencyId, endpoint.id);
    expect(missed).toMatchObject({ status: 'CANCELLED', attempts: 0, log: [] });
    expect(missed!.id).not.toBe(second!.id);
    const refused = await post(
      `/webhook-endpoints/${endpoint.id}/deliveries/${failed!.id}/redelivery`,
      agencyId,
      {},
    );
    expect(refused.status).toBe(409);
    expect((await refused.json()) as Problem).toMatchObject({ code: 'WEBHOOK_ENDPOINT_DISABLED' });
    const requestsBefore = receiver.at(broken).length;
    expect(requestsBefore).toBe(SCHEDULE_MS.length + 2);

    const mended = '/k/mended';
    const enabled = (await (
      await put(`/webhook-endpoints/${endpoint.id}`, agencyId, { url: receiver.url(mended), enabled: true })
    ).json()) as WebhookEndpointView;
    expect(enabled).toMatchObject({ enabled: true, disabledReason: null, failingSince: null });

    const res = await post(
      `/webhook-endpoints/${endpoint.id}/deliveries/${failed!.id}/redelivery`,
      agencyId,
      {},
    );
    expect(res.status).toBe(202);
    const asked = (await res.json()) as WebhookDeliveryView;
    expect(asked).toMatchObject({ id: failed!.id, status: 'PENDING', finishedAt: null });
    expect(asked.redeliveryRequestedAt).not.toBeNull();
    const [redelivered] = await until('the redelivery', async () => {
      const items = await deliveriesOf(agencyId, endpoint.id, '?status=DELIVERED');
      return items.length ? items : undefined;
    });
    expect(redelivered!.log.map((a) => a.httpStatus)).toEqual([500, 500, 500, 500, 204]);
    const [request] = receiver.at(mended);
    expect(request!.headers['webhook-id']).toBe(failed!.messageId);
    expect(verify(endpoint.secret, request!).type).toBe('referral.agency.notified');

    // A delivered one may be asked for again (the receiver lost it): one more request, same webhook-id.
    const again = await post(
      `/webhook-endpoints/${endpoint.id}/deliveries/${failed!.id}/redelivery`,
      agencyId,
      {},
    );
    expect(again.status).toBe(202);
    await until('the second redelivery', () => (receiver.at(mended).length === 2 ? true : undefined));
    expect(receiver.at(mended)[1]!.headers['webhook-id']).toBe(failed!.messageId);
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.at(mended)).toHaveLength(2);

    // Recovery: every delivery since the outage began that did not get through (the one cancelled
    // when the endpoint was disabled), once; asked again, nothing more.
    const recover = (body: unknown) => post(`/webhook-endpoints/${endpoint.id}/recovery`, agencyId, body);
    const since = new Date(Date.parse(streakStart) - 1000).toISOString();
    const recovered = await recover({ since });
    expect([recovered.status, await recovered.json()]).toEqual([202, { queued: 2 }]);
    await until('the recovered deliveries', () => (receiver.at(mended).length === 4 ? true : undefined));
    expect(
      receiver
        .at(mended)
        .slice(2)
        .map((r) => r.headers['webhook-id'])
        .sort(),
    ).toEqual([second!.messageId, missed!.messageId].sort());
    const repeat = await recover({ since });
    expect([repeat.status, await repeat.json()]).toEqual([202, { queued: 0 }]);
    expect((await deliveriesOf(agencyId, endpoint.id, '?status=DELIVERED')).map((d) => d.id).sort()).toEqual(
      [failed!.id, second!.id, missed!.id].sort(),
    );
    for (const [body, field] of [
      [{ since: new Date(Date.now() - 31 * 86_400_000).toISOString() }, 'since'],
      [{ since, until: new Date(Date.parse(since) - 1).toISOString() }, 'until'],
      [{ since: 'yesterday' }, 'since'],
      [{}, 'since'],
    ] as const) {
      const res = await recover(body);
      expect([JSON.stringify(body), res.status]).toEqual([JSON.stringify(body), 400]);
      expect(((await res.json()) as Problem).errors?.map((e) => e.field)).toContain(field);
    }
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.at(mended)).toHaveLength(4);
    expect(receiver.at(broken)).toHaveLength(requestsBefore);
  });

  it('redelivery: another agency, an unknown delivery and a malformed id are refused (404, 404, 400)', async () => {
    const [mine, theirs] = [anAgencyId(), anAgencyId()];
    const { body: endpoint } = await register(mine, { url: receiver.url('/l/hooks') });
    await notifications.notify(aNotification({ agencyId: mine }));
    const [delivery] = await until('the delivery', async () => {
      const items = await deliveriesOf(mine, endpoint.id, '?status=DELIVERED');
      return items.length ? items : undefined;
    });
    const path = `/webhook-endpoints/${endpoint.id}/deliveries/${delivery!.id}/redelivery`;
    const stranger = await post(path, theirs, {});
    expect([stranger.status, ((await stranger.json()) as Problem).code]).toEqual([
      404,
      'WEBHOOK_ENDPOINT_NOT_FOUND',
    ]);
    const unknown = await post(
      `/webhook-endpoints/${endpoint.id}/deliveries/00000000-0000-4000-8000-000000000000/redelivery`,
      mine,
      {},
    );
    expect([unknown.status, ((await unknown.json()) as Problem).code]).toEqual([
      404,
      'WEBHOOK_DELIVERY_NOT_FOUND',
    ]);
    const malformed = await post(`/webhook-endpoints/${endpoint.id}/deliveries/42/redelivery`, mine, {});
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as Problem).detail).toMatch(/deliveryId/);
    // Nothing was sent again.
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.at('/l/hooks')).toHaveLength(1);
  });
  it('a slow receiver holds at most two slots: another agency’s delivery goes on meanwhile', async () => {
    const slowAgency = anAgencyId();
    const fastAgency = anAgencyId();
    receiver.delay('/slow/hooks', 1200);
    await register(slowAgency, { url: receiver.url('/slow/hooks') });
    await register(fastAgency, { url: receiver.url('/fast/hooks') });
    for (let i = 0; i < 5; i++) await notifications.notify(aNotification({ agencyId: slowAgency }));
    await notifications.notify(aNotification({ agencyId: fastAgency }));
    await until('the other agency’s delivery', () =>
      receiver.at('/fast/hooks').length === 1 ? true : undefined,
    );
    // Delivered while the slow receiver still held the rest.
    expect(receiver.at('/slow/hooks').length).toBeLessThan(5);
    await until(
      'every slow delivery',
      () => (receiver.at('/slow/hooks').length === 5 ? true : undefined),
      20_000,
    );
    expect(receiver.peakConcurrency('/slow/hooks')).toBeLessThanOrEqual(2);
  });

  it('a result whose lease another claim took over is dropped, never written over the newer claim', async () => {
    const agencyId = anAgencyId();
    receiver.delay('/held/hooks', 1500);
    const { body: endpoint } = await register(agencyId, { url: receiver.url('/held/hooks') });
    await notifications.notify(aNotification({ agencyId }));
    const row = () =>
      started.dataSource
        .query(
          `SELECT id, status, attempts, lease_token, leased_until > now() AS leased FROM referral.webhook_delivery WHERE endpoint_id = $1`,
          [endpoint.id],
        )
        .then(
          (
            rows: Array<{
              id: string;
              status: string;
              attempts: number;
              lease_token: string | null;
              leased: boolean;
            }>,
          ) => rows[0],
        );
    const claimed = await until('the delivery claimed', async () => {
      const r = await row();
      return r?.lease_token ? r : undefined;
    });
    // As though the lease had lapsed and another dispatcher had claimed it again.
    const [{ token }] = (
      await started.dataSource.query(
        `UPDATE referral.webhook_delivery SET lease_token = gen_random_uuid() WHERE id = $1 RETURNING lease_token AS token`,
        [claimed.id],
      )
    )[0] as [{ token: string }];
    await until('the receiver answered', () => (receiver.at('/held/hooks').length === 1 ? true : undefined));
    await new Promise((r) => setTimeout(r, 500));
    expect(await row()).toMatchObject({ status: 'PENDING', attempts: 1, lease_token: token, leased: true });
    expect(
      await started.dataSource.query(`SELECT 1 FROM referral.webhook_attempt WHERE delivery_id = $1`, [
        claimed.id,
      ]),
    ).toEqual([]);
    // That other claim gone too: the delivery is tried again once its lease lapses.
    await started.dataSource.query(
      `UPDATE referral.webhook_delivery SET leased_until = now() - interval '1 second' WHERE id = $1`,
      [claimed.id],
    );
    const [delivered] = await until('delivered by the next claim', async () => {
      const items = await deliveriesOf(agencyId, endpoint.id);
      return items[0]?.status === 'DELIVERED' ? items : undefined;
    });
    expect(delivered!.log.map((a) => a.attempt)).toEqual([2]);
  });

  it('a secret the platform cannot open is not the endpoint’s failure: nothing sent, no attempt counted, operators told', async () => {
    const agencyId = anAgencyId();
    const { body: endpoint } = await register(agencyId, { url: receiver.url('/keyless/hooks') });
    const [{ keyId }] = (await started.dataSource.query(
      `SELECT secret_key_id AS "keyId" FROM referral.webhook_endpoint WHERE id = $1`,
      [endpoint.id],
    )) as [{ keyId: string }];
    await started.dataSource.query(
      `UPDATE referral.webhook_endpoint SET secret_key_id = 'retired' WHERE id = $1`,
      [endpoint.id],
    );
    await notifications.notify(aNotification({ agencyId }));
    const held = await until('the delivery held back', async () => {
      const rows = (await started.dataSource.query(
        `SELECT status, attempts, last_error AS "lastError" FROM referral.webhook_delivery WHERE endpoint_id = $1`,
        [endpoint.id],
      )) as Array<{ status: string; attempts: number; lastError: string | null }>;
      return rows[0]?.lastError ? rows[0] : undefined;
    });
    expect(held).toEqual({
      status: 'PENDING',
      attempts: 0,
      lastError: 'not sent: the platform cannot sign it (its operators are told)',
    });
    expect((await deliveriesOf(agencyId, endpoint.id))[0]!.log).toEqual([]);
    expect(receiver.at('/keyless/hooks')).toEqual([]);
    const [health] = (await started.dataSource.query(
      `SELECT failing_since FROM referral.webhook_endpoint WHERE id = $1`,
      [endpoint.id],
    )) as Array<{ failing_since: Date | null }>;
    expect(health!.failing_since).toBeNull();
    // The key put back: sent.
    await started.dataSource.query(`UPDATE referral.webhook_endpoint SET secret_key_id = $2 WHERE id = $1`, [
      endpoint.id,
      keyId,
    ]);
    await started.dataSource.query(
      `UPDATE referral.webhook_delivery SET next_attempt_at = now() WHERE endpoint_id = $1`,
      [endpoint.id],
    );
    await until('sent once the key is back', () =>
      receiver.at('/keyless/hooks').length === 1 ? true : undefined,
    );
  });

  it('a rotation retried with its Idempotency-Key answers the secret it made; the first secret still signs', async () => {
    const agencyId = anAgencyId();
    const { body: created } = await register(agencyId, { url: receiver.url('/rot-key/hooks') });
    const rotate = async () => {
      const res = await post(
        `/webhook-endpoints/${created.id}/secret-rotation`,
        agencyId,
        {},
        {
          'idempotency-key': 'rotate-1',
        },
      );
      expect(res.status).toBe(200);
      return ((await res.json()) as WebhookEndpointWithSecretView).secret;
    };
    const first = await rotate();
    expect(await rotate()).toBe(first);
    await notifications.notify(aNotification({ agencyId }));
    const [request] = await until('the delivery', () =>
      receiver.at('/rot-key/hooks').length ? receiver.at('/rot-key/hooks') : undefined,
    );
    // Signed by the rotation's secret and still by the one the receiver had before it.
    expect(() => verify(first, request!)).not.toThrow();
    expect(() => verify(created.secret, request!)).not.toThrow();
    // Once that rotation's overlap is over, the same key rotates anew.
    await started.dataSource.query(
      `UPDATE referral.webhook_endpoint SET previous_secret_expires_at = now() - interval '1 second' WHERE id = $1`,
      [created.id],
    );
    expect(await rotate()).not.toBe(first);
  });

  it('a failure after a quiet spell starts a new failing streak: the endpoint is not disabled by it', async () => {
    const agencyId = anAgencyId();
    const { body: endpoint } = await register(agencyId, { url: receiver.url('/quiet/hooks', () => 502) });
    // It failed 10 days ago and last a day ago; nothing since.
    await started.dataSource.query(
      `UPDATE referral.webhook_endpoint SET failing_since = now() - interval '10 days', last_failed_at = now() - interval '1 day' WHERE id = $1`,
      [endpoint.id],
    );
    await notifications.notify(aNotification({ agencyId }));
    await until('an attempt', () => (receiver.at('/quiet/hooks').length >= 1 ? true : undefined));
    await new Promise((r) => setTimeout(r, 300));
    const [health] = (await started.dataSource.query(
      `SELECT disabled_at, failing_since > now() - interval '1 minute' AS fresh FROM referral.webhook_endpoint WHERE id = $1`,
      [endpoint.id],
    )) as Array<{ disabled_at: Date | null; fresh: boolean }>;
    expect(health).toEqual({ disabled_at: null, fresh: true });
  });
});
