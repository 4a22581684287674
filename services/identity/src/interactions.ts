import type { Middleware, ParameterizedContext } from 'koa';
import type Provider from 'oidc-provider';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { AuditDraft, AuditWriter } from '@throughcare/platform-audit';
import { loginPage, page, pageCsp } from './pages';
import type { SignInAttempt, StaffStore } from './staff-store';

const MAX_FORM_BYTES = 4 * 1024;
const INTERACTION = /^\/interaction\/([A-Za-z0-9_-]{1,64})(\/login)?$/;
/** The one answer to every failed sign-in: unknown user, wrong password, disabled or locked. */
export const SIGN_IN_FAILED = 'The username or password is wrong.';
/** Added to every failed sign-in, so that guessing is slow even before an account locks. */
const FAILURE_DELAY_MS = 400;
/**
 * Sign-in submissions per interaction (one browser's sign-in) a minute. Past it the form answers
 * 429 before any hashing or audit write: each submission costs a password hash and an append to
 * the identity audit chain (review finding). Not per client address: behind a proxy, which the
 * provider cannot yet be told to trust, every user would share one address.
 */
export const SIGN_IN_POSTS_PER_INTERACTION_PER_MINUTE = 10;

async function readForm(ctx: ParameterizedContext): Promise<URLSearchParams | undefined> {
  if (!/^application\/x-www-form-urlencoded\b/i.test(ctx.get('content-type'))) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/**
 * The provider's interactions (`/interaction/:uid`): the staff sign-in form and its submission.
 * A submission is tied to the browser that began the sign-in by oidc-provider's interaction
 * cookie (signed, HttpOnly, SameSite=Lax): a form posted from another site, or with another
 * browser's interaction id, finds no interaction and is refused. Every failure gets the same
 * message and the same delay; repeated wrong passwords lock the account (StaffStore).
 */
export function interactions(
  provider: Provider,
  staff: StaffStore,
  formTargets: readonly string[],
  audit: AuditWriter,
): Middleware {
  const csp = pageCsp(formTargets);
  const perInteraction = new RateLimiterMemory({
    points: SIGN_IN_POSTS_PER_INTERACTION_PER_MINUTE,
    duration: 60,
  });
  const render = (ctx: ParameterizedContext, status: number, html: string) => {
    ctx.status = status;
    ctx.type = 'html';
    ctx.set('content-security-policy', csp);
    ctx.set('cache-control', 'no-store');
    ctx.set('x-frame-options', 'DENY');
    ctx.set('x-content-type-options', 'nosniff');
    ctx.body = html;
  };
  const expired = (ctx: ParameterizedContext) =>
    render(
      ctx,
      400,
      page(
        'Throughcare: sign-in expired',
        '<h1>This sign-in has expired</h1><p>Go back to the page you came from and sign in again.</p>',
      ),
    );

  return async (ctx, next) => {
    const match = INTERACTION.exec(ctx.path);
    if (!match) return next();
    const [, uid, login] = match;
    let details: Awaited<ReturnType<Provider['interactionDetails']>>;
    try {
      details = await provider.interactionDetails(ctx.req, ctx.res);
    } catch {
      return expired(ctx); // no interaction cookie, or it names another (or an expired) interaction
    }
    if (details.uid !== uid) return expired(ctx);
    const client = await provider.Client.find(String(details.params['client_id']));
    const clientName = client?.clientName ?? 'Throughcare';
    const action = `/interaction/${uid}/login`;

    if (!login && ctx.method === 'GET') {
      if (details.prompt.name !== 'login') {
        // Consent is granted for first-party clients (loadExistingGrant); nobody else gets here.
        const target = await provider.interactionResult(ctx.req, ctx.res, {
          error: 'access_denied',
          error_description: 'this client needs consent, which this provider does not collect',
        });
        ctx.status = 303;
        ctx.redirect(target);
        return;
      }
      return render(ctx, 200, loginPage({ action, clientName }));
    }
    if (login && ctx.method === 'POST') {
      const origin = ctx.get('origin');
      if (origin && origin !== 'null' && origin !== ctx.origin) return expired(ctx);
      try {
        await perInteraction.consume(uid!);
      } catch (e) {
        if (!(e instanceof RateLimiterRes)) throw e;
        ctx.set('retry-after', String(Math.max(1, Math.ceil(e.msBeforeNext / 1000))));
        return render(
          ctx,
          429,
          page(
            'Throughcare: too many attempts',
            '<h1>Too many sign-in attempts</h1><p>Wait a minute and try again.</p>',
          ),
        );
      }
      const form = await readForm(ctx);
      const username = (form?.get('username') ?? '').trim().toLowerCase().slice(0, 64);
      const password = form?.get('password') ?? '';
      if (!username || !password) {
        // Nothing was tried: no hash, no record; the same answer as any failure.
        await new Promise((resolve) => setTimeout(resolve, FAILURE_DELAY_MS));
        return render(ctx, 401, loginPage({ action, clientName, error: SIGN_IN_FAILED, username }));
      }
      const attempt: SignInAttempt =
        password.length <= 200 ? await staff.signIn(username, password) : { outcome: 'UNKNOWN_ACCOUNT' };
      // Every attempt is on the identity chain before it is answered; no record, no sign-in.
      try {
        await audit.append(signInRecord(attempt, String(details.params['client_id'] ?? '')));
      } catch (e) {
        console.error('identity: sign-in refused, the audit trail is unavailable', (e as Error).cause ?? e);
        return render(
          ctx,
          503,
          page(
            'Throughcare: sign-in unavailable',
            '<h1>Sign-in is unavailable</h1><p>It could not be recorded. Try again in a few minutes.</p>',
          ),
        );
      }
      const user = attempt.user;
      if (!user) {
        await new Promise((resolve) => setTimeout(resolve, FAILURE_DELAY_MS));
        return render(ctx, 401, loginPage({ action, clientName, error: SIGN_IN_FAILED, username }));
      }
      const target = await provider.interactionResult(
        ctx.req,
        ctx.res,
        { login: { accountId: user.userId } },
        { mergeWithLastSubmission: false },
      );
      ctx.status = 303;
      ctx.redirect(target);
      return;
    }
    ctx.status = 404;
    ctx.type = 'text/plain';
    ctx.body = 'Not Found';
  };
}

/**
 * The audit record of one sign-in attempt (action `staff.sign-in`): the account when the username
 * names one (never the username typed: a mistyped password often lands in that field), the
 * client the sign-in was for, and why it was refused.
 */
function signInRecord(attempt: SignInAttempt, clientId: string): AuditDraft {
  return {
    actor: attempt.userId ? `user:${attempt.userId}` : 'anonymous',
    clientId: clientId || null,
    roles: attempt.user ? [...attempt.user.roles] : [],
    purpose: null,
    subjectPerson: null,
    disclosedPersons: [],
    action: 'staff.sign-in',
    objectType: 'staff-account',
    objectId: attempt.userId ?? null,
    outcome: attempt.outcome === 'SIGNED_IN' ? 'allowed' : 'refused',
    reason: attempt.outcome === 'SIGNED_IN' ? null : attempt.outcome,
    httpMethod: 'POST',
    route: '/interaction/:uid/login',
    requestId: null,
  };
}
