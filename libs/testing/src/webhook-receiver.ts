import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** What the receiving test server saw of one request. */
export interface ReceivedWebhook {
  at: number;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The status it answered. */
  answered: number;
}

/** A webhook payload as Throughcare sends it: `data` is the bus event. */
export interface VerifiedWebhook {
  type: string;
  timestamp: string;
  data: {
    eventId: string;
    eventType: string;
    personReference?: { identifiers: Array<{ type: string; value: string }> };
    data: Record<string, unknown>;
  };
}

/**
 * An agency's receiver for specs: records every request and answers with `answer(n)` (n: the
 * request's number at that path, from 1), 204 by default.
 */
export class WebhookReceiver {
  private readonly requests = new Map<string, ReceivedWebhook[]>();
  private readonly answers = new Map<string, (n: number) => number>();
  private readonly delays = new Map<string, number>();
  private readonly open = new Map<string, number>();
  private readonly peaks = new Map<string, number>();
  private server: Server | undefined;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      const path = req.url ?? '/';
      this.open.set(path, (this.open.get(path) ?? 0) + 1);
      this.peaks.set(path, Math.max(this.peaks.get(path) ?? 0, this.open.get(path)!));
      const closed = () => this.open.set(path, (this.open.get(path) ?? 1) - 1);
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => setTimeout(answer, this.delays.get(path) ?? 0));
      const answer = () => {
        const seen = [...(this.requests.get(path) ?? [])];
        const answered = (this.answers.get(path) ?? (() => 204))(seen.length + 1);
        seen.push({
          at: Date.now(),
          path,
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          answered,
        });
        this.requests.set(path, seen);
        res.statusCode = answered;
        res.end(answered >= 400 ? 'not now' : '');
        closed();
      };
    });
    const server = this.server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  /** The URL of `path` on this receiver; `answer` sets what it answers there. */
  url(path: string, answer?: (n: number) => number): string {
    if (answer) this.answers.set(path, answer);
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}${path}`;
  }

  /** Answers at `path` only after `ms` (a slow receiver). */
  delay(path: string, ms: number): void {
    this.delays.set(path, ms);
  }

  /** The most requests to `path` that were open at once. */
  peakConcurrency(path: string): number {
    return this.peaks.get(path) ?? 0;
  }

  /** Every request made to `path`, in arrival order. */
  at(path: string): ReceivedWebhook[] {
    return this.requests.get(path) ?? [];
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** The request as Standard Webhooks verifies it: throws unless a signature by `secret` matches. */
export function verifyWebhook(secret: string, request: ReceivedWebhook): VerifiedWebhook {
  return new Webhook(secret).verify(request.body, {
    'webhook-id': String(request.headers['webhook-id']),
    'webhook-timestamp': String(request.headers['webhook-timestamp']),
    'webhook-signature': String(request.headers['webhook-signature']),
  }) as VerifiedWebhook;
}
