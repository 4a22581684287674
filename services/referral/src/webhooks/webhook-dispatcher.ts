import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { Webhook } from 'standardwebhooks';
import type { PayloadKeyring } from '@throughcare/platform-config';
import { qualifiedTable, runUnrestricted } from '@throughcare/platform-persistence';
import { openWebhookSecret, WebhookSecretUnreadableError } from './webhook-secrets';
import { postWebhook, type WebhookAnswer, type WebhookTargetPolicy } from './webhook-target';

export interface WebhookDispatcherLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface WebhookDispatcherOptions {
  dataSource: DataSource;
  keyring: PayloadKeyring;
  policy: WebhookTargetPolicy;
  /** The waits after each failed attempt, in order; the delivery fails for good after the last. */
  retryScheduleMs: readonly number[];
  timeoutMs: number;
  /**
   * An endpoint whose every attempt has failed for this long is disabled (`FAILING`), its pending
   * deliveries cancelled: the agency mends it and enables it again.
   */
  disableAfterMs: number;
  /** Deliveries posted at once (each slot claims the next due delivery as soon as it is free). */
  concurrency?: number;
  /**
   * Deliveries to one endpoint in flight at once: a slow or hanging receiver (or a large recovery)
   * holds at most this many slots, and every other agency's deliveries go on.
   */
  perEndpoint?: number;
  idleDelayMs?: number;
  logger: WebhookDispatcherLogger;
  /** Tests: the wait before retry `n` (1-based) without jitter. */
  jitter?: (delayMs: number) => number;
}

interface ClaimedDelivery {
  id: string;
  /** This claim's: the result is written only while the delivery still carries it. */
  lease_token: string;
  endpoint_id: string;
  agency_id: string;
  message_id: string;
  event_type: string;
  payload: { timestamp: string };
  attempts: number;
  max_attempts: number | null;
}

interface EndpointSecrets {
  id: string;
  url: string;
  disabled_at: Date | null;
  secret_key_id: string;
  secret_sealed: Buffer;
  previous_secret_key_id: string | null;
  previous_secret_sealed: Buffer | null;
  previous_secret_expires_at: Date | null;
}

/** Up to ±10%: endpoints that failed together are not all retried in the same instant. */
const defaultJitter = (delayMs: number) => Math.round(delayMs * (0.9 + Math.random() * 0.2));

/**
 * Posts pending webhook deliveries (Standard Webhooks: `webhook-id`, `webhook-timestamp`,
 * `webhook-signature`), as the platform. Each delivery is claimed with a lease
 * (`FOR UPDATE SKIP LOCKED`, then `leased_until`), so replicas share the work and a dispatcher
 * that dies mid-request leaves it to be tried again once the lease lapses; the request itself is
 * made outside any transaction. A 2xx answer delivers it; anything else (another status, a
 * timeout, a refused connection or address) is logged as an attempt and retried after the next
 * wait of the schedule, and fails for good after the last. The `webhook-id` stays the same on
 * every retry, so a receiver that saw a request whose answer we lost drops the copy.
 */
export class WebhookDispatcher {
  private readonly concurrency: number;
  private readonly perEndpoint: number;
  private readonly idleDelayMs: number;
  private readonly jitter: (delayMs: number) => number;
  /** A failure later than this after the one before starts a new failing streak. */
  private readonly streakGapMs: number;
  private running = false;
  private loop: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  /** An attempt finished while the loop was not asleep: its next sleep returns at once. */
  private wakeRequested = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly options: WebhookDispatcherOptions) {
    this.concurrency = options.concurrency ?? 16;
    this.perEndpoint = options.perEndpoint ?? 2;
    this.idleDelayMs = options.idleDelayMs ?? 500;
    this.jitter = options.jitter ?? defaultJitter;
    // The longest wait of the schedule with its jitter, plus an attempt's lease.
    this.streakGapMs = Math.max(0, ...options.retryScheduleMs) * 1.1 + options.timeoutMs + 30_000;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Finishes the requests in hand (their results written), then resolves. */
  stop(): Promise<void> {
    if (!this.running) return this.stopping ?? Promise.resolve();
    this.running = false;
    this.nudge();
    this.stopping = (async () => {
      await this.loop;
      await Promise.allSettled([...this.inFlight]);
    })();
    return this.stopping;
  }

  /** Ends the loop's sleep now, or its next one if it is not asleep. */
  private nudge(): void {
    this.wakeRequested = true;
    this.wake?.();
  }

  /**
   * Claims up to `slots` due deliveries and starts posting each; resolves once they are claimed
   * (not posted), with how many. Each attempt settles on its own: one that fails to write its
   * result is logged and left to its lease, never taking the others with it.
   */
  private fill(slots: number): Promise<number> {
    return runUnrestricted(async () => {
      const claimed = await this.claim(slots);
      if (claimed.length === 0) return 0;
      const endpoints = await this.endpointsOf(claimed);
      for (const delivery of claimed) {
        const attempt = runUnrestricted(() => this.attempt(delivery, endpoints.get(delivery.endpoint_id)))
          .catch((error: unknown) => {
            try {
              this.options.logger.error(
                `webhook ${delivery.message_id} to endpoint ${delivery.endpoint_id}: the attempt's result was not written (${error instanceof Error ? error.message : String(error)}); it is tried again once its lease lapses`,
              );
            } catch {
              // A logger that throws must not leave this promise rejected and unobserved.
            }
          })
          .finally(() => {
            this.inFlight.delete(attempt);
            this.nudge();
          });
        this.inFlight.add(attempt);
      }
      return claimed.length;
    });
  }

  private table(name: string): string {
    return qualifiedTable(this.options.dataSource.manager, name);
  }

  /**
   * Leases up to `limit` due deliveries, oldest due first, at most `perEndpoint` in flight per
   * endpoint (those another replica holds count, but replicas claiming at the same instant do not
   * see each other's claims: with N replicas an endpoint can have up to N × perEndpoint in
   * flight). Each claim gets a fresh lease token.
   */
  private async claim(limit: number): Promise<ClaimedDelivery[]> {
    const deliveries = this.table('webhook_delivery');
    const leaseMs = this.options.timeoutMs + 30_000;
    // TypeORM answers an UPDATE … RETURNING on Postgres as [rows, rowCount].
    const [claimed]: [ClaimedDelivery[], number] = await this.options.dataSource.query(
      `WITH due_endpoints AS (
         SELECT DISTINCT endpoint_id FROM ${deliveries}
          WHERE status = 'PENDING' AND next_attempt_at <= now()
            AND (leased_until IS NULL OR leased_until < now())
       ), candidates AS (
         SELECT c.id, c.next_attempt_at, c.created_at
           FROM due_endpoints e
           CROSS JOIN LATERAL (
             SELECT count(*) AS n FROM ${deliveries} l
              WHERE l.endpoint_id = e.endpoint_id AND l.status = 'PENDING' AND l.leased_until >= now()
           ) busy
           CROSS JOIN LATERAL (
             SELECT x.id, x.next_attempt_at, x.created_at FROM ${deliveries} x
              WHERE x.endpoint_id = e.endpoint_id AND x.status = 'PENDING' AND x.next_attempt_at <= now()
                AND (x.leased_until IS NULL OR x.leased_until < now())
              ORDER BY x.next_attempt_at, x.created_at, x.id
              LIMIT greatest($3::int - busy.n, 0)
           ) c
          ORDER BY c.next_attempt_at, c.created_at, c.id
          LIMIT $1
       )
       UPDATE ${deliveries} d
          SET leased_until = now() + ($2 || ' milliseconds')::interval, attempts = d.attempts + 1,
              lease_token = gen_random_uuid()
        WHERE d.id IN (
          SELECT id FROM ${deliveries}
           WHERE id IN (SELECT id FROM candidates) AND status = 'PENDING'
             AND (leased_until IS NULL OR leased_until < now())
           FOR UPDATE SKIP LOCKED)
      RETURNING d.id, d.lease_token, d.endpoint_id, d.agency_id, d.message_id, d.event_type, d.payload,
                d.attempts, d.max_attempts`,
      [limit, String(leaseMs), this.perEndpoint],
    );
    return claimed;
  }

  private async endpointsOf(claimed: ClaimedDelivery[]): Promise<Map<string, EndpointSecrets>> {
    const rows: EndpointSecrets[] = await this.options.dataSource.query(
      `SELECT id, url, disabled_at, secret_key_id, secret_sealed, previous_secret_key_id,
              previous_secret_sealed, previous_secret_expires_at
         FROM ${this.table('webhook_endpoint')} WHERE id = ANY($1::uuid[])`,
      [[...new Set(claimed.map((d) => d.endpoint_id))]],
    );
    return new Map(rows.map((r) => [r.id, r]));
  }

  private async attempt(delivery: ClaimedDelivery, endpoint: EndpointSecrets | undefined): Promise<void> {
    const deliveries = this.table('webhook_delivery');
    if (!endpoint || endpoint.disabled_at) {
      // Disabled after this was queued (the update cancels what is pending; this one was leased).
      await this.options.dataSource.query(
        `UPDATE ${deliveries} SET status = 'CANCELLED', attempts = attempts - 1, leased_until = NULL,
                lease_token = NULL, finished_at = now(), last_error = 'the endpoint was disabled'
          WHERE id = $1 AND lease_token = $2`,
        [delivery.id, delivery.lease_token],
      );
      return;
    }
    let signature: Record<string, string>;
    const startedAt = new Date();
    const body = JSON.stringify(delivery.payload);
    try {
      signature = this.signatureHeaders(endpoint, delivery.message_id, startedAt, body);
    } catch (error) {
      // The platform's fault (a sealing key retired from PAYLOAD_ENCRYPTION_KEYS), not the
      // endpoint's: no attempt is counted against it, nothing is sent, and the operators are told.
      await this.options.dataSource.query(
        `UPDATE ${deliveries}
            SET attempts = attempts - 1, leased_until = NULL, lease_token = NULL,
                next_attempt_at = now() + interval '5 minutes',
                last_error = 'not sent: the platform cannot sign it (its operators are told)'
          WHERE id = $1 AND lease_token = $2`,
        [delivery.id, delivery.lease_token],
      );
      this.options.logger.error(
        `webhook ${delivery.message_id} to endpoint ${endpoint.id} not sent: ${error instanceof Error ? error.message : String(error)}; tried again in 5 minutes`,
      );
      return;
    }
    // postWebhook never throws: every failure is an answer.
    const answer: WebhookAnswer = await postWebhook(
      {
        url: endpoint.url,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Throughcare-Webhooks/1',
          ...signature,
        },
        body,
        timeoutMs: this.options.timeoutMs,
      },
      this.options.policy,
    );
    const durationMs = Date.now() - startedAt.getTime();
    const delivered = 'httpStatus' in answer && answer.httpStatus >= 200 && answer.httpStatus < 300;
    const maxAttempts = delivery.max_attempts ?? this.options.retryScheduleMs.length + 1;
    const reason = delivered
      ? null
      : 'error' in answer
        ? answer.error
        : `answered ${answer.httpStatus}: only a 2xx delivers`;
    // The log's column holds 500 characters.
    const error = reason && reason.length > 500 ? `${reason.slice(0, 499)}…` : reason;
    const httpStatus = 'httpStatus' in answer ? answer.httpStatus : null;
    const retryInMs =
      delivered || delivery.attempts >= maxAttempts
        ? null
        : this.jitter(
            this.options.retryScheduleMs[
              Math.min(delivery.attempts, this.options.retryScheduleMs.length) - 1
            ] ?? 0,
          );

    let disabled = false;
    let ours = true;
    await this.options.dataSource.transaction(async (tx) => {
      // Only while the lease is still this claim's: one that lapsed mid-request (and was claimed
      // again since) leaves the row to the newer claim; this result is dropped.
      const [, updated]: [unknown, number] = await tx.query(
        `UPDATE ${deliveries}
            SET status = $2, leased_until = NULL, lease_token = NULL, last_http_status = $3, last_error = $4,
                finished_at = CASE WHEN $2 = 'PENDING' THEN NULL ELSE now() END,
                next_attempt_at = CASE WHEN $5::bigint IS NULL THEN next_attempt_at
                                       ELSE now() + ($5 || ' milliseconds')::interval END
          WHERE id = $1 AND lease_token = $6 AND status = 'PENDING'`,
        [
          delivery.id,
          delivered ? 'DELIVERED' : retryInMs === null ? 'FAILED' : 'PENDING',
          httpStatus,
          error,
          retryInMs === null ? null : String(retryInMs),
          delivery.lease_token,
        ],
      );
      if (updated !== 1) {
        ours = false;
        return;
      }
      await tx.query(
        `INSERT INTO ${this.table('webhook_attempt')}
           (id, delivery_id, attempt, agency_id, attempted_at, duration_ms, http_status, error)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [
          randomUUID(),
          delivery.id,
          delivery.attempts,
          delivery.agency_id,
          startedAt,
          durationMs,
          httpStatus,
          error,
        ],
      );
      disabled = await this.recordHealth(tx, endpoint.id, delivered, startedAt);
    });
    const what = `webhook ${delivery.message_id} (${delivery.event_type}) to endpoint ${endpoint.id}, attempt ${delivery.attempts} of ${maxAttempts}`;
    if (!ours) {
      this.options.logger.warn(
        `${what}: its lease lapsed before the result was written (another attempt has it now); this result is dropped`,
      );
      return;
    }
    // The platform's log has the full reason; the agency's delivery log the category.
    const why = 'detail' in answer ? answer.detail : error;
    if (delivered) this.options.logger.log(`${what}: delivered (${httpStatus})`);
    else if (retryInMs !== null) this.options.logger.warn(`${what}: ${why}; retry in ${retryInMs} ms`);
    // The agency's endpoint failing is the agency's to mend (its delivery log says why), not the platform's.
    else this.options.logger.warn(`${what}: ${why}; failed for good (see its delivery log)`);
    if (disabled)
      this.options.logger.warn(
        `webhook endpoint ${endpoint.id} of agency ${delivery.agency_id} disabled: every attempt failed for ${this.options.disableAfterMs} ms; its pending deliveries are cancelled until the agency enables it again`,
      );
  }

  /**
   * A success clears the endpoint's failing streak; a failure starts it (at this attempt) or, once
   * it has lasted `disableAfterMs`, disables the endpoint and cancels what is pending for it (a
   * delivery being posted now is cancelled when next claimed). Returns whether it was disabled.
   */
  private async recordHealth(
    tx: EntityManager,
    endpointId: string,
    delivered: boolean,
    attemptedAt: Date,
  ): Promise<boolean> {
    const endpoints = this.table('webhook_endpoint');
    if (delivered) {
      await tx.query(
        `UPDATE ${endpoints} SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL`,
        [endpointId],
      );
      return false;
    }
    // The streak: since the first failure after the last success, unless the failure before this
    // one is older than the schedule's longest wait (a quiet spell): then it starts again here.
    const streak = `CASE WHEN failing_since IS NULL OR last_failed_at IS NULL
                           OR last_failed_at < $2::timestamptz - ($4 || ' milliseconds')::interval
                         THEN $2::timestamptz ELSE failing_since END`;
    const [[endpoint]]: [{ disabled: boolean }[], number] = await tx.query(
      `UPDATE ${endpoints}
          SET failing_since = ${streak},
              last_failed_at = GREATEST(COALESCE(last_failed_at, $2), $2),
              disabled_at = CASE WHEN disabled_at IS NULL
                                  AND ${streak} <= now() - ($3 || ' milliseconds')::interval
                                 THEN now() ELSE disabled_at END,
              disabled_reason = CASE WHEN disabled_at IS NULL
                                      AND ${streak} <= now() - ($3 || ' milliseconds')::interval
                                     THEN 'FAILING' ELSE disabled_reason END
        WHERE id = $1
      RETURNING (disabled_reason = 'FAILING' AND disabled_at = now()) AS disabled`,
      [endpointId, attemptedAt, String(this.options.disableAfterMs), String(Math.round(this.streakGapMs))],
    );
    if (!endpoint?.disabled) return false;
    await tx.query(
      `UPDATE ${this.table('webhook_delivery')}
          SET status = 'CANCELLED', finished_at = now(), last_error = 'the endpoint was disabled: it kept failing',
              lease_token = NULL
        WHERE endpoint_id = $1 AND status = 'PENDING' AND (leased_until IS NULL OR leased_until < now())`,
      [endpointId],
    );
    return true;
  }

  /**
   * `webhook-signature`: `v1,<base64 HMAC-SHA256>` with the current secret, and with the previous
   * one too while a rotation's overlap lasts (space-separated, as the scheme allows).
   */
  private signatureHeaders(
    endpoint: EndpointSecrets,
    messageId: string,
    at: Date,
    body: string,
  ): Record<string, string> {
    const secrets = [{ keyId: endpoint.secret_key_id, sealed: endpoint.secret_sealed }];
    if (
      endpoint.previous_secret_sealed &&
      endpoint.previous_secret_key_id &&
      endpoint.previous_secret_expires_at &&
      endpoint.previous_secret_expires_at > at
    )
      secrets.push({ keyId: endpoint.previous_secret_key_id, sealed: endpoint.previous_secret_sealed });
    const signatures = secrets.flatMap((sealed, n) => {
      try {
        return [
          new Webhook(openWebhookSecret(this.options.keyring, endpoint.id, sealed)).sign(messageId, at, body),
        ];
      } catch (error) {
        // The previous secret unreadable: sign with the current one alone (the operators are told).
        if (n === 0 || !(error instanceof WebhookSecretUnreadableError)) throw error;
        this.options.logger.error(`${error.message}: signing with the current secret alone`);
        return [];
      }
    });
    return {
      'webhook-id': messageId,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': signatures.join(' '),
    };
  }

  /**
   * Keeps up to `concurrency` deliveries in flight: each slot that frees claims the next due one,
   * so a slow receiver never holds back the others. Sleeps when nothing is due (or every slot is
   * busy), woken early when an attempt finishes.
   */
  private async run(): Promise<void> {
    while (this.running) {
      const free = this.concurrency - this.inFlight.size;
      let claimed = 0;
      if (free > 0) {
        try {
          claimed = await this.fill(free);
        } catch (error) {
          this.options.logger.error(
            `webhook dispatch failed: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
      }
      if (claimed < free || free === 0) if (this.running) await this.sleep(this.idleDelayMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.wakeRequested) {
      this.wakeRequested = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        this.wakeRequested = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}
