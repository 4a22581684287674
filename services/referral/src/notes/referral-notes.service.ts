import { createHash, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { withIdempotency } from '@throughcare/platform-persistence';
import { decodeCursor, toPage, type Page } from '../pagination/keyset-cursor';
import { Referral } from '../referrals/referral.entity';
import {
  IdempotencyKeyReusedError,
  NoteBeforeSentError,
  NoteInFutureError,
  ReferralNotFoundError,
} from '../referrals/referral.errors';
import type { ReferralView } from '../referrals/referral.schemas';
import { CLOCK_SKEW_MS, toReferralView } from '../referrals/referral.state';
import { lockedReferral, refuseIfWithdrawn } from '../referrals/referral-lock';
import { pageOfReferrals } from '../referrals/referrals.service';
import { loadReferralFacts } from '../referrals/referral-status';
import { ReferralNote, type NoteAudience } from './referral-note.entity';
import type {
  AddNoteBody,
  ListNotesQuery,
  ListPrisonReferralsQuery,
  NoteView,
} from './referral-note.schemas';

export interface NoteRecording {
  note: NoteView;
  /** False when an Idempotency-Key retry answered the note already on record. */
  recorded: boolean;
}

/**
 * What an Idempotency-Key keeps of the first request: the note it made and what it said, the text
 * as its SHA-256 only (the key table is outside row-level security and kept apart from the notes).
 */
interface NoteKeyResult {
  noteId: string;
  referralId: string;
  audience: string;
  textSha256: string;
  writtenBy: string;
  writtenAt: string | null;
}

function keyed(referralId: string, body: AddNoteBody): Omit<NoteKeyResult, 'noteId'> {
  return {
    referralId,
    audience: body.audience,
    textSha256: createHash('sha256').update(body.text).digest('hex'),
    writtenBy: body.writtenBy,
    writtenAt: body.writtenAt ?? null,
  };
}

/** The prison staff calling: the establishments their token names. */
export interface PrisonScope {
  readonly establishments: readonly string[];
}

/**
 * Case notes, and the prison side's read of referrals: the closed loop (issue 9). An agency writes
 * notes on its own referrals, for itself or for the officer who referred; the staff of the
 * referral's prison read the referral (decisions, closure and its summary) and the notes meant
 * for them. Each check here is the service's own; row-level security is the second wall.
 */
@Injectable()
export class ReferralNotesService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Adds a note under the referral's row lock (a withdrawn referral takes no new one: consent or
   * the case is gone). With an Idempotency-Key, a retry answers the note on record, also after a
   * withdrawal; the same key with another note is IDEMPOTENCY_KEY_REUSED. Without one, every
   * request is a new note.
   */
  add(
    agencyId: string,
    referralId: string,
    body: AddNoteBody,
    context: { correlationId: string; idempotencyKey: string | undefined },
    clock: () => Date = () => new Date(),
  ): Promise<NoteRecording> {
    return this.dataSource.transaction(async (tx) => {
      // A retry of a note recorded before the referral was withdrawn answers that note: the
      // withdrawal is checked only for a new one.
      const referral = await lockedReferral(tx, agencyId, referralId);
      const now = clock();
      let recorded = false;
      const insert = async (manager: EntityManager): Promise<NoteKeyResult> => {
        refuseIfWithdrawn(referral);
        const writtenAt = body.writtenAt ? new Date(body.writtenAt) : now;
        if (writtenAt < referral.sentAt) throw new NoteBeforeSentError(writtenAt, referral.sentAt);
        if (writtenAt.getTime() > now.getTime() + CLOCK_SKEW_MS) throw new NoteInFutureError(writtenAt);
        const note: ReferralNote = {
          id: randomUUID(),
          referralId,
          agencyId: referral.agencyId,
          audience: body.audience,
          text: body.text,
          writtenBy: body.writtenBy,
          writtenAt,
          recordedAt: now,
          correlationId: context.correlationId,
        };
        await manager.getRepository(ReferralNote).insert(note);
        recorded = true;
        return { noteId: note.id, ...keyed(referralId, body) };
      };
      const result = context.idempotencyKey
        ? await withIdempotency(tx, `referral:note:${agencyId}:${context.idempotencyKey}`, insert)
        : await insert(tx);
      const sameInstant = (a: string | null, b: string | null) =>
        a === b || (a !== null && b !== null && Date.parse(a) === Date.parse(b));
      const again = keyed(referralId, body);
      const differences = [
        ...(result.referralId === referralId ? [] : ['referral']),
        ...(result.audience === body.audience ? [] : ['audience']),
        ...(result.textSha256 === again.textSha256 ? [] : ['text']),
        ...(result.writtenBy === body.writtenBy ? [] : ['writtenBy']),
        ...(sameInstant(result.writtenAt, again.writtenAt) ? [] : ['writtenAt']),
      ];
      if (differences.length > 0)
        throw new IdempotencyKeyReusedError('the note sent with this Idempotency-Key', differences);
      const note = await tx.getRepository(ReferralNote).findOneByOrFail({ id: result.noteId });
      return { note: toNoteView(note), recorded };
    });
  }

  /** The agency's notes on its referral (both audiences), in writing order. */
  async listForAgency(agencyId: string, referralId: string, query: ListNotesQuery): Promise<Page<NoteView>> {
    const referral = await this.dataSource.getRepository(Referral).findOneBy({ id: referralId, agencyId });
    if (!referral) throw new ReferralNotFoundError(referralId);
    return this.notes(referralId, query, ['AGENCY', 'REFERRER']);
  }

  /** The referrals of the caller's prisons, in sent order; by person (and episode) and status. */
  referralsForPrison(scope: PrisonScope, query: ListPrisonReferralsQuery): Promise<Page<ReferralView>> {
    return pageOfReferrals(this.dataSource.manager, query, (qb) => {
      qb.where('r.establishment_code IN (:...establishments)', { establishments: [...scope.establishments] });
      if (query.personId) qb.andWhere('r.person_id = :personId', { personId: query.personId });
      if (query.episode !== undefined) qb.andWhere('r.episode = :episode', { episode: query.episode });
      if (query.status) qb.andWhere('r.status = :status', { status: query.status });
    });
  }

  /** One referral of the caller's prisons, with its decisions and closure (and the closure's summary). */
  async referralForPrison(scope: PrisonScope, referralId: string): Promise<ReferralView> {
    const referral = await this.prisonReferral(scope, referralId);
    const { outcomes, appointments } = await loadReferralFacts(this.dataSource.manager, referralId);
    return toReferralView(referral, outcomes, appointments);
  }

  /** The notes the agency shared with the referrer (REFERRER), in writing order. */
  async notesForPrison(
    scope: PrisonScope,
    referralId: string,
    query: ListNotesQuery,
  ): Promise<Page<NoteView>> {
    await this.prisonReferral(scope, referralId);
    return this.notes(referralId, query, ['REFERRER']);
  }

  /** A referral of one of the caller's prisons, or REFERRAL_NOT_FOUND (as if another's did not exist). */
  private async prisonReferral(scope: PrisonScope, referralId: string): Promise<Referral> {
    const referral = await this.dataSource.getRepository(Referral).findOneBy({ id: referralId });
    if (!referral?.establishmentCode || !scope.establishments.includes(referral.establishmentCode))
      throw new ReferralNotFoundError(referralId);
    return referral;
  }

  private async notes(
    referralId: string,
    query: ListNotesQuery,
    audiences: NoteAudience[],
  ): Promise<Page<NoteView>> {
    const qb = this.dataSource
      .getRepository(ReferralNote)
      .createQueryBuilder('n')
      .where('n.referral_id = :referralId', { referralId })
      .andWhere('n.audience IN (:...audiences)', { audiences })
      .orderBy('n.written_at', 'ASC')
      .addOrderBy('n.id', 'ASC')
      .take(query.limit + 1);
    if (query.cursor)
      qb.andWhere('(n.written_at, n.id) > (:at::timestamptz, :id::uuid)', decodeCursor(query.cursor));
    return toPage(await qb.getMany(), query.limit, toNoteView, (n) => ({ at: n.writtenAt, id: n.id }));
  }
}

function toNoteView(note: ReferralNote): NoteView {
  return {
    id: note.id,
    referralId: note.referralId,
    agencyId: note.agencyId,
    audience: note.audience,
    text: note.text,
    writtenBy: note.writtenBy,
    writtenAt: note.writtenAt.toISOString(),
    recordedAt: note.recordedAt.toISOString(),
  };
}
