import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';

/**
 * Where webhooks may go. In production only `https` URLs whose host resolves to a public
 * address: the check is made again when each request connects (request-filtering-agent), so a
 * name that later resolves to a private, loopback, link-local or metadata address is refused then
 * (no server-side request forgery into the platform's own network). `developmentTargets` lifts
 * both rules, for a platform and its receivers on one machine (`./throughcare start`, the tests).
 */
export interface WebhookTargetPolicy {
  developmentTargets: boolean;
}

/** Why `raw` may not be an endpoint's URL, or null when it may. */
export function webhookUrlProblem(raw: string, policy: WebhookTargetPolicy): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not an absolute URL';
  }
  const schemes = policy.developmentTargets ? ['https:', 'http:'] : ['https:'];
  if (!schemes.includes(url.protocol))
    return `must be an ${schemes.map((s) => s.slice(0, -1)).join(' or ')} URL`;
  if (url.username || url.password) return 'must not carry a user name or password';
  if (url.hash) return 'must not have a fragment';
  if (policy.developmentTargets) return null;
  // A trailing dot names the same host (`intranet.` is `intranet`).
  const host = url.hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return 'must not name this machine';
  if (!isIP(host)) {
    if (!host.includes('.')) return 'must be a fully qualified public host name';
    if (/\.(local|localdomain|internal|intranet|lan|home\.arpa|svc|cluster\.local)$/.test(host))
      return 'must not be a private network name: webhooks go to the public internet';
  }
  if (isIP(host) && ipaddr.process(host).range() !== 'unicast')
    return `must not be a ${ipaddr.process(host).range()} address: webhooks go to the public internet`;
  return null;
}

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

/**
 * The endpoint's answer (its status), or why there was none: `error` a coarse reason fit for the
 * agency's delivery log (never an internal address or host name), `detail` the full one for the
 * platform's own log.
 */
export type WebhookAnswer = { httpStatus: number } | { error: string; detail: string };

/** Answers past this many bytes are not read further (the status is what counts). */
const MAX_ANSWER_BYTES = 64 * 1024;

const filteringAgents = {
  http: new RequestFilteringHttpAgent({ keepAlive: true }),
  https: new RequestFilteringHttpsAgent({ keepAlive: true }),
};
const plainAgents = {
  http: new http.Agent({ keepAlive: true }),
  https: new https.Agent({ keepAlive: true }),
};

/**
 * One POST, never following a redirect (a 3xx is an answer like any other, and not a success),
 * with a deadline for the whole exchange. Never throws.
 */
export function postWebhook(request: WebhookRequest, policy: WebhookTargetPolicy): Promise<WebhookAnswer> {
  return new Promise((resolve) => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      resolve({ error: 'the URL does not parse', detail: 'the URL does not parse' });
      return;
    }
    const secure = url.protocol === 'https:';
    const agents = policy.developmentTargets ? plainAgents : filteringAgents;
    const client = secure ? https : http;
    const body = Buffer.from(request.body, 'utf8');
    let req: http.ClientRequest;
    try {
      req = client.request(url, {
        method: 'POST',
        agent: secure ? agents.https : agents.http,
        headers: { ...request.headers, 'content-length': String(body.length) },
      });
    } catch (error) {
      // e.g. a protocol Node cannot speak: an answer, not a crash of the dispatcher
      resolve(failure(error as Error));
      return;
    }
    // The deadline is armed before any listener can finish the exchange.
    const timer = setTimeout(() => {
      const late = `no answer within ${request.timeoutMs} ms`;
      finish({ error: late, detail: late });
      req.destroy();
    }, request.timeoutMs);
    let settled = false;
    const finish = (answer: WebhookAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(answer);
    };
    req.on('response', (res) => {
      let read = 0;
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > MAX_ANSWER_BYTES) res.destroy();
      });
      const done = () => finish({ httpStatus: res.statusCode ?? 0 });
      res.on('end', done);
      res.on('close', done);
      res.on('error', done);
    });
    req.on('error', (error) => finish(failure(error)));
    req.end(body);
  });
}

/** Why a request failed: a coarse category for the agency, and the error's code and message for the platform. */
function failure(error: Error & { code?: string }): { error: string; detail: string } {
  return { error: categoryOf(error), detail: describe(error) };
}

/**
 * The kind of failure, in words an agency can act on. The full error (which can name an internal
 * address or host the name resolved to) stays in the platform's log.
 */
export function categoryOf(error: Error & { code?: string }): string {
  const code = error.code ?? '';
  // request-filtering-agent: "DNS lookup 10.0.0.7(family:4, host:…) is not allowed. Because, It is private IP address."
  if (/is not allowed/i.test(error.message))
    return 'the address is not allowed: the host resolves to a private, loopback, link-local or metadata address';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `${code}: the host name does not resolve`;
  if (code === 'ECONNREFUSED') return 'ECONNREFUSED: the connection was refused';
  if (code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up/i.test(error.message))
    return `${code || 'ECONNRESET'}: the connection was closed before an answer`;
  if (code === 'ETIMEDOUT' || code === 'ENETUNREACH' || code === 'EHOSTUNREACH')
    return `${code}: the host could not be reached`;
  if (
    /^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|ERR_OSSL)/.test(code) ||
    /certificate|TLS|SSL/i.test(error.message)
  )
    return `${code || 'TLS'}: the TLS handshake or certificate was not accepted`;
  return `${code || 'ERROR'}: the request failed`;
}

/** A short reason: the error's code and message, never a request or answer body. */
function describe(error: Error & { code?: string }): string {
  const text =
    error.code && !error.message.includes(error.code) ? `${error.code}: ${error.message}` : error.message;
  return text.length <= 500 ? text : `${text.slice(0, 499)}…`;
}
