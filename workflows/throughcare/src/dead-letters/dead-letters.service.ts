import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { headers as natsHeaders, type MsgHdrs, type NatsConnection } from '@nats-io/nats-core';
import { DeliverPolicy, jetstream, jetstreamManager, type StoredMsg } from '@nats-io/jetstream';
import { deadLetterSubjectFor, Streams } from '@throughcare/contracts';
import { AuditTrail, noteAuditDisclosed, noteAuditSubject } from '@throughcare/platform-audit';
import { ConflictError, NotFoundError } from '@throughcare/platform-errors';
import { NATS_CONNECTION, TEMPORAL_CLIENT } from '@throughcare/platform-http';
import type { Client } from '@temporalio/client';
import { DlqHeaders } from '@throughcare/platform-messaging';
import { DataSource } from 'typeorm';
import { BridgeErrorCodes } from '../bridge/bridge';
import { THROUGHCARE_SCHEMA } from '../config';
import { personIdIn, redactPayload, REDACTED, type RedactedPayload } from './dead-letter-redaction';
import type {
  DeadLetterAction,
  DeadLetterPage,
  DeadLetterSummary,
  DeadLetterView,
  DiscardBody,
  ListDeadLettersQuery,
  ReplayAllBody,
  ReplayAllResult,
  ReplayBody,
} from './dead-letters.schemas';

type Letter = Pick<StoredMsg, 'seq' | 'subject' | 'data'> & { header: MsgHdrs | undefined; time: Date };

const headersOf = (h: MsgHdrs | undefined): Record<string, string[]> => {
  const out: Record<string, string[]> = {};
  if (h) for (const [name, values] of h) out[name] = values;
  return out;
};
const intOrNull = (text: string | undefined) => (text && /^\d+$/.test(text) ? Number(text) : null);
/** A field of the redacted event, if it is a string that was not redacted. */
const shown = (event: Record<string, unknown> | null, name: string): string | null => {
  const value = event?.[name];
  return typeof value === 'string' && value !== REDACTED ? value : null;
};

/**
 * Dead letters of THROUGHCARE_DLQ for operators: list, show, replay (re-publish to the original
 * subject; the journey de-duplicates on the event id, so a replay is safe), discard with a reason.
 * Each replay or discard is recorded in `dead_letter_action` (who, why, when, and the letter
 * itself), then the letter is deleted from the stream, which so holds only open letters. A crash
 * between the two leaves a letter that is recorded: it is shown as handled and finished lazily.
 *
 * Operators never see a payload's personal data (finding H1): list and show answer the event
 * redacted (dead-letter-redaction.ts), or only the size and SHA-256 of a payload that does not
 * parse; replay re-publishes the stored payload unchanged. Replays and discards are audited as an
 * intent before the change (the bus publish is outside any database transaction of ours).
 */
/** Letters one list request reads at most, whatever its filter matches (a cursor goes on). */
export const SCAN_LIMIT = 500;
/** Letters read (and checked against the recorded actions) at a time while listing. */
const READ_CHUNK = 100;
/** Letters one bulk replay request re-publishes at most, by default (DEAD_LETTER_REPLAY_BATCH). */
export const REPLAY_ALL_LIMIT = 100;
/** The bulk replay's batch, from the configuration. */
export const DEAD_LETTER_OPTIONS = Symbol('DEAD_LETTER_OPTIONS');
export interface DeadLetterOptions {
  replayBatch: number;
}

/**
 * Events that open an episode, so start a journey. A reversal of that episode leaves a tombstone
 * under the journey's id (bridge.ts), which Temporal keeps only for the namespace's retention of
 * closed workflows: replayed later, the event could start a journey for a void episode.
 */
const OPENING_EVENTS: ReadonlySet<string> = new Set([
  'custody.person.received',
  'custody.person.liberated-from-court',
]);
/** How long the namespace's retention, once read, is taken as known. */
const RETENTION_CACHE_MS = 10 * 60_000;
/**
 * Taken off the retention: the tombstone is placed when the bridge handles the reversal, which
 * follows the reception it reverses; a margin for clocks and the bridge's own delay.
 */
const RETENTION_MARGIN_MS = 60 * 60_000;
export const REPLAY_PAST_RETENTION = 'REPLAY_PAST_RETENTION';
/**
 * A letter that asks an operator to act rather than reporting an event to process again: its
 * replay is refused (409) unless forced, and `replay-all` leaves it open. EPISODE_NOT_RESUMED (a
 * reversed return whose journey had closed otherwise): a replay only letters it again, or, once
 * Temporal's retention has removed the tombstone that records it, would be acked and lose the
 * person (review of stop 40, fixes S1). Discard it once their follow-up is arranged.
 */
export const REPLAY_DISCARD_ONLY = 'REPLAY_DISCARD_ONLY';
const DISCARD_ONLY_CODES: ReadonlySet<string> = new Set([BridgeErrorCodes.episodeNotResumed]);

@Injectable()
export class DeadLettersService {
  private readonly logger = new Logger('DeadLetters');

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly db: DataSource,
    @Inject(AuditTrail) private readonly audit: AuditTrail,
    @Optional()
    @Inject(DEAD_LETTER_OPTIONS)
    private readonly options: DeadLetterOptions = { replayBatch: REPLAY_ALL_LIMIT },
    @Optional() @Inject(TEMPORAL_CLIENT) private readonly temporal?: Client,
  ) {}

  private retention?: { ms: number | undefined; readAt: number };

  async list(query: ListDeadLettersQuery): Promise<DeadLetterPage> {
    const subject = deadLetterSubjectFor(query.consumer ?? '*').replace(/\*$/, '>');
    const items: DeadLetterSummary[] = [];
    let nextCursor: number | null = null;
    let scanned = 0;
    // Letters are read and checked against the recorded actions a chunk at a time: one fetch and
    // one query per chunk, not one of each per letter (the HTTP fuzzing, with the other apps'
    // dead letters in the stream, measured 300 ms a request that way).
    scan: for await (const chunk of this.read(subject, query.cursor ?? 1, READ_CHUNK)) {
      const done = await this.recorded(chunk.map((l) => l.seq));
      for (const letter of chunk) {
        // One request reads at most SCAN_LIMIT letters: a filter that matches few of many (the HTTP
        // fuzzing found a page taking over 20 s) answers a short page and the cursor to go on.
        if (scanned === SCAN_LIMIT || items.length === query.limit) {
          nextCursor = letter.seq;
          break scan;
        }
        scanned++;
        if (done.has(letter.seq)) {
          await this.forget(letter.seq);
          continue;
        }
        if (query.code && letter.header?.get(DlqHeaders.code) !== query.code) continue;
        items.push(this.summary(letter));
      }
    }
    return { items, nextCursor };
  }

  async show(seq: number): Promise<DeadLetterView> {
    const action = await this.actionOf(seq);
    if (action) return action;
    const letter = await this.get(seq);
    return { ...this.view(letter), status: 'OPEN', action: null };
  }

  async replay(seq: number, body: ReplayBody): Promise<DeadLetterView> {
    const letter = await this.openLetter(seq);
    const discardOnly = this.discardOnly(letter);
    if (discardOnly && !body.force) throw new ConflictError(discardOnly, REPLAY_DISCARD_ONLY);
    const past = await this.pastRetention(letter);
    if (past && !body.force) throw new ConflictError(past, REPLAY_PAST_RETENTION);
    if (past) this.logger.warn(`dead letter ${seq} replayed by ${body.by} with force: ${past}`);
    await this.auditIntent(letter);
    const replayedAsSeq = await this.republish(letter);
    return this.record(letter, {
      action: 'REPLAYED',
      by: body.by,
      // A forced replay says so in the recorded action (review of stop 39, M5), not only in a log.
      reason: past ? `forced past Temporal's retention: ${body.reason}` : (body.reason ?? null),
      replayedAsSeq,
    });
  }

  async replayAll(body: ReplayAllBody): Promise<ReplayAllResult> {
    const replayed: ReplayAllResult['replayed'] = [];
    // Only the letters there now: a replayed event that fails again is dead-lettered anew (a
    // higher sequence) and must wait for the operator, not be replayed in a loop. At most
    // `replayBatch` per request (`more` says whether to ask again): one request replaying a
    // stream of thousands ran past any client's timeout (found by the HTTP fuzzing).
    const jsm = await jetstreamManager(this.nc);
    const streamEnd = (await jsm.streams.info(Streams.deadLetter.name)).state.last_seq;
    const lastSeq = Math.min(streamEnd, body.upToSeq ?? streamEnd);
    const letters: DeadLetterSummary[] = [];
    // Never forced in bulk: a letter that could start a journey for a void episode is left open,
    // to be replayed alone once checked; it does not count towards the batch, so a later request
    // goes past it.
    const skipped: ReplayAllResult['skipped'] = [];
    let cursor: number | undefined;
    let more = false;
    pages: for (;;) {
      const page = await this.list({ consumer: body.consumer, code: body.code, limit: 100, cursor });
      for (const item of page.items) {
        if (item.seq > lastSeq) break pages;
        if (letters.length === this.options.replayBatch) {
          more = true;
          break pages;
        }
        if (item.code !== null && DISCARD_ONLY_CODES.has(item.code)) {
          skipped.push({ seq: item.seq, code: REPLAY_DISCARD_ONLY, reason: discardOnlyReason(item.code) });
          continue;
        }
        const past =
          item.eventType &&
          OPENING_EVENTS.has(item.eventType) &&
          (await this.pastRetention(await this.get(item.seq)));
        if (past) {
          skipped.push({ seq: item.seq, code: REPLAY_PAST_RETENTION, reason: past });
          continue;
        }
        letters.push(item);
      }
      if (page.nextCursor === null || page.nextCursor > lastSeq) break;
      if (letters.length === this.options.replayBatch) {
        more = true;
        break;
      }
      cursor = page.nextCursor;
    }
    // One audit record for the request, naming every person whose event it re-publishes, written
    // before the first publish (fail closed).
    noteAuditDisclosed(letters.map((l) => l.personId).filter((p): p is string => p !== null));
    await this.audit.recordIntent();
    for (const item of letters) {
      // Checked again as it is replayed: one that crossed the boundary since (or whose retention
      // could not be read this time) is left open and listed, not a failure of the batch halfway
      // (review of stop 39, M6).
      try {
        const view = await this.replay(item.seq, { by: body.by, reason: body.reason });
        replayed.push({ seq: item.seq, replayedAsSeq: view.action!.replayedAsSeq! });
      } catch (e) {
        if (!(e instanceof ConflictError && e.code === REPLAY_PAST_RETENTION)) throw e;
        skipped.push({ seq: item.seq, code: REPLAY_PAST_RETENTION, reason: e.message });
      }
    }
    return { replayed, skipped, more, upToSeq: lastSeq };
  }

  async discard(seq: number, body: DiscardBody): Promise<DeadLetterView> {
    const letter = await this.openLetter(seq);
    await this.auditIntent(letter);
    return this.record(letter, {
      action: 'DISCARDED',
      by: body.by,
      reason: body.reason,
      replayedAsSeq: null,
    });
  }

  /**
   * Letters on `subject` from sequence `from`, oldest first (deleted ones are skipped by the server),
   * `size` at a time (the last chunk may be shorter).
   */
  private async *read(subject: string, from: number, size: number): AsyncGenerator<Letter[]> {
    const jsm = await jetstreamManager(this.nc);
    const info = await jsm.streams.info(Streams.deadLetter.name, { subjects_filter: subject });
    if (Object.keys(info.state.subjects ?? {}).length === 0) return; // none: do not wait on a fetch
    const js = jetstream(this.nc);
    const reader = await js.consumers.get(Streams.deadLetter.name, {
      filter_subjects: [subject],
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: from,
    });
    // Nothing at or after `from` on this subject: answer now, not after a fetch's 2 s wait (the
    // subject-level check above cannot see a cursor past its last letter; the HTTP fuzzing found
    // bulk replays taking 1.5 s each this way).
    // The server-side consumer goes with the request (an ordered consumer otherwise lingers for its
    // inactivity threshold: one per list request, thousands under the HTTP fuzzing).
    try {
      let pending = (await reader.info()).num_pending;
      while (pending > 0) {
        const chunk: Letter[] = [];
        const messages = await reader.fetch({ max_messages: Math.min(size, pending), expires: 2000 });
        for await (const msg of messages) {
          chunk.push({
            seq: msg.seq,
            subject: msg.subject,
            data: msg.data,
            header: msg.headers,
            time: new Date(Number(msg.info.timestampNanos) / 1e6),
          });
          pending = msg.info.pending;
        }
        if (chunk.length === 0) return;
        yield chunk;
      }
    } finally {
      await reader.delete().catch(() => false);
    }
  }

  private async get(seq: number): Promise<Letter> {
    const jsm = await jetstreamManager(this.nc);
    const msg = await jsm.streams.getMessage(Streams.deadLetter.name, { seq }).catch(() => null);
    if (!msg) throw new NotFoundError(`no dead letter ${seq}`, 'DEAD_LETTER_NOT_FOUND');
    return { seq: msg.seq, subject: msg.subject, data: msg.data, header: msg.header, time: msg.time };
  }

  private async openLetter(seq: number): Promise<Letter> {
    const action = await this.actionOf(seq);
    if (action) {
      throw new ConflictError(
        `dead letter ${seq} was already ${action.status.toLowerCase()} by ${action.action!.by} at ${action.action!.at}`,
        'DEAD_LETTER_ALREADY_HANDLED',
      );
    }
    return this.get(seq);
  }

  /**
   * Names the letter's person in the request's audit record and writes it, before the change
   * (AuditTrail.recordIntent: 503 AUDIT_UNAVAILABLE and no change if it cannot be written).
   */
  private async auditIntent(letter: Letter): Promise<void> {
    const personId = personIdIn(redactPayload(letter.data).event);
    if (personId) noteAuditSubject(personId);
    await this.audit.recordIntent();
  }

  private summary(letter: Letter, redacted = redactPayload(letter.data)): DeadLetterSummary {
    const h = letter.header;
    const { event } = redacted;
    return {
      seq: letter.seq,
      consumer: h?.get(DlqHeaders.consumer) || null,
      code: h?.get(DlqHeaders.code) || null,
      reason: h?.get(DlqHeaders.reason) || null,
      originalSubject: h?.get(DlqHeaders.originalSubject) || null,
      eventId: shown(event, 'eventId'),
      eventType: shown(event, 'eventType'),
      personId: personIdIn(event),
      deadLetteredAt: h?.get(DlqHeaders.deadLetteredAt) || letter.time.toISOString(),
      deliveryCount: intOrNull(h?.get(DlqHeaders.deliveryCount)),
      attempts: intOrNull(h?.get(DlqHeaders.attempts)),
    };
  }

  private view(letter: Letter): Omit<DeadLetterView, 'status' | 'action'> {
    let originalHeaders: Record<string, string[]> = {};
    try {
      originalHeaders = JSON.parse(
        letter.header?.get(DlqHeaders.originalHeaders) || '{}',
      ) as typeof originalHeaders;
    } catch {
      /* written by this platform; unreadable only if tampered with */
    }
    const redacted = redactPayload(letter.data);
    return {
      ...this.summary(letter, redacted),
      headers: headersOf(letter.header),
      originalHeaders,
      ...redacted,
    };
  }

  /**
   * Why replaying `letter` could start a journey for a void episode, if it could: an event opening
   * an episode older (its own instant, or when it was dead-lettered, whichever is earlier) than
   * the namespace's retention of closed workflows, less a margin. A reversal of that episode, which
   * came after it, may have left a tombstone that is gone. Unknown retention (Temporal not reached)
   * counts as past it: fail closed.
   */
  /** Why `letter` is to be discarded, not replayed, if it is ({@link REPLAY_DISCARD_ONLY}). */
  private discardOnly(letter: Letter): string | undefined {
    const { code } = this.view(letter);
    return code !== null && DISCARD_ONLY_CODES.has(code) ? discardOnlyReason(code) : undefined;
  }

  private async pastRetention(letter: Letter): Promise<string | undefined> {
    const view = this.view(letter);
    if (!view.eventType || !OPENING_EVENTS.has(view.eventType)) return undefined;
    const occurred = Date.parse(shown(view.event, 'occurredAt') ?? '');
    const since = Math.min(letter.time.getTime(), Number.isNaN(occurred) ? Infinity : occurred);
    const retentionMs = await this.retentionMs();
    const days = (ms: number) => `${Math.round((ms / 86_400_000) * 10) / 10} days`;
    const check = `check first that the liberation service does not hold the episode as void (GET /people/:id/episodes), then replay it alone with "force": true and a reason`;
    if (retentionMs === undefined)
      return `a ${view.eventType} opens an episode, and Temporal's retention of closed workflows could not be read: a reversal's tombstone of that episode cannot be relied on; ${check}`;
    const age = Date.now() - since;
    if (age <= retentionMs - RETENTION_MARGIN_MS) return undefined;
    return `a ${view.eventType} ${days(age)} old opens an episode, and Temporal keeps closed workflows ${days(retentionMs)}: a reversal's tombstone of that episode may be gone, and the replay would start a journey for a void episode; ${check}`;
  }

  /** The namespace's retention of closed workflows, read from Temporal (cached); undefined when unknown. */
  private async retentionMs(): Promise<number | undefined> {
    const cached = this.retention;
    if (cached && cached.ms !== undefined && Date.now() - cached.readAt < RETENTION_CACHE_MS)
      return cached.ms;
    if (!this.temporal) return undefined;
    try {
      const described = await this.temporal.workflowService.describeNamespace({
        namespace: this.temporal.options.namespace,
      });
      const ttl = described.config?.workflowExecutionRetentionTtl;
      const ms = ttl?.seconds === undefined || ttl.seconds === null ? undefined : Number(ttl.seconds) * 1000;
      this.retention = { ms, readAt: Date.now() };
      return ms;
    } catch (e) {
      this.logger.warn(`the namespace's retention could not be read: ${(e as Error).message}`);
      return undefined;
    }
  }

  /** Re-publishes the original payload and headers to the original subject; answers its new sequence. */
  private async republish(letter: Letter): Promise<number> {
    const view = this.view(letter);
    if (!view.originalSubject) {
      throw new ConflictError(
        `dead letter ${letter.seq} names no original subject`,
        'DEAD_LETTER_NOT_REPLAYABLE',
      );
    }
    const hdrs = natsHeaders();
    for (const [name, values] of Object.entries(view.originalHeaders)) {
      if (name.toLowerCase() === 'nats-msg-id') continue;
      for (const value of values) hdrs.append(name, value);
    }
    const originalId = view.originalHeaders['Nats-Msg-Id']?.[0] ?? view.eventId ?? 'none';
    hdrs.set('Throughcare-Replay-Of', String(letter.seq));
    // A new Nats-Msg-Id: the original is still inside the events stream's duplicate window for
    // ten minutes and the replay would be dropped as a duplicate. The same letter replayed twice
    // in that window is stored once; the journey de-duplicates on the event id beyond it.
    const ack = await jetstream(this.nc).publish(view.originalSubject, letter.data, {
      headers: hdrs,
      msgID: `replay:${letter.seq}:${originalId}`,
    });
    return ack.seq;
  }

  private async record(letter: Letter, action: Omit<DeadLetterAction, 'at'>): Promise<DeadLetterView> {
    const view = this.view(letter);
    await this.db.query(
      `INSERT INTO "${THROUGHCARE_SCHEMA}"."dead_letter_action"
         ("dlq_seq", "action", "by", "reason", "consumer", "code", "dlq_reason", "original_subject",
          "event_id", "replayed_as_seq", "headers", "payload")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT ("dlq_seq") DO NOTHING`,
      [
        letter.seq,
        action.action,
        action.by,
        action.reason,
        view.consumer,
        view.code,
        view.reason,
        view.originalSubject,
        view.eventId,
        action.replayedAsSeq,
        JSON.stringify({ headers: view.headers, originalHeaders: view.originalHeaders }),
        // The letter itself, as it was (kept for the record; answered only redacted).
        new TextDecoder().decode(letter.data),
      ],
    );
    await this.forget(letter.seq);
    this.logger.log(
      `dead letter ${letter.seq} (${view.code}) ${action.action.toLowerCase()} by ${action.by}${action.reason ? `: ${action.reason}` : ''}`,
    );
    return (await this.actionOf(letter.seq))!;
  }

  private async forget(seq: number): Promise<void> {
    const jsm = await jetstreamManager(this.nc);
    await jsm.streams.deleteMessage(Streams.deadLetter.name, seq, false).catch(() => false);
  }

  /** Which of `seqs` have a recorded action (replayed or discarded), in one query. */
  private async recorded(seqs: number[]): Promise<Set<number>> {
    const rows = (await this.db.query(
      `SELECT "dlq_seq" FROM "${THROUGHCARE_SCHEMA}"."dead_letter_action" WHERE "dlq_seq" = ANY($1::bigint[])`,
      [seqs],
    )) as Array<{ dlq_seq: string | number }>;
    return new Set(rows.map((r) => Number(r.dlq_seq)));
  }

  private async actionOf(seq: number): Promise<DeadLetterView | undefined> {
    const rows = (await this.db.query(
      `SELECT * FROM "${THROUGHCARE_SCHEMA}"."dead_letter_action" WHERE "dlq_seq" = $1`,
      [seq],
    )) as Array<{
      dlq_seq: string;
      action: 'REPLAYED' | 'DISCARDED';
      by: string;
      reason: string | null;
      at: Date;
      consumer: string | null;
      code: string | null;
      dlq_reason: string | null;
      original_subject: string | null;
      event_id: string | null;
      replayed_as_seq: string | null;
      headers: { headers: Record<string, string[]>; originalHeaders: Record<string, string[]> };
      payload: string;
    }>;
    const r = rows[0];
    if (!r) return undefined;
    const redacted: RedactedPayload = redactPayload(r.payload);
    const h = r.headers.headers;
    return {
      seq: Number(r.dlq_seq),
      consumer: r.consumer,
      code: r.code,
      reason: r.dlq_reason,
      originalSubject: r.original_subject,
      eventId: r.event_id,
      eventType: shown(redacted.event, 'eventType'),
      personId: personIdIn(redacted.event),
      deadLetteredAt: h[DlqHeaders.deadLetteredAt]?.[0] ?? r.at.toISOString(),
      deliveryCount: intOrNull(h[DlqHeaders.deliveryCount]?.[0]),
      attempts: intOrNull(h[DlqHeaders.attempts]?.[0]),
      status: r.action,
      headers: h,
      originalHeaders: r.headers.originalHeaders,
      ...redacted,
      action: {
        action: r.action,
        by: r.by,
        reason: r.reason,
        at: r.at.toISOString(),
        replayedAsSeq: r.replayed_as_seq === null ? null : Number(r.replayed_as_seq),
      },
    };
  }
}

/** The refusal of a discard-only letter's replay. */
function discardOnlyReason(code: string): string {
  return `a ${code} letter asks an operator to act (see its reason): a replay only letters it again, or, once Temporal's retention has removed the tombstone recording it, loses it; arrange the person's follow-up, then discard it (or replay it alone with "force": true and a reason)`;
}
