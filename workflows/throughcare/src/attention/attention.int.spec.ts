import { randomBytes, randomUUID } from 'node:crypto';
import { Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  AttentionRaisedV1,
  AttentionResolvedV1,
  type AttentionItemView,
  type AttentionRecord,
} from '@throughcare/contracts';
import { bootstrapService, listeningPort } from '@throughcare/platform-http';
import { DataSource } from 'typeorm';
import { loadOrchestratorConfig, THROUGHCARE_SCHEMA } from '../config';
import { AttentionController } from './attention.controller';
import { AttentionPageSchema, type AttentionPage } from './attention.schemas';
import { bearer } from '@throughcare/testing';
import {
  expectNoSuchRoute,
  expectUnauthenticated,
  operatorAuth,
  orchestratorAuth,
} from '../orchestrator-auth.spec-support';
import { orchestratorSpecPlatform } from '../orchestrator-platform.spec-support';
import { AttentionService } from './attention.service';

const config = loadOrchestratorConfig({
  PERSON_ID_SECRET: 'attention-int-spec-unused-secret',
  ...process.env,
  PORT: '0',
});

/** The operator list of attention items and its API on real Postgres and Temporal (no journey worker). */
@Module({
  imports: [orchestratorSpecPlatform(config, 'orchestrator-attention-int-spec')],
  controllers: [AttentionController],
  providers: [AttentionService],
})
class AttentionTestModule {}

const newPersonId = () => `p${randomBytes(10).toString('hex')}`;
const item = (overrides: Partial<AttentionItemView> = {}): AttentionItemView => ({
  id: 'att-1',
  action: 'book:gate-pickup',
  what: 'bookGatePickup: no custody episode on record',
  errorType: 'EPISODE_NOT_FOUND',
  mustAct: 'liberation service (bookings at the prison)',
  since: '2027-03-01T09:00:00.000Z',
  options: ['RETRY', 'SKIP'],
  status: 'OPEN',
  ...overrides,
});
const record = (personId: string, i: AttentionItemView, key = 'raised'): AttentionRecord => ({
  idempotencyKey: `throughcare-${personId}-1:attention:${i.id}:${key}`,
  personId,
  episode: 1,
  item: i,
  correlationId: `spec-corr-${randomUUID()}`,
});

describe('orchestrator attention items (real Postgres, Temporal)', () => {
  let app: NestFastifyApplication;
  let base: string;
  let attention: AttentionService;

  beforeAll(async () => {
    app = await bootstrapService({
      module: AttentionTestModule,
      name: 'orchestrator',
      port: 0,
      logLevels: ['error'],
    });
    base = `http://127.0.0.1:${listeningPort(app)}`;
    attention = app.get(AttentionService);
  });
  afterAll(async () => {
    await app?.close();
  });

  const outboxEventsOf = async (personId: string, eventType: string) =>
    (
      (await app.get(DataSource).query(
        `SELECT payload FROM "${THROUGHCARE_SCHEMA}".outbox
          WHERE payload->>'eventType' = $1 AND payload->'personReference'->'identifiers'->0->>'value' = $2
          ORDER BY created_at`, // the order written: a relayed row's update moves it in the table
        [eventType, personId],
      )) as { payload: unknown }[]
    ).map((r) => r.payload);
  const resolve = async (path: string, body: unknown, auth: Record<string, string>) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify(body),
    });
  const listOf = async (query: string): Promise<AttentionPage> => {
    const res = await fetch(`${base}/attention?${query}`, { headers: await operatorAuth() });
    expect(res.status).toBe(200);
    return AttentionPageSchema.parse(await res.json());
  };

  it('records an item raised, then resolved: one row with its latest state, one event each, retries harmless', async () => {
    const personId = newPersonId();
    const raised = item();
    await attention.recordAttention(record(personId, raised));
    await attention.recordAttention(record(personId, raised)); // an activity retry
    expect((await listOf(`personId=${personId}`)).items).toEqual([
      expect.objectContaining({ personId, episode: 1, itemId: 'att-1', status: 'OPEN', resolution: null }),
    ]);
    const resolution = {
      option: 'SKIP' as const,
      by: 'operator:ann',
      reason: 'booked by phone',
      at: '2027-03-02T10:00:00.000Z',
    };
    await attention.recordAttention(
      record(personId, { ...raised, status: 'RESOLVED', resolution }, 'resolved'),
    );
    expect((await listOf(`personId=${personId}`)).items).toEqual([]);
    expect((await listOf(`personId=${personId}&status=RESOLVED`)).items).toEqual([
      expect.objectContaining({ itemId: 'att-1', status: 'RESOLVED', resolution }),
    ]);
    const raisedEvents = await outboxEventsOf(personId, 'throughcare.attention.raised');
    const resolvedEvents = await outboxEventsOf(personId, 'throughcare.attention.resolved');
    expect(raisedEvents).toHaveLength(1);
    expect(resolvedEvents).toHaveLength(1);
    expect(AttentionRaisedV1.parse(raisedEvents[0]).data).toMatchObject({
      itemId: 'att-1',
      action: 'book:gate-pickup',
      errorType: 'EPISODE_NOT_FOUND',
    });
    expect(AttentionResolvedV1.parse(resolvedEvents[0]).data).toMatchObject({
      option: 'SKIP',
      resolvedBy: 'operator:ann',
      reason: 'booked by phone',
    });
  });

  it('never reopens a resolved item when a retried "raised" write arrives late', async () => {
    const personId = newPersonId();
    const raised = item();
    const resolution = { option: 'RETRY' as const, by: 'operator:ann', at: '2027-03-02T10:00:00.000Z' };
    await attention.recordAttention(
      record(personId, { ...raised, status: 'RESOLVED', resolution }, 'resolved'),
    );
    await attention.recordAttention(record(personId, raised)); // the raise, retried after the fact
    expect((await listOf(`personId=${personId}&status=RESOLVED`)).items).toEqual([
      expect.objectContaining({ itemId: 'att-1', status: 'RESOLVED', resolution }),
    ]);
    // Nothing published for the late write: no "raised" after the item was resolved.
    expect(await outboxEventsOf(personId, 'throughcare.attention.raised')).toEqual([]);
    expect((await listOf(`personId=${personId}`)).items).toEqual([]);
  });

  it('an open item addressed again moves to who must act now and is published again, saying who had it; a resolved one stays (movement-correction-1)', async () => {
    const personId = newPersonId();
    const raised = item({ mustAct: 'prison:EDI' });
    await attention.recordAttention(record(personId, raised));
    const moved = {
      ...raised,
      mustAct: 'prison:GLE',
      reassigned: {
        from: 'prison:EDI',
        at: '2027-03-01T12:00:00.000Z',
        because: 'transfer destination corrected: the person is at GLE, never was at EDI',
      },
    };
    const key = `reassigned:${moved.reassigned.at}`;
    await attention.recordAttention(record(personId, moved, key));
    await attention.recordAttention(record(personId, moved, key)); // an activity retry
    // The same state written under another key changes nothing and publishes nothing.
    await attention.recordAttention(record(personId, moved, `${key}:again`));
    expect((await listOf(`personId=${personId}`)).items).toEqual([
      expect.objectContaining({ itemId: 'att-1', mustAct: 'prison:GLE', status: 'OPEN' }),
    ]);
    const events = (await outboxEventsOf(personId, 'throughcare.attention.raised')).map((e) =>
      AttentionRaisedV1.parse(e),
    );
    expect(events.map((e) => [e.occurredAt, e.data.mustAct, e.data.reassigned])).toEqual([
      ['2027-03-01T09:00:00.000Z', 'prison:EDI', undefined],
      ['2027-03-01T12:00:00.000Z', 'prison:GLE', moved.reassigned],
    ]);
    // Resolved, then a late write addressing it elsewhere changes nothing.
    const resolution = { option: 'SKIP' as const, by: 'operator:ann', at: '2027-03-02T10:00:00.000Z' };
    await attention.recordAttention(
      record(personId, { ...moved, status: 'RESOLVED', resolution }, 'resolved'),
    );
    await attention.recordAttention(
      record(personId, { ...moved, mustAct: 'prison:LOW' }, 'reassigned:2027-03-03T00:00:00.000Z'),
    );
    expect((await listOf(`personId=${personId}&status=RESOLVED`)).items).toEqual([
      expect.objectContaining({ itemId: 'att-1', mustAct: 'prison:GLE', status: 'RESOLVED' }),
    ]);
    // ... and publishes nothing: the item was resolved.
    expect(await outboxEventsOf(personId, 'throughcare.attention.raised')).toHaveLength(2);
  });

  it('lists open items oldest first, a page at a time', async () => {
    const personId = newPersonId();
    for (const [n, since] of [
      [3, '2027-03-03T09:00:00.000Z'],
      [1, '2027-03-01T09:00:00.000Z'],
      [2, '2027-03-02T09:00:00.000Z'],
    ] as const)
      await attention.recordAttention(record(personId, item({ id: `att-${n}`, since })));
    const first = await listOf(`personId=${personId}&limit=2`);
    expect(first.items.map((i) => i.itemId)).toEqual(['att-1', 'att-2']);
    expect(first.nextCursor).not.toBeNull();
    const second = await listOf(`personId=${personId}&limit=2&cursor=${first.nextCursor}`);
    expect(second.items.map((i) => i.itemId)).toEqual(['att-3']);
    expect(second.nextCursor).toBeNull();
  });

  it('refuses a bad query or body with problem+json naming the field', async () => {
    const bad = await fetch(`${base}/attention?status=MAYBE&limit=0`, { headers: await operatorAuth() });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(JSON.stringify(await bad.json())).toMatch(/status[\s\S]*limit|limit[\s\S]*status/);

    const skipWithoutReason = await resolve(
      `/journeys/${newPersonId()}/episodes/1/attention/att-1/resolution`,
      { option: 'SKIP', by: 'operator:ann' },
      await operatorAuth(),
    );
    expect(skipWithoutReason.status).toBe(400);
    expect(JSON.stringify(await skipWithoutReason.json())).toContain('reason');

    const badItem = await resolve(
      `/journeys/${newPersonId()}/episodes/1/attention/nope/resolution`,
      { option: 'RETRY', by: 'operator:ann' },
      await operatorAuth(),
    );
    expect(badItem.status).toBe(400);
    expect(JSON.stringify(await badItem.json())).toContain('itemId');

    // The Idempotency-Key is optional; a blank or overlong one is refused, naming the header.
    for (const key of ['  ', 'k'.repeat(201)]) {
      const badKey = await resolve(
        `/journeys/${newPersonId()}/episodes/1/attention/att-1/resolution`,
        { option: 'RETRY', by: 'operator:ann' },
        { ...(await operatorAuth()), 'idempotency-key': key },
      );
      expect(badKey.status).toBe(400);
      expect(badKey.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(JSON.stringify(await badKey.json())).toContain('idempotency-key');
    }
  });

  it('answers 404 for a journey that does not exist', async () => {
    const res = await resolve(
      `/journeys/${newPersonId()}/episodes/1/attention/att-1/resolution`,
      { option: 'RETRY', by: 'operator:ann' },
      await operatorAuth(),
    );
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: 'JOURNEY_NOT_FOUND' });
  });

  it('answers 401 without a valid access token, before looking at the query or body', async () => {
    await expectUnauthenticated(await fetch(`${base}/attention`));
    await expectUnauthenticated(await fetch(`${base}/attention?status=MAYBE`));
    const path = `/journeys/${newPersonId()}/episodes/1/attention/att-1/resolution`;
    await expectUnauthenticated(await resolve(path, { option: 'RETRY', by: 'operator:ann' }, {}));
    await expectUnauthenticated(await resolve(path, { option: 'SKIP' }, {}));
    const forged = await fetch(`${base}/attention`, {
      headers: { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' },
    });
    await expectUnauthenticated(forged);
    // An operator's token for another service is not one for the orchestrator.
    const elsewhere = await bearer({ roles: ['operator'] }, 'urn:throughcare:referral');
    await expectUnauthenticated(await fetch(`${base}/attention`, { headers: elsewhere }));
  });

  it('answers any role but operator as if the routes did not exist', async () => {
    const personId = newPersonId();
    await attention.recordAttention(record(personId, item()));
    const path = `/journeys/${personId}/episodes/1/attention/att-1/resolution`;
    for (const principal of [
      { roles: ['manager'] },
      { roles: ['prison-staff'], establishments: ['BAR'] },
      { roles: ['agency-system'], agencyId: 'cjsw-s12000036' },
      { roles: ['auditor'] },
    ]) {
      const auth = await orchestratorAuth(principal);
      await expectNoSuchRoute(base, await fetch(`${base}/attention`, { headers: auth }), 'GET', '/attention');
      await expectNoSuchRoute(base, await resolve(path, { option: 'RETRY', by: 'x' }, auth), 'POST', path);
    }
    // The operator still sees the item the others were refused.
    expect((await listOf(`personId=${personId}`)).items).toEqual([
      expect.objectContaining({ itemId: 'att-1', status: 'OPEN' }),
    ]);
  });

  it('documents the bearer access token in OpenAPI on both routes, and the optional Idempotency-Key', async () => {
    const doc = (await (await fetch(`${base}/docs-json`)).json()) as {
      paths: Record<
        string,
        Record<string, { security?: unknown; parameters?: { in: string; name: string }[] }>
      >;
    };
    // Documented as the code has it: optional (the HTTP fuzz found it documented required and
    // answered 200 without it, on a journey whose item was already resolved).
    expect(
      doc.paths['/journeys/{personId}/episodes/{episode}/attention/{itemId}/resolution']?.[
        'post'
      ]?.parameters?.filter((p) => p.in === 'header'),
    ).toEqual([expect.objectContaining({ name: 'idempotency-key', required: false })]);
    expect(doc.paths['/attention']?.['get']?.security).toEqual([{ bearer: [] }]);
    expect(
      doc.paths['/journeys/{personId}/episodes/{episode}/attention/{itemId}/resolution']?.['post']?.security,
    ).toEqual([{ bearer: [] }]);
  });
});
