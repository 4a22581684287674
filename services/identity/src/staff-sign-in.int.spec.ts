import { Client as PgClient } from 'pg';
import { createHash, randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { withAuditStoreAway } from '@throughcare/platform-audit/src/testing';
import { AccessTokenVerifier } from '@throughcare/platform-auth';
import { SIGN_IN_POSTS_PER_INTERACTION_PER_MINUTE } from './interactions';
import {
  adminClient,
  browse,
  clientToken,
  CookieJar,
  createStaff,
  follow,
  formAction,
  registerClient,
  requireEnv,
  type StaffAccount,
} from '@throughcare/testing';

// Staff sign-in (authorization code + PKCE) at the provider the test infrastructure started,
// driven over HTTP as a browser would (a cookie jar, redirects followed by hand), for the
// dashboard client the infrastructure configured. Nothing serves the callback: the code is read
// from the redirect to it.

const issuer = requireEnv('AUTH_ISSUER');
const dashboardSecret = requireEnv('TEST_DASHBOARD_CLIENT_SECRET');
const redirectUri = `${requireEnv('TEST_DASHBOARD_URL')}/dashboard/callback`;
const CLIENT_ID = 'throughcare-dashboard';
const RESOURCE = 'urn:throughcare:orchestrator';

const pkce = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

function authorizeUrl(params: Record<string, string | undefined>): string {
  const url = new URL(`${issuer}/auth`);
  const all: Record<string, string | undefined> = {
    client_id: CLIENT_ID,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope: 'openid api',
    resource: RESOURCE,
    state: randomBytes(12).toString('base64url'),
    nonce: randomBytes(12).toString('base64url'),
    ...params,
  };
  for (const [k, v] of Object.entries(all)) if (v !== undefined) url.searchParams.set(k, v);
  return url.toString();
}

/** Authorize → the login form; returns the form's page and the jar. */
async function loginForm(jar: CookieJar, url: string) {
  const { url: at, response } = await follow(jar, url);
  const html = await response.text();
  return { at, response, html };
}

/** Signs `account` in through the form and follows to the callback; returns the callback URL. */
async function signIn(account: { username: string; password: string }, challenge: string, extra = {}) {
  const jar = new CookieJar();
  const state = randomBytes(12).toString('base64url');
  const { at, response, html } = await loginForm(
    jar,
    authorizeUrl({ code_challenge: challenge, code_challenge_method: 'S256', state, ...extra }),
  );
  expect(response.status).toBe(200);
  const posted = await browse(jar, formAction(html, at), {
    form: { username: account.username, password: account.password },
  });
  return { jar, state, posted, at, html };
}

async function codeFor(account: StaffAccount, challenge: string) {
  const { jar, state, posted } = await signIn(account, challenge);
  expect(posted.status).toBe(303);
  const { url } = await follow(jar, new URL(posted.headers.get('location')!, issuer).toString(), {
    stopAt: (u) => u.startsWith(redirectUri),
  });
  const callback = new URL(url);
  expect(callback.searchParams.get('state')).toBe(state);
  expect(callback.searchParams.get('iss')).toBe(issuer);
  return { code: callback.searchParams.get('code')!, jar };
}

const exchange = (params: Record<string, string>, secret = dashboardSecret) =>
  fetch(`${issuer}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${secret}`).toString('base64')}`,
    },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      redirect_uri: redirectUri,
      ...params,
    }).toString(),
  });

const admin = async (method: string, path: string, body?: unknown) =>
  fetch(`${issuer}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${await clientToken(adminClient(), 'urn:throughcare:identity')}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

describe('staff sign-in at the identity provider (authorization code + PKCE, real HTTP)', () => {
  it('signs a prison officer in through the form and issues an ID token and an orchestrator access token with her roles and establishments', async () => {
    const officer = await createStaff({ roles: ['prison-staff', 'manager'], establishments: ['BAR', 'GLE'] });
    const { verifier, challenge } = pkce();
    const { code } = await codeFor(officer, challenge);
    const response = await exchange({ code, code_verifier: verifier, resource: RESOURCE });
    if (response.status !== 200) throw new Error(`token: ${response.status} ${await response.text()}`);
    const tokens = (await response.json()) as { access_token: string; id_token: string; token_type: string };
    expect(tokens.token_type).toBe('Bearer');
    const principal = await new AccessTokenVerifier({ issuer, audience: RESOURCE }).verify(
      tokens.access_token,
    );
    expect(principal).toMatchObject({
      subject: officer.userId,
      clientId: CLIENT_ID,
      roles: ['prison-staff', 'manager'],
      establishments: ['BAR', 'GLE'],
    });
    expect(decodeJwt(tokens.id_token)).toMatchObject({ iss: issuer, aud: CLIENT_ID, sub: officer.userId });
  });

  it('answers a wrong password, an unknown user and a disabled account with the same message, and the disabled account gets no token for a code issued before', async () => {
    const user = await createStaff({ roles: ['operator'] });
    const { challenge, verifier } = pkce();
    const wrong = await signIn({ ...user, password: `${user.password}x` }, challenge);
    const unknown = await signIn({ username: 'spec-nobody-here', password: 'whatever-password' }, challenge);
    for (const answer of [wrong.posted, unknown.posted]) {
      expect(answer.status).toBe(401);
      const html = await answer.text();
      expect(html).toContain('The username or password is wrong.');
      expect(html).not.toContain(user.password);
    }

    const { code } = await codeFor(user, challenge);
    expect((await admin('POST', `/admin/staff/${user.userId}/disabling`, { reason: 'left' })).status).toBe(
      200,
    );
    const refused = await exchange({ code, code_verifier: verifier, resource: RESOURCE });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: 'invalid_grant' });
    const disabled = await signIn(user, challenge);
    expect(disabled.posted.status).toBe(401);
    expect(await disabled.posted.text()).toContain('The username or password is wrong.');
  });

  it('locks an account after five wrong passwords, even against the right one', async () => {
    const user = await createStaff({ roles: ['manager'] });
    const { challenge } = pkce();
    const { jar, at, html } = await signIn({ ...user, password: 'wrong-password-1' }, challenge);
    for (let i = 2; i <= 5; i++) {
      const again = await browse(jar, formAction(html, at), {
        form: { username: user.username, password: `wrong-password-${i}` },
      });
      expect(again.status).toBe(401);
    }
    const right = await browse(jar, formAction(html, at), {
      form: { username: user.username, password: user.password },
    });
    expect(right.status).toBe(401);
  });

  it('writes every attempt to the identity audit chain: the account (never the username typed), the client, and why it was refused', async () => {
    const locked = await createStaff({ roles: ['manager'] });
    const fine = await createStaff({ roles: ['operator'] });
    const gone = await createStaff({ roles: ['operator'] });
    expect((await admin('POST', `/admin/staff/${gone.userId}/disabling`, { reason: 'left' })).status).toBe(
      200,
    );
    const { challenge } = pkce();
    const { jar, at, html } = await signIn({ ...locked, password: 'wrong-password-1' }, challenge);
    for (let i = 2; i <= 5; i++)
      await browse(jar, formAction(html, at), {
        form: { username: locked.username, password: `wrong-${i}` },
      });
    await browse(jar, formAction(html, at), {
      form: { username: locked.username, password: locked.password },
    });
    await codeFor(fine, challenge);
    await signIn({ ...gone }, challenge);
    const db = new PgClient({ connectionString: requireEnv('DATABASE_URL') });
    await db.connect();
    try {
      // A password typed into the username field: recorded as an unknown account, never as typed.
      const head = async () =>
        Number(
          (
            await db.query(
              `SELECT coalesce(max(seq), 0) AS seq FROM audit.audit_record WHERE chain = 'identity'`,
            )
          ).rows[0].seq,
        );
      const from = await head();
      const typed = `spec-typed-secret-${randomBytes(6).toString('hex')}`;
      await signIn({ username: typed, password: 'whatever-password' }, challenge);
      const { rows: added } = await db.query(
        `SELECT actor, client_id, action, outcome, reason, object_id FROM audit.audit_record
          WHERE chain = 'identity' AND seq > $1 ORDER BY seq`,
        [from],
      );
      expect(added).toEqual([
        {
          actor: 'anonymous',
          client_id: CLIENT_ID,
          action: 'staff.sign-in',
          outcome: 'refused',
          reason: 'UNKNOWN_ACCOUNT',
          object_id: null,
        },
      ]);
      const { rows: anywhere } = await db.query(
        `SELECT count(*)::int AS n FROM audit.audit_record WHERE to_jsonb(audit_record)::text LIKE $1`,
        [`%${typed}%`],
      );
      expect(anywhere[0].n).toBe(0);

      const { rows } = await db.query<{
        actor: string;
        client_id: string;
        outcome: string;
        reason: string | null;
        object_id: string | null;
        roles: string[];
      }>(
        `SELECT actor, client_id, outcome, reason, object_id, roles FROM audit.audit_record
          WHERE chain = 'identity' AND action = 'staff.sign-in' AND object_id = ANY($1) ORDER BY seq`,
        [[locked.userId, fine.userId, gone.userId]],
      );
      const of = (id: string) => rows.filter((r) => r.object_id === id).map((r) => [r.outcome, r.reason]);
      expect(of(locked.userId)).toEqual([
        ['refused', 'WRONG_PASSWORD'],
        ['refused', 'WRONG_PASSWORD'],
        ['refused', 'WRONG_PASSWORD'],
        ['refused', 'WRONG_PASSWORD'],
        ['refused', 'WRONG_PASSWORD_NOW_LOCKED'],
        ['refused', 'ACCOUNT_LOCKED'],
      ]);
      expect(of(fine.userId)).toEqual([['allowed', null]]);
      expect(of(gone.userId)).toEqual([['refused', 'ACCOUNT_DISABLED']]);
      expect(rows.find((r) => r.object_id === fine.userId)).toMatchObject({
        actor: `user:${fine.userId}`,
        client_id: CLIENT_ID,
        roles: ['operator'],
      });
    } finally {
      await db.end();
    }
  });

  it('fails closed: with the audit store away the right password signs nobody in (503), and works again once it is back', async () => {
    const user = await createStaff({ roles: ['operator'] });
    const { challenge } = pkce();
    const refused = await withAuditStoreAway(async () => (await signIn(user, challenge)).posted);
    expect(refused.status).toBe(503);
    expect(refused.headers.get('location')).toBeNull();
    expect(await refused.text()).toContain('Sign-in is unavailable');
    const { code } = await codeFor(user, challenge);
    expect(code).toMatch(/^[A-Za-z0-9_-]{20,}$/);
  });

  it('ends the provider session a fixed time after sign-in: a later silent sign-in does not extend it', async () => {
    const user = await createStaff({ roles: ['operator'] });
    const { challenge } = pkce();
    const { jar } = await codeFor(user, challenge);
    const db = new PgClient({ connectionString: requireEnv('DATABASE_URL') });
    await db.connect();
    const sessionOf = async () =>
      (
        await db.query<{ login: number; expires: number }>(
          `SELECT (payload->>'loginTs')::bigint AS login, extract(epoch FROM expires_at)::bigint AS expires
             FROM identity.provider_state WHERE model = 'Session' AND payload->>'accountId' = $1`,
          [user.userId],
        )
      ).rows;
    try {
      const [first] = await sessionOf();
      expect(first).toBeDefined();
      const ttl = Number(first!.expires) - Number(first!.login);
      expect(ttl).toBeGreaterThanOrEqual(60);
      await new Promise((r) => setTimeout(r, 2_100));
      // A silent re-authorisation with the same browser: the session is used and saved again.
      const again = await follow(
        jar,
        authorizeUrl({ code_challenge: challenge, code_challenge_method: 'S256' }),
        {
          stopAt: (u) => u.startsWith(redirectUri),
        },
      );
      expect(new URL(again.url).searchParams.get('code')).toBeTruthy();
      const [after] = await sessionOf();
      expect(Number(after!.login)).toBe(Number(first!.login));
      expect(Math.abs(Number(after!.expires) - Number(first!.expires))).toBeLessThanOrEqual(1);
    } finally {
      await db.end();
    }
  });

  it('counts a burst of parallel guesses against the lock: at most five are checked', async () => {
    const user = await createStaff({ roles: ['manager'] });
    const { challenge } = pkce();
    const { jar, at, html } = await signIn({ ...user, password: 'wrong-password-0' }, challenge);
    const burst = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        browse(jar, formAction(html, at), {
          form: { username: user.username, password: `wrong-password-burst-${i}` },
        }),
      ),
    );
    // Each is refused: 401, or 429 once the interaction has had its 10 submissions a minute.
    expect(burst.every((r) => r.status === 401 || r.status === 429)).toBe(true);
    expect(burst.filter((r) => r.status === 429)).toHaveLength(21 - SIGN_IN_POSTS_PER_INTERACTION_PER_MINUTE);
    // Reading the lock, hashing, then counting let every request of a burst be checked (and the
    // count reach 21); now each guess is counted before it is hashed, and a locked account's are
    // refused uncounted: the first wrong password and four of the burst.
    const db = new PgClient({ connectionString: requireEnv('DATABASE_URL') });
    await db.connect();
    try {
      const { rows } = await db.query<{ failed_attempts: number; locked: boolean }>(
        `SELECT failed_attempts, locked_until > now() AS locked FROM identity.staff_user WHERE username = $1`,
        [user.username],
      );
      expect(rows[0]).toEqual({ failed_attempts: 5, locked: true });
    } finally {
      await db.end();
    }
    // Locked, in a new sign-in too (this one has used its submissions).
    expect((await signIn(user, challenge)).posted.status).toBe(401);
  });

  it('requires PKCE with S256: no code_challenge, or the plain method, is refused', async () => {
    for (const params of [
      { code_challenge: undefined },
      { code_challenge: pkce().verifier, code_challenge_method: 'plain' },
    ]) {
      const { url, response } = await follow(new CookieJar(), authorizeUrl(params), {
        stopAt: (u) => u.startsWith(redirectUri),
      });
      // An invalid request goes back to the (registered) redirect URI with an error, no code.
      const back = new URL(url);
      expect({
        status: response.status,
        error: back.searchParams.get('error'),
        code: back.searchParams.get('code'),
      }).toEqual({ status: 204, error: 'invalid_request', code: null });
    }
  });

  it('refuses a wrong verifier, a missing one, and a code used twice', async () => {
    const user = await createStaff({ roles: ['manager'] });
    const { challenge, verifier } = pkce();
    const { code } = await codeFor(user, challenge);
    expect((await exchange({ code, code_verifier: pkce().verifier, resource: RESOURCE })).status).toBe(400);

    const second = await codeFor(user, challenge);
    expect((await exchange({ code: second.code, resource: RESOURCE })).status).toBe(400);

    const third = await codeFor(user, challenge);
    expect((await exchange({ code: third.code, code_verifier: verifier, resource: RESOURCE })).status).toBe(
      200,
    );
    const replay = await exchange({ code: third.code, code_verifier: verifier, resource: RESOURCE });
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('refuses a login form posted without the browser’s interaction cookie (another site, another browser)', async () => {
    const user = await createStaff({ roles: ['manager'] });
    const { at, html } = await loginForm(
      new CookieJar(),
      authorizeUrl({ code_challenge: pkce().challenge, code_challenge_method: 'S256' }),
    );
    const forged = await browse(new CookieJar(), formAction(html, at), {
      form: { username: user.username, password: user.password },
    });
    expect(forged.status).toBe(400);
    expect(forged.headers.get('location')).toBeNull();
  });

  describe('staff accounts (administration API)', () => {
    it('creates an account with a one-time password shown once, lists, reads and disables it; never shows a hash', async () => {
      const username = `spec-${randomBytes(5).toString('hex')}`;
      const created = await admin('POST', '/admin/staff', {
        username,
        displayName: 'A Manager',
        roles: ['manager'],
      });
      expect(created.status).toBe(201);
      expect(created.headers.get('cache-control')).toBe('no-store');
      const body = (await created.json()) as { userId: string; oneTimePassword: string };
      expect(body.oneTimePassword).toHaveLength(24);
      expect(body).toMatchObject({
        username,
        roles: ['manager'],
        disabledAt: null,
        createdBy: 'client:throughcare-admin',
      });

      const read = await (await admin('GET', `/admin/staff/${body.userId}`)).text();
      expect(read).not.toMatch(/password|scrypt|hash/i);
      expect(
        (await admin('POST', '/admin/staff', { username, displayName: 'again', roles: ['manager'] })).status,
      ).toBe(409);

      const page = (await (await admin('GET', '/admin/staff?limit=1')).json()) as {
        items: unknown[];
        next: string;
      };
      expect(page.items).toHaveLength(1);
      expect(page.next).toMatch(/^st-/);

      const disabled = (await (
        await admin('POST', `/admin/staff/${body.userId}/disabling`, { reason: 'moved on' })
      ).json()) as Record<string, unknown>;
      expect(disabled).toMatchObject({ disabledReason: 'moved on', disabledBy: 'client:throughcare-admin' });
      expect(
        (await admin('POST', '/admin/staff/st-000000000000000000000000/disabling', { reason: 'x' })).status,
      ).toBe(404);
    });

    it('resets a password: a new one-time password shown once, the lock cleared, the old password refused, the reset audited', async () => {
      const user = await createStaff({ roles: ['operator'] });
      const { challenge } = pkce();
      // A browser signed in before the reset: its session must end with it.
      const { jar: before } = await codeFor(user, challenge);
      // Somebody who knows the username locks the account.
      const { jar, at, html } = await signIn({ ...user, password: 'wrong-password-1' }, challenge);
      for (let i = 2; i <= 5; i++)
        await browse(jar, formAction(html, at), {
          form: { username: user.username, password: `wrong-${i}` },
        });
      expect((await signIn(user, challenge)).posted.status).toBe(401);

      expect((await admin('POST', `/admin/staff/${user.userId}/password-reset`, {})).status).toBe(400);
      const reset = await admin('POST', `/admin/staff/${user.userId}/password-reset`, {
        reason: 'locked out by someone guessing',
      });
      expect(reset.status).toBe(200);
      expect(reset.headers.get('cache-control')).toBe('no-store');
      const { oneTimePassword } = (await reset.json()) as { oneTimePassword: string };
      expect(oneTimePassword).toHaveLength(24);
      expect((await signIn(user, challenge)).posted.status).toBe(401); // the old password
      const silent = await follow(
        before,
        authorizeUrl({ code_challenge: challenge, code_challenge_method: 'S256' }),
        {
          stopAt: (u) => u.startsWith(redirectUri),
        },
      );
      expect(silent.url.startsWith(redirectUri)).toBe(false); // the sign-in form again, no code
      expect(await silent.response.text()).toContain('name="password"');
      await codeFor({ ...user, password: oneTimePassword }, challenge);

      const db = new PgClient({ connectionString: requireEnv('DATABASE_URL') });
      await db.connect();
      try {
        const { rows } = await db.query(
          `SELECT actor, action, outcome, reason FROM audit.audit_record
            WHERE chain = 'identity' AND action = 'staff.password-reset' AND object_id = $1`,
          [user.userId],
        );
        expect(rows).toEqual([
          {
            actor: 'client:throughcare-admin',
            action: 'staff.password-reset',
            outcome: 'allowed',
            reason: 'locked out by someone guessing',
          },
        ]);
      } finally {
        await db.end();
      }
      const disabled = await createStaff({ roles: ['operator'] });
      await admin('POST', `/admin/staff/${disabled.userId}/disabling`, { reason: 'left' });
      expect(
        (await admin('POST', `/admin/staff/${disabled.userId}/password-reset`, { reason: 'x' })).status,
      ).toBe(404);
    });

    it('records creating, reading and disabling an account on the identity audit chain (disabling twice records once)', async () => {
      const user = await createStaff({ roles: ['manager'] });
      expect((await admin('GET', `/admin/staff/${user.userId}`)).status).toBe(200);
      const missing = `st-${'0'.repeat(24)}`;
      expect((await admin('GET', `/admin/staff/${missing}`)).status).toBe(404);
      expect((await admin('GET', '/admin/staff?limit=1')).status).toBe(200);
      await admin('POST', `/admin/staff/${user.userId}/disabling`, { reason: 'left the service' });
      expect((await admin('POST', `/admin/staff/${user.userId}/disabling`, { reason: 'again' })).status).toBe(
        200,
      );
      const db = new PgClient({ connectionString: requireEnv('DATABASE_URL') });
      await db.connect();
      try {
        const { rows } = await db.query(
          // Not the page read below: a page of one account names it, and that may be this one
          // (accounts are listed by id, a random one), which made this flaky.
          `SELECT actor, action, object_type, reason, route FROM audit.audit_record
            WHERE chain = 'identity' AND object_id = $1 AND action <> 'staff.list' ORDER BY seq`,
          [user.userId],
        );
        expect(rows).toEqual([
          {
            actor: 'client:throughcare-admin',
            action: 'staff.created',
            object_type: 'staff-account',
            reason: null,
            route: '/admin/staff',
          },
          {
            actor: 'client:throughcare-admin',
            action: 'staff.read',
            object_type: 'staff-account',
            reason: null,
            route: '/admin/staff/:id',
          },
          {
            actor: 'client:throughcare-admin',
            action: 'staff.disabled',
            object_type: 'staff-account',
            reason: 'left the service',
            route: '/admin/staff/:id/disabling',
          },
        ]);
        // A read of an account that does not exist, and a page of accounts, are on the record too.
        const reads = await db.query(
          `SELECT action, object_id, outcome, reason FROM audit.audit_record
            WHERE chain = 'identity' AND (object_id = $1 OR (action = 'staff.list' AND recorded_at >= $2))
            ORDER BY seq`,
          [missing, new Date(Date.now() - 60_000)],
        );
        expect(reads.rows).toEqual(
          expect.arrayContaining([
            { action: 'staff.read', object_id: missing, outcome: 'not-found', reason: 'STAFF_NOT_FOUND' },
            {
              action: 'staff.list',
              object_id: expect.stringMatching(/^st-[0-9a-f]{24}$/),
              outcome: 'allowed',
              reason: null,
            },
          ]),
        );
      } finally {
        await db.end();
      }
    });

    it('validates field by field and refuses roles for API clients only', async () => {
      const invalid = await admin('POST', '/admin/staff', {
        username: 'X',
        displayName: '',
        roles: ['agency-system'],
        password: 'short',
      });
      expect(invalid.status).toBe(400);
      const fields = ((await invalid.json()) as { errors: { field: string }[] }).errors.map((e) => e.field);
      expect(fields).toEqual(
        expect.arrayContaining(['body.username', 'body.displayName', 'body.roles.0', 'body.password']),
      );
      const prison = await admin('POST', '/admin/staff', {
        username: 'spec-x1',
        displayName: 'x',
        roles: ['prison-staff'],
      });
      expect(((await prison.json()) as { errors: { field: string }[] }).errors.map((e) => e.field)).toEqual([
        'body.establishments',
      ]);
    });

    it('is for administrators only: a manager gets the 404 of an unknown path', async () => {
      const manager = await registerClient({ roles: ['manager'] });
      const token = await clientToken(manager, 'urn:throughcare:identity');
      expect(
        (await fetch(`${issuer}/admin/staff`, { headers: { authorization: `Bearer ${token}` } })).status,
      ).toBe(404);
      expect((await fetch(`${issuer}/admin/staff`)).status).toBe(401);
      // The refusal is on the identity chain, with the caller.
      const db = new PgClient({ connectionString: requireEnv('DATABASE_URL') });
      await db.connect();
      try {
        const { rows } = await db.query(
          `SELECT action, outcome, reason, http_method FROM audit.audit_record
            WHERE chain = 'identity' AND client_id = $1`,
          [manager.clientId],
        );
        expect(rows).toEqual([
          { action: 'staff.list', outcome: 'refused', reason: 'ROLE_NOT_ADMITTED', http_method: 'GET' },
        ]);
      } finally {
        await db.end();
      }
    });
  });
});
