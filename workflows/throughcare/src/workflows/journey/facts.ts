import { ApplicationFailure } from '@temporalio/common';
import {
  ErrorTypes,
  Pathway,
  PathwaySkipReason,
  PathwayStatus,
  type AgencyAttendanceRecorded,
  type AssessmentCompleted,
  type AttendanceRecorded,
  type AttentionResolution,
  type CaseCloseRequested,
  type ConsentWithdrawn,
  type CoreScreenCompleted,
  type GateArrangementRecorded,
  type MeetingHeld,
  type NeedStopped,
  type MovementReversed,
  type MovementCorrected,
  type ReferralAcknowledged,
  type ReferralClosed,
  type ReferralOutcome,
  type ReleaseDateChanged,
  type ReleaseRecorded,
  type ReturnedToCustody,
  type RiskAssessed,
  type ThroughcareInput,
  type Transferred,
} from '@throughcare/contracts';
import { planningRangeIssues } from '@throughcare/domain';
import type { JourneyState } from './journey-state';
import { refuseReversalOfAnotherOpening } from './opening';
import { needDecided, needTryOf } from './outcomes';
import { iso, risesBetween, type PlanContext, type Planner } from './planner';

/**
 * The journey's facts: for each update, how it is validated (synchronously, before it is
 * accepted: a refusal is an `ApplicationFailure` the caller sees) and how it is recorded in the
 * state. Pure over (context, planner, state, now): the workflow registers them as update handlers,
 * the property tests apply them to a simulated journey.
 */
export interface FactRule<T extends { eventId: string }> {
  validate(fact: T): void;
  apply(fact: T): void;
}

/** A fact refused for good (the sender must not retry it as it is). */
export const reject = (message: string): never => {
  throw ApplicationFailure.create({ type: ErrorTypes.validation, message, nonRetryable: true });
};
/**
 * Refuses, for now, a fact about something the journey has not recorded yet (a booking whose
 * creating activity result is still in flight): the sender should try again shortly.
 */
export const notYet = (message: string): never => {
  throw ApplicationFailure.create({ type: ErrorTypes.notYetKnown, message, nonRetryable: true });
};

/** Whether the fact `eventId` was already recorded. */
export const seen = (s: JourneyState, eventId: string) => s.seenEventIds.includes(eventId);
/** Remembers `eventId`; false when it was already known (the fact is then ignored). */
export function firstTime(s: JourneyState, v3: boolean, eventId: string): boolean {
  if (seen(s, eventId)) return false;
  s.seenEventIds.push(eventId);
  // Since v3 every event id is kept for the journey's life (a few hundred facts at most).
  if (!v3 && s.seenEventIds.length > 500) s.seenEventIds.shift();
  return true;
}

/**
 * Validates and records one fact as an update handler would: a duplicate (same event id) is
 * accepted and ignored. Returns whether it changed the state.
 */
export function tell<T extends { eventId: string }>(
  s: JourneyState,
  v3: boolean,
  rule: FactRule<T>,
  fact: T,
): boolean {
  if (seen(s, fact.eventId)) return false;
  rule.validate(fact);
  if (!firstTime(s, v3, fact.eventId)) return false;
  rule.apply(fact);
  return true;
}

export function createFacts(
  ctx: PlanContext,
  p: Planner,
  s: JourneyState,
  now: () => number,
  finishing: () => boolean = () => false,
) {
  const { input, v3 } = ctx;
  /** Refuses a fact carrying a date no policy or calendar of this build can plan (the journey would be stuck). */
  const plannable = (dates: Parameters<typeof planningRangeIssues>[1]): void => {
    const issues = planningRangeIssues(input.jurisdiction, dates);
    if (issues.length > 0) reject(issues.map((i) => i.message).join('; '));
  };
  const notBefore = (what: string, at: string, base: string, baseName: string): void => {
    if (Date.parse(at) < Date.parse(base)) reject(`${what} (${at}) is before ${baseName} (${base})`);
  };
  const open = () => {
    if (s.closedAt || p.closingReason()) reject(`case is closed (${p.closingReason() ?? 'closed'})`);
  };

  const resolveAttention: FactRule<AttentionResolution> = {
    validate: (f) => {
      const item = s.attention.find((a) => a.id === f.itemId);
      if (!item)
        throw ApplicationFailure.create({
          type: ErrorTypes.notFound,
          message: `no attention item ${f.itemId} in this journey`,
          nonRetryable: true,
        });
      if (item.status !== 'OPEN') reject(`attention item ${f.itemId} is already resolved`);
      if (!item.options.includes(f.option))
        reject(`attention item ${f.itemId} offers ${item.options.join(' or ')}, not ${f.option}`);
      if (f.option === 'SKIP' && !f.reason?.trim()) reject('skipping a step needs a reason');
      if (!f.by.trim()) reject('the operator resolving the item must be named (by)');
      if (finishing()) reject('the journey is finishing: its open items are closed with it');
    },
    apply: (f) => {
      const item = s.attention.find((a) => a.id === f.itemId)!;
      item.status = 'RESOLVED';
      item.resolution = { option: f.option, by: f.by, reason: f.reason, at: f.resolvedAt };
      s.attentionUnrecorded.push(item.id);
    },
  };

  /**
   * Refuses completion pathways that cannot be shown or acted on: not a list, an entry without a
   * known pathway or status, a skip without a known reason, or a pathway listed twice (which of
   * the two would stand?). The workflow's shape check comes first; this is the journey's own wall
   * for the simulation and for anything it lets through.
   */
  const validPathways = (what: string, pathways: unknown): void => {
    if (pathways === undefined) return;
    if (!Array.isArray(pathways)) return reject(`${what}: pathways must be a list`);
    const listed = new Set<string>();
    pathways.forEach((entry: unknown, i) => {
      const e = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
      if (!Pathway.options.includes(e['pathway'] as Pathway))
        reject(`${what}: pathways.${i}.pathway ${JSON.stringify(e['pathway'])} is not a pathway`);
      if (!PathwayStatus.options.includes(e['status'] as PathwayStatus))
        reject(`${what}: pathways.${i}.status ${JSON.stringify(e['status'])} is not a pathway status`);
      const skipped = e['skipped'] as { reason?: unknown } | undefined;
      if (
        skipped !== undefined &&
        (typeof skipped !== 'object' ||
          skipped === null ||
          !PathwaySkipReason.options.includes(skipped.reason as PathwaySkipReason))
      )
        reject(`${what}: pathways.${i}.skipped must have a known reason`);
      const pathway = e['pathway'] as string;
      if (listed.has(pathway)) reject(`${what}: ${pathway} is listed twice in pathways`);
      listed.add(pathway);
    });
  };

  const coreScreenCompleted: FactRule<CoreScreenCompleted> = {
    validate: (f) => {
      validPathways('core screen completion', f.pathways);
      notBefore('core screen completion', f.completedAt, input.receivedAt, 'reception');
      const req = s.requests.find((r) => r.kind === 'CORE_SCREEN');
      if (req && f.assessmentId !== req.assessmentId)
        reject(`assessment ${f.assessmentId} is not this episode's core screen (${req.assessmentId})`);
    },
    apply: (f) => {
      s.coreScreen ??= f;
    },
  };

  const assessmentCompleted: FactRule<AssessmentCompleted> = {
    validate: (f) => {
      validPathways(`${f.kind} completion`, f.pathways);
      const req = s.requests.find((r) => r.assessmentId === f.assessmentId);
      if (!req) notYet(`assessment ${f.assessmentId} is not one this episode requested (yet)`);
      if (req && req.kind !== f.kind)
        reject(`assessment ${f.assessmentId} is a ${req.kind}, not a ${f.kind}`);
      if (s.assessments.some((a) => a.assessmentId === f.assessmentId))
        reject(`assessment ${f.assessmentId} is already completed`);
      notBefore('assessment completion', f.completedAt, input.receivedAt, 'reception');
    },
    apply: (f) => {
      s.assessments.push(f);
    },
  };

  /** A fact about a referral this episode did not send: not known yet before its first, else rejected. */
  const unknownReferral = (referralId: string): never => {
    if (!s.referralId) notYet('no referral has been sent in this episode (yet)');
    return reject(`referral ${referralId} is not this episode's referral (${s.referralId})`);
  };

  const referralAcknowledged: FactRule<ReferralAcknowledged> = {
    validate: (f) => {
      const need = needTryOf(s, f.referralId);
      if (need) {
        if (need.withdrawnAt) reject(`referral ${f.referralId} was withdrawn`);
        notBefore('acknowledgement', f.acknowledgedAt, need.chosenAt, 'the referral');
      } else {
        if (f.referralId !== s.referralId) unknownReferral(f.referralId);
        if (s.referralWithdrawn) reject(`referral ${f.referralId} was withdrawn`);
      }
      notBefore('acknowledgement', f.acknowledgedAt, input.receivedAt, 'reception');
    },
    apply: (f) => {
      const need = needTryOf(s, f.referralId);
      if (need) need.acknowledgedAt ??= f.acknowledgedAt;
      else s.acknowledgement ??= f;
    },
  };

  const referralOutcome: FactRule<ReferralOutcome> = {
    validate: (f) => {
      const need = needTryOf(s, f.referralId);
      if (!need && f.referralId !== s.referralId) unknownReferral(f.referralId);
      const sentAt = need ? need.chosenAt : s.referralSentAt;
      notBefore('referral outcome', f.decidedAt, sentAt ?? input.receivedAt, 'the referral');
    },
    apply: (f) => {
      if (needTryOf(s, f.referralId))
        needDecided(s, f.referralId, {
          decision: f.decision,
          decidedAt: f.decidedAt,
          ...(f.reason !== undefined ? { reason: f.reason } : {}),
        });
      else s.outcomes.push(f);
    },
  };

  /**
   * The agency closed a case it took on. The referral service admits a closure only after an
   * acceptance and never on a withdrawn referral, so the journey records it as told (its own
   * withdrawal may be in flight: the service then leaves the closed case as it is). The view shows
   * it; the journey's actions do not depend on it.
   */
  const referralClosed: FactRule<ReferralClosed> = {
    validate: (f) => {
      const need = needTryOf(s, f.referralId);
      if (!need && f.referralId !== s.referralId) unknownReferral(f.referralId);
      const sentAt = need ? need.chosenAt : s.referralSentAt;
      notBefore('referral closure', f.closedAt, sentAt ?? input.receivedAt, 'the referral');
    },
    apply: (f) => {
      const closure = { outcome: f.outcome, closedAt: f.closedAt };
      const need = needTryOf(s, f.referralId);
      if (need) need.closure ??= closure;
      else s.referralClosure ??= closure;
    },
  };

  const releaseRecorded: FactRule<ReleaseRecorded> = {
    validate: (f) => {
      open();
      notBefore('release', f.releasedAt, input.receivedAt, 'reception');
      plannable([{ field: 'releasedAt', value: f.releasedAt, role: 'event' }]);
      if (s.release) reject(`release already recorded at ${s.release.releasedAt}`);
    },
    apply: (f) => {
      s.release = { ...f, settlesAt: iso(Math.max(now(), Date.parse(f.releasedAt)) + ctx.settleMs) };
    },
  };

  const releaseDateChanged: FactRule<ReleaseDateChanged> = {
    validate: (f) => {
      open();
      if (s.release) reject(`already released at ${s.release.releasedAt}`);
      if (f.expectedReleaseDate < input.receivedAt.slice(0, 10))
        reject(`expected release date ${f.expectedReleaseDate} is before reception (${input.receivedAt})`);
      plannable([{ field: 'expectedReleaseDate', value: f.expectedReleaseDate, role: 'release' }]);
    },
    apply: (f) => {
      s.dateChanges.push(f);
      s.expectedReleaseDate = f.expectedReleaseDate;
    },
  };

  const transferred: FactRule<Transferred> = {
    validate: (f) => {
      open();
      if (s.release) reject(`already released at ${s.release.releasedAt}`);
      if (f.toEstablishmentCode === p.reportedEstablishment())
        reject(`already at ${f.toEstablishmentCode}: a transfer must change the establishment`);
      notBefore('transfer', f.transferredAt, input.receivedAt, 'reception');
      plannable([{ field: 'transferredAt', value: f.transferredAt, role: 'event' }]);
    },
    apply: (f) => {
      s.transfers.push({ ...f, from: p.reportedEstablishment(), settlesAt: iso(now() + ctx.settleMs) });
    },
  };

  const movementReversed: FactRule<MovementReversed> = {
    validate: (f) => {
      open();
      if (f.movement === 'RELEASE') {
        if (s.release?.eventId !== f.reversedEventId)
          reject(`no release ${f.reversedEventId} in this episode`);
        if (s.release?.fromCourt) reject('a liberation from court cannot be reversed here');
      } else {
        const last = s.transfers[s.transfers.length - 1];
        if (!s.transfers.some((t) => t.eventId === f.reversedEventId))
          reject(`no transfer ${f.reversedEventId} in this episode`);
        if (last?.eventId !== f.reversedEventId)
          reject(`transfer ${f.reversedEventId} was followed by another movement: reverse that first`);
      }
    },
    apply: (f) => {
      if (f.movement === 'RELEASE') {
        s.reversals.push({
          eventId: f.reversedEventId,
          movement: 'RELEASE',
          at: f.reversedAt,
          reversedAfterSettling: p.released(),
        });
        s.release = undefined;
      } else {
        const t = s.transfers.pop()!;
        s.reversals.push({
          eventId: t.eventId,
          movement: 'TRANSFER',
          at: f.reversedAt,
          reversedAfterSettling: p.settled(t.settlesAt),
          to: t.toEstablishmentCode,
        });
      }
    },
  };

  const movementCorrected: FactRule<MovementCorrected> = {
    // A release or transfer of this episode corrected in place (`movement-correction-1`). Checked as
    // its first recording was (after reception; a transfer changes the establishment); a version
    // older than one applied is a redelivery and changes nothing.
    validate: (f) => {
      open();
      // An older version than one applied is ignored by `apply`: never refused for facts since
      // superseded (review stop 43b, N1).
      const applied = (s.corrections ?? []).filter((c) => c.eventId === f.correctedEventId).at(-1);
      if (applied && f.version <= applied.version) return;
      plannable([
        { field: 'occurredAt', value: f.occurredAt, role: 'event' },
        { field: 'correctedAt', value: f.correctedAt, role: 'event' },
      ]);
      if (f.movement === 'RELEASE') {
        if (s.release?.eventId !== f.correctedEventId)
          reject(`no release ${f.correctedEventId} in this episode`);
        if (s.release?.fromCourt) reject('a liberation from court is not corrected here');
        if (f.toEstablishmentCode !== undefined) reject('a release has no destination to correct');
        notBefore('release', f.occurredAt, input.receivedAt, 'reception');
        return;
      }
      const at = s.transfers.findIndex((t) => t.eventId === f.correctedEventId);
      if (at < 0) reject(`no transfer ${f.correctedEventId} in this episode`);
      const t = s.transfers[at]!;
      const to = f.toEstablishmentCode ?? t.toEstablishmentCode;
      if (to === t.from) reject(`the transfer was from ${to}: a transfer must change the establishment`);
      const next = s.transfers[at + 1];
      if (next && next.toEstablishmentCode === to)
        reject(`the next transfer (${next.eventId}) is to ${to}: a transfer must change the establishment`);
      notBefore('transfer', f.occurredAt, input.receivedAt, 'reception');
    },
    apply: (f) => {
      const applied = (s.corrections ?? []).filter((c) => c.eventId === f.correctedEventId).at(-1);
      if (applied && f.version <= applied.version) return;
      if (f.movement === 'RELEASE') {
        const release = s.release!;
        (s.corrections ??= []).push({
          eventId: f.correctedEventId,
          movement: 'RELEASE',
          version: f.version,
          correctedAt: f.correctedAt,
          occurredAt: f.occurredAt,
          previousOccurredAt: release.releasedAt,
          told: Date.parse(release.settlesAt) <= now(),
        });
        release.releasedAt = f.occurredAt;
        // A release still settling settles from its corrected instant, as it would have (N2).
        if (Date.parse(release.settlesAt) > now())
          release.settlesAt = iso(Math.max(now(), Date.parse(f.occurredAt)) + ctx.settleMs);
        return;
      }
      const at = s.transfers.findIndex((t) => t.eventId === f.correctedEventId);
      const t = s.transfers[at]!;
      const to = f.toEstablishmentCode ?? t.toEstablishmentCode;
      (s.corrections ??= []).push({
        eventId: f.correctedEventId,
        movement: 'TRANSFER',
        version: f.version,
        correctedAt: f.correctedAt,
        occurredAt: f.occurredAt,
        previousOccurredAt: t.transferredAt,
        to,
        previousTo: t.toEstablishmentCode,
      });
      // The next transfer left from where the person really was.
      const next = s.transfers[at + 1];
      if (next && next.from === t.toEstablishmentCode) next.from = to;
      t.transferredAt = f.occurredAt;
      t.toEstablishmentCode = to;
      if (Date.parse(t.settlesAt) > now())
        t.settlesAt = iso(Math.max(now(), Date.parse(f.occurredAt)) + ctx.settleMs);
    },
  };

  const meetingHeld: FactRule<MeetingHeld> = {
    validate: (f) => {
      const b = s.bookings.find((x) => x.bookingId === f.bookingId);
      if (!b) notYet(`booking ${f.bookingId} is not known to this episode (yet)`);
      if (b && b.kind !== 'CJSW_VISIT' && b.kind !== 'PRE_RELEASE_MEETING')
        reject(`booking ${f.bookingId} is not a visit or meeting of this episode`);
      if (b && b.kind !== f.kind) reject(`booking ${f.bookingId} is a ${b.kind}, not a ${f.kind}`);
      if (b && b.status === 'CANCELLED')
        reject(`booking ${f.bookingId} was cancelled (${b.cancelledBecause})`);
      notBefore('meeting', f.heldAt, input.receivedAt, 'reception');
    },
    apply: (f) => {
      // v3: a meeting known to be held from a compensation's answer takes the fact's own time.
      const known = v3 ? s.meetingsHeld.find((m) => m.bookingId === f.bookingId) : undefined;
      if (known) Object.assign(known, f);
      else s.meetingsHeld.push(f);
      const b = s.bookings.find((x) => x.bookingId === f.bookingId);
      if (b) b.status = 'HELD';
    },
  };

  const attendanceRecorded: FactRule<AttendanceRecorded> = {
    validate: (f) => {
      const b = s.bookings.find((x) => x.bookingId === f.appointmentId);
      if (!b) notYet(`appointment ${f.appointmentId} is not known to this episode (yet)`);
      if (b && b.kind !== 'FIRST_APPOINTMENT' && b.kind !== 'FOLLOW_UP_APPOINTMENT')
        reject(`appointment ${f.appointmentId} is not an appointment of this episode`);
      if (b?.status === 'CANCELLED')
        reject(`appointment ${f.appointmentId} was cancelled (${b.cancelledBecause})`);
      if (f.attendance === 'NO' && !f.reason) reject('a missed appointment needs a reason');
      if (s.release) notBefore('attendance', f.attendedAt, s.release.releasedAt, 'release');
    },
    apply: (f) => {
      s.attendances.push(f);
      const b = s.bookings.find((x) => x.bookingId === f.appointmentId);
      if (b) b.status = 'HELD';
    },
  };

  /**
   * Attendance at an appointment an agency booked itself against one of this episode's referrals.
   * The referral service records one attendance per appointment; the journey keeps each as told
   * (the clocks read them since `agency-appointments-1`). A closed case still takes it: the view
   * shows it and nothing is started.
   */
  const agencyAttendanceRecorded: FactRule<AgencyAttendanceRecorded> = {
    validate: (f) => {
      const need = needTryOf(s, f.referralId);
      if (!need && f.referralId !== s.referralId) unknownReferral(f.referralId);
      const holder = need ? need.agencyId : s.agencyId;
      if (holder !== f.agencyId)
        reject(`referral ${f.referralId} is held by agency ${holder ?? '(none)'}, not ${f.agencyId}`);
      if (f.attendance === 'NO' && !f.reason) reject('a missed appointment needs a reason');
      const known = (s.agencyAttendances ?? []).find((a) => a.appointmentId === f.appointmentId);
      if (known)
        reject(
          `appointment ${f.appointmentId} already has attendance ${known.attendance} at ${known.attendedAt}`,
        );
      const sentAt = need ? need.chosenAt : s.referralSentAt;
      notBefore('attendance', f.attendedAt, sentAt ?? input.receivedAt, 'the referral');
      plannable([{ field: 'attendedAt', value: f.attendedAt, role: 'event' }]);
    },
    apply: (f) => {
      (s.agencyAttendances ??= []).push(f);
    },
  };

  const riskAssessed: FactRule<RiskAssessed> = {
    // Risk is the person's, recorded whenever staff assess it: any version is accepted (the shape
    // is checked before), at any stage. Versions may arrive out of order (redelivery): an older
    // version than the latest kept changes nothing, and each event id is applied once.
    validate: () => undefined,
    apply: (f) => {
      const kept = s.risks ?? [];
      const latest = kept[kept.length - 1];
      if (latest && f.version <= latest.version) return;
      const { rises: told, ...risk } = f;
      // Against the version the journey holds (the domain's comparison); the first it hears of
      // carries the assessment service's comparison with the person's version before.
      const rises = latest ? risesBetween(latest, f) : [...told];
      s.risks = [...kept, { ...risk, rises, recordedAt: iso(now()) }];
    },
  };

  const gateArrangementRecorded: FactRule<GateArrangementRecorded> = {
    // The prison's record, kept whatever the stage (the shape is checked before): versions may
    // arrive out of order (redelivery), an older one than the one kept changes nothing.
    validate: () => undefined,
    apply: ({ eventId: _eventId, ...gate }) => {
      if (s.gate && gate.version <= s.gate.version) return;
      s.gate = gate;
    },
  };

  const consentWithdrawn: FactRule<ConsentWithdrawn> = {
    validate: (f) => {
      // A repeat (a withdrawal after consent given again, assessment migration 1100) is a no-op:
      // the journey already closed on the first, and keeps it (review stop 41, M3). Validators are
      // not replayed, so no patch.
      if (s.consentWithdrawn) return;
      open();
      notBefore('consent withdrawal', f.withdrawnAt, input.receivedAt, 'reception');
    },
    apply: (f) => {
      s.consentWithdrawn ??= f;
    },
  };

  const needStopped: FactRule<NeedStopped> = {
    validate: (f) => {
      open();
      if (!p.perNeed())
        reject('this journey refers its needs as one referral (started before referral-per-need-1)');
      if (!p.needs().includes(f.pathway))
        reject(
          `${f.pathway} is not an assessed need of this episode (needs: ${p.needs().join(', ') || 'none'})`,
        );
      const known = s.needStops?.find((x) => x.pathway === f.pathway);
      // The same stop again (a retried request that lost its answer): accepted, changing nothing.
      if (known?.reason === f.reason) return;
      if (known)
        reject(
          `the ${f.pathway} need was stopped already, at ${known.stoppedAt} by ${known.stoppedBy}, for another reason`,
        );
      if (p.needStopped(f.pathway))
        reject(`the ${f.pathway} need is not referred already (its choice or gap was skipped)`);
      if (!f.reason.trim()) reject('stopping a need needs a reason');
      if (f.reason.length > 2000) reject('the reason is longer than 2000 characters');
      if (!f.stoppedBy.trim()) reject('whoever stops the need must be named (stoppedBy)');
      notBefore('the need stopped', f.stoppedAt, input.receivedAt, 'reception');
    },
    apply: (f) => {
      if (!s.needStops?.some((x) => x.pathway === f.pathway)) (s.needStops ??= []).push(f);
    },
  };

  const caseCloseRequested: FactRule<CaseCloseRequested> = {
    validate: (f) => {
      // A reversal of another reception under this episode's number first: whatever the state,
      // it is not about this journey (REVERSAL_MISMATCH, dead-lettered by the bridge).
      refuseReversalOfAnotherOpening(input, f);
      open();
      // Its instant decides which overdue clocks were breached before the closure.
      notBefore('case closure', f.requestedAt, input.receivedAt, 'reception');
    },
    apply: (f) => {
      s.closeRequested ??= f;
    },
  };

  const returnedToCustody: FactRule<ReturnedToCustody> = {
    validate: (f) => {
      open();
      if (!s.release) reject('not released: a return to custody needs a release first');
      // Usually the next number; later when the episodes between were received in error (void:
      // the liberation service numbers past them, and vouches that the return follows this one).
      if (f.newEpisode <= input.episode)
        reject(`the return to custody opens a later episode than ${input.episode}, not ${f.newEpisode}`);
      // Started again because the return into `reversedEpisode` was reversed: a return into that
      // episode (or one before it) is a late copy of the void reception (reviews of stop 39, S3).
      // Not replayed (a validator), so no patch.
      if (input.resumed && f.newEpisode <= input.resumed.reversedEpisode)
        throw ApplicationFailure.create({
          type: ErrorTypes.returnReversed,
          message: `the return to custody into episode ${f.newEpisode} was reversed as recorded in error (${input.resumed.reversedAt}); this journey was started again after it: a late copy of that reception is not a return`,
          nonRetryable: true,
        });
      if (s.release) notBefore('return to custody', f.receivedAt, s.release.releasedAt, 'release');
      plannable([
        { field: 'receivedAt', value: f.receivedAt, role: 'reception' },
        { field: 'expectedReleaseDate', value: f.expectedReleaseDate, role: 'release' },
      ]);
    },
    apply: (f) => {
      s.returned ??= f;
    },
  };

  /**
   * A reception signalled again for this episode: a person held on remand (journey already
   * running) and liberated straight from court. Returns whether it changed the state.
   */
  const receivedAgain = (again: ThroughcareInput): boolean => {
    // What the reception says of the person and the input did not (no change of plan by itself:
    // the directory is asked with it from the next choice on).
    if (input.sex === undefined && again.sex !== undefined && s.personFacts?.sex === undefined)
      s.personFacts = { ...s.personFacts, sex: again.sex };
    if (
      input.dateOfBirth === undefined &&
      again.dateOfBirth !== undefined &&
      s.personFacts?.dateOfBirth === undefined
    )
      s.personFacts = { ...s.personFacts, dateOfBirth: again.dateOfBirth };
    const court = again.liberatedFromCourt;
    if (!court || s.release || s.closedAt || !firstTime(s, v3, court.eventId)) return false;
    s.release = {
      releasedAt: court.releasedAt,
      establishmentCode: p.reportedEstablishment(),
      eventId: court.eventId,
      settlesAt: court.releasedAt,
      fromCourt: true,
    };
    return true;
  };

  return {
    resolveAttention,
    coreScreenCompleted,
    assessmentCompleted,
    referralAcknowledged,
    referralOutcome,
    referralClosed,
    releaseRecorded,
    releaseDateChanged,
    transferred,
    movementReversed,
    meetingHeld,
    attendanceRecorded,
    agencyAttendanceRecorded,
    riskAssessed,
    gateArrangementRecorded,
    movementCorrected,
    consentWithdrawn,
    needStopped,
    caseCloseRequested,
    returnedToCustody,
    receivedAgain,
  };
}

export type Facts = ReturnType<typeof createFacts>;
