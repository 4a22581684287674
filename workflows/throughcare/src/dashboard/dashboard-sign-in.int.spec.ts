import { Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Stages } from '@throughcare/contracts';
import { bootstrapService } from '@throughcare/platform-http';
import {
  browse,
  CookieJar,
  createStaff,
  follow,
  formAction,
  hiddenInputs,
  requireEnv,
  type StaffAccount,
} from '@throughcare/testing';
import { AttentionService } from '../attention/attention.service';
import { dashboardSignInFrom, loadOrchestratorConfig } from '../config';
import { expectUnauthenticated, orchestratorAuth } from '../orchestrator-auth.spec-support';
import { orchestratorSpecPlatform } from '../orchestrator-platform.spec-support';
import { DashboardController } from '../sla/dashboard.controller';
import { SlaService } from '../sla/sla.service';
import { payloadCodecFrom } from '@throughcare/platform-temporal';
import { CodecModule } from '../codec/codec.module';
import { DashboardCasesController } from './dashboard-cases.controller';
import { DashboardSignInModule } from './dashboard-sign-in.module';
import { FunnelService } from '../oversight/funnel.service';
import { OutcomesService } from '../oversight/outcomes.service';
import { LedgerService } from '../oversight/ledger.service';

// Staff sign-in to the dashboard, end to end over HTTP: this orchestrator (the dashboard and its
// sign-in) on the URL the test infrastructure registered with the identity provider as the
// dashboard client's, the provider's real login form, a cookie jar as the browser.

const publicUrl = requireEnv('TEST_DASHBOARD_URL');
const issuer = requireEnv('AUTH_ISSUER');
const config = loadOrchestratorConfig({
  PERSON_ID_SECRET: 'dashboard-sign-in-int-spec-unused-secret',
  ...process.env,
  DASHBOARD_PUBLIC_URL: publicUrl,
  DASHBOARD_CLIENT_SECRET: requireEnv('TEST_DASHBOARD_CLIENT_SECRET'),
  DASHBOARD_SESSION_KEY: requireEnv('TEST_DASHBOARD_SESSION_KEY'),
  PORT: new URL(publicUrl).port,
});
const signIn = dashboardSignInFrom(config)!;

@Module({
  imports: [
    orchestratorSpecPlatform(config, 'orchestrator-dashboard-sign-in-int-spec'),
    DashboardSignInModule.register(signIn),
    CodecModule.register({
      codec: payloadCodecFrom(config),
      uiOrigin: config.TEMPORAL_UI_ORIGIN,
      namespace: config.TEMPORAL_NAMESPACE,
    }),
  ],
  controllers: [DashboardController, DashboardCasesController],
  providers: [SlaService, AttentionService, LedgerService, FunnelService, OutcomesService],
})
class DashboardSignInTestModule {}

describe('dashboard staff sign-in (orchestrator as relying party, real identity provider)', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    app = await bootstrapService({
      module: DashboardSignInTestModule,
      name: 'orchestrator',
      port: config.PORT,
      host: '127.0.0.1',
      logLevels: ['error'],
    });
  }, 120_000);
  afterAll(() => app?.close());

  /** Opens /dashboard in a fresh browser, signs in through the provider's form; the last answer. */
  async function signInAs(account: StaffAccount) {
    const jar = new CookieJar();
    const first = await browse(jar, `${publicUrl}/dashboard`);
    expect(first.status).toBe(302);
    expect(first.headers.get('location')).toBe('/dashboard/sign-in');
    const { url: formUrl, response: form } = await follow(jar, `${publicUrl}/dashboard/sign-in`);
    expect(formUrl.startsWith(`${issuer}/interaction/`)).toBe(true);
    const html = await form.text();
    const posted = await browse(jar, formAction(html, formUrl), {
      form: { username: account.username, password: account.password },
    });
    expect(posted.status).toBe(303);
    const landed = await follow(jar, new URL(posted.headers.get('location')!, formUrl).toString());
    return { jar, landed };
  }

  it('sends a signed-out browser to the identity provider with state, nonce, PKCE S256 and the resource', async () => {
    const jar = new CookieJar();
    expect((await browse(jar, `${publicUrl}/dashboard`)).headers.get('location')).toBe('/dashboard/sign-in');
    const start = await browse(jar, `${publicUrl}/dashboard/sign-in`);
    expect(start.status).toBe(302);
    const to = new URL(start.headers.get('location')!);
    expect(`${to.origin}${to.pathname}`).toBe(`${issuer}/auth`);
    expect(Object.fromEntries(to.searchParams)).toMatchObject({
      client_id: 'throughcare-dashboard',
      response_type: 'code',
      redirect_uri: `${publicUrl}/dashboard/callback`,
      code_challenge_method: 'S256',
      resource: 'urn:throughcare:orchestrator',
      state: expect.any(String),
      nonce: expect.any(String),
      code_challenge: expect.any(String),
    });
    expect(jar.attributes(`${publicUrl}/dashboard`, 'dashboard_sign_in')).toMatch(/httponly.*samesite=lax/);
    // The JSON without a session or token: 401 as before.
    await expectUnauthenticated(await fetch(`${publicUrl}/dashboard/data`));
  });

  it('signs a manager in: the page with the counts, the JSON with the session cookie, then signs out', async () => {
    const manager = await createStaff({ roles: ['manager'] });
    const { jar, landed } = await signInAs(manager);
    expect(landed.url).toBe(`${publicUrl}/dashboard`);
    expect(landed.response.status).toBe(200);
    const page = await landed.response.text();
    expect(page).toContain('Journeys by stage');
    expect(page).toContain('Sign out');
    expect(page).not.toContain('sign-in is not built yet');
    const cookie = jar.attributes(`${publicUrl}/dashboard`, 'dashboard_session');
    expect(cookie).toMatch(/httponly/);
    expect(cookie).toMatch(/samesite=lax/);
    expect(cookie).toMatch(/max-age=(\d+)/);
    const data = await browse(jar, `${publicUrl}/dashboard/data`);
    expect(data.status).toBe(200);
    expect(Object.keys(((await data.json()) as { journeysByStage: object }).journeysByStage).sort()).toEqual(
      [...Stages].sort(),
    );

    // Sign out: the cookie goes, the provider asks to confirm, then returns to the signed-out page.
    const out = await browse(jar, `${publicUrl}/dashboard/sign-out`);
    expect(out.status).toBe(303);
    expect(jar.has(`${publicUrl}/dashboard`, 'dashboard_session')).toBe(false);
    const { url: confirmUrl, response: confirm } = await follow(jar, out.headers.get('location')!);
    const confirmHtml = await confirm.text();
    const confirmed = await browse(jar, formAction(confirmHtml, confirmUrl), {
      form: { ...hiddenInputs(confirmHtml), logout: 'yes' },
    });
    const done = await follow(jar, new URL(confirmed.headers.get('location')!, confirmUrl).toString());
    expect(done.url).toBe(`${publicUrl}/dashboard/signed-out`);
    expect(await done.response.text()).toContain('You are signed out');
    // Signed out at the provider too: /dashboard leads to the login form again, not straight in.
    const again = await follow(jar, `${publicUrl}/dashboard`);
    expect(again.url.startsWith(`${issuer}/interaction/`)).toBe(true);
  });

  it("signs an operator in too, whose session the Temporal UI's codec calls may carry (from the UI's origin only)", async () => {
    const { jar, landed } = await signInAs(await createStaff({ roles: ['operator'] }));
    expect(landed.url).toBe(`${publicUrl}/dashboard`);
    expect(landed.response.status).toBe(200);
    // Two session cookies: the dashboard's, and one that opens only the codec.
    expect(jar.attributes(`${publicUrl}/dashboard`, 'dashboard_session')).toMatch(/path=\/dashboard;/);
    expect(jar.attributes(`${publicUrl}/codec/decode`, 'dashboard_session')).toMatch(
      /path=\/codec;.*httponly.*samesite=lax/,
    );
    // The codec's cookie opens no dashboard (cookies ignore ports: any server on this host could be
    // sent it), and the dashboard's opens no codec.
    const codecCookie = jar.header(`${publicUrl}/codec/decode`);
    const dashboardCookie = jar.header(`${publicUrl}/dashboard/data`);
    expect(codecCookie).not.toBe(dashboardCookie);
    expect((await fetch(`${publicUrl}/dashboard/data`, { headers: { cookie: codecCookie } })).status).toBe(
      401,
    );
    const payload = {
      payloads: [
        {
          metadata: { encoding: Buffer.from('json/plain').toString('base64') },
          data: Buffer.from('"codec by cookie"').toString('base64'),
        },
      ],
    };
    const decode = (headers: Record<string, string>) =>
      browse(jar, `${publicUrl}/codec/decode`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(payload),
      });
    const fromUi = await decode({ origin: config.TEMPORAL_UI_ORIGIN });
    expect(fromUi.status).toBe(200);
    expect(fromUi.headers.get('access-control-allow-origin')).toBe(config.TEMPORAL_UI_ORIGIN);
    expect(fromUi.headers.get('access-control-allow-credentials')).toBe('true');
    expect(await fromUi.json()).toEqual(payload);
    const withDashboardCookie = await fetch(`${publicUrl}/codec/decode`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        origin: config.TEMPORAL_UI_ORIGIN,
        cookie: dashboardCookie,
      },
      body: JSON.stringify(payload),
    });
    expect(withDashboardCookie.status).toBe(401);
    // Another origin, or none: the cookie is not taken.
    expect((await decode({ origin: 'http://elsewhere.example' })).status).toBe(401);
    expect((await decode({})).status).toBe(401);
    // The UI's preflight admits credentials.
    const preflight = await fetch(`${publicUrl}/codec/decode`, {
      method: 'OPTIONS',
      headers: {
        origin: config.TEMPORAL_UI_ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
  });

  it("gives a manager no codec cookie: the codec is an operator's", async () => {
    const { jar, landed } = await signInAs(await createStaff({ roles: ['manager'] }));
    expect(landed.response.status).toBe(200);
    expect(jar.attributes(`${publicUrl}/dashboard`, 'dashboard_session')).toMatch(/path=\/dashboard;/);
    expect(jar.has(`${publicUrl}/codec/decode`, 'dashboard_session')).toBe(false);
  });

  it('gives prison staff the 404 of an unknown route, and no session', async () => {
    const { jar, landed } = await signInAs(
      await createStaff({ roles: ['prison-staff'], establishments: ['BAR'] }),
    );
    expect(landed.url.startsWith(`${publicUrl}/dashboard/callback`)).toBe(true);
    expect(landed.response.status).toBe(404);
    expect(await landed.response.json()).toMatchObject({ detail: 'Cannot GET /dashboard/callback' });
    expect(jar.has(`${publicUrl}/dashboard`, 'dashboard_session')).toBe(false);
  });

  it('refuses a callback this browser did not start, and keeps serving bearer tokens', async () => {
    const forged = await fetch(`${publicUrl}/dashboard/callback?code=x&state=y`, { redirect: 'manual' });
    expect(forged.status).toBe(404);
    const page = await fetch(`${publicUrl}/dashboard`, {
      headers: await orchestratorAuth({ roles: ['manager'] }),
    });
    expect(page.status).toBe(200);
  });

  it('brings a shared link back after sign-in, filters and all; never to another site', async () => {
    const manager = await createStaff({ roles: ['manager'] });
    const shared = '/dashboard/cases?view=journeys&step=REFERRED&state=dropped&establishment=BAR';
    const jar = new CookieJar();
    const first = await browse(jar, `${publicUrl}${shared}`);
    expect(first.status).toBe(302);
    expect(first.headers.get('location')).toBe(`/dashboard/sign-in?next=${encodeURIComponent(shared)}`);
    const { url: formUrl, response: form } = await follow(
      jar,
      new URL(first.headers.get('location')!, publicUrl).toString(),
    );
    const posted = await browse(jar, formAction(await form.text(), formUrl), {
      form: { username: manager.username, password: manager.password },
    });
    const landed = await follow(jar, new URL(posted.headers.get('location')!, formUrl).toString());
    expect(landed.url).toBe(`${publicUrl}${shared}`);
    expect(landed.response.status).toBe(200);
    expect(await landed.response.text()).toContain('Journeys that dropped out before referred');
    for (const next of [
      '//elsewhere.example/dashboard',
      'https://elsewhere.example/dashboard',
      '/docs',
      '/dashboard?a\\b',
    ])
      expect(
        (
          await fetch(`${publicUrl}/dashboard/sign-in?next=${encodeURIComponent(next)}`, {
            redirect: 'manual',
          })
        ).status,
      ).toBe(400);
  });
});
