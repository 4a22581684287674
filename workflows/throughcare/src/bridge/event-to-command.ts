import {
  assessmentCompletedUpdate,
  attendanceRecordedUpdate,
  agencyAttendanceRecordedUpdate,
  caseCloseRequestedUpdate,
  consentWithdrawnUpdate,
  coreScreenCompletedUpdate,
  identifierOf,
  meetingHeldUpdate,
  movementReversedUpdate,
  movementCorrectedUpdate,
  referralAcknowledgedUpdate,
  referralClosedUpdate,
  referralOutcomeUpdate,
  releaseDateChangedUpdate,
  releaseRecordedUpdate,
  returnedToCustodyUpdate,
  riskAssessedUpdate,
  gateArrangementRecordedUpdate,
  subjectFor,
  throughcareWorkflowId,
  transferredUpdate,
  Jurisdiction,
  type AssessedPathway,
  type KnownEvent,
  type KnownEventKey,
  type PersonReference,
  type ReceptionReversedTombstoneInput,
  type ThroughcareInput,
} from '@throughcare/contracts';
import {
  localAuthorityIssues,
  localDateOf,
  planningRangeIssues,
  planningRangeIssuesInEveryJurisdiction,
  type PlannedDateRole,
  type PlanningIssue,
} from '@throughcare/domain';
import type { UpdateDefinition } from '@temporalio/common';

/** A validated update of one journey, keyed by the event id (`updateId = eventId`). */
export interface UpdateCommand {
  kind: 'update';
  workflowId: string;
  update: UpdateDefinition<void, [never]>;
  arg: unknown;
  name: string;
  /**
   * The journey only shows this fact (nothing it does depends on it): when no journey is running
   * to take it (ended, or never started) or the journey predates its handler, the event is
   * acknowledged with a log line instead of dead-lettered. The service that published it keeps it.
   */
  onlyIfRunning?: true;
  /**
   * With `onlyIfRunning`: the journey's clocks depend on the fact, so only a journey that is not
   * running skips it. One that has no handler for it (an older worker answered, during a rolling
   * deploy) is retried for the bridge's horizon, then dead-lettered with the reason: never dropped.
   */
  handlerRequired?: true;
  /**
   * With `onlyIfRunning`: when no journey is running under the id, a completed tombstone is
   * started there (REJECT_DUPLICATE), so that a journey that never started never will: the
   * episode's reception (or liberation from court), replayed later, is refused as a duplicate. A
   * journey that closed already gets a tombstone run after it (ALLOW_DUPLICATE), so the episode
   * reads as void (bridge.ts, `placeTombstone`).
   */
  tombstone?: ReceptionReversedTombstoneInput;
}
export interface IgnoreCommand {
  kind: 'ignore';
  reason: string;
}
export interface StartCommand {
  kind: 'start';
  workflowId: string;
  input: ThroughcareInput;
  /**
   * A return to custody: sent to the previous episode's journey before the new episode is
   * started. A journey that does not exist or has closed is logged and skipped; a rejection is
   * dead-lettered. `ignore` says why there is no previous journey to tell.
   */
  previousEpisode?: UpdateCommand | IgnoreCommand;
  /**
   * The episode `previousEpisode` tells (an update): once that journey took the return, the new
   * episode's input names it (`ThroughcareInput.returnOf`).
   */
  returnOf?: number;
}

/** What the bridge does with one bus event. Pure: the executor talks to Temporal. */
export type BridgeCommand = StartCommand | UpdateCommand | IgnoreCommand;

/** The events the bridge turns into workflow messages; the consumer filters on exactly these. */
export const bridgedEventTypes = [
  'custody.person.received',
  'assessment.core-screen.completed',
  'referral.referral.acknowledged',
  'custody.person.released',
  'referral.appointment.attendance-recorded',
  'custody.release-date.changed',
  'assessment.assessment.completed',
  'custody.meeting.held',
  'custody.person.transferred',
  'custody.movement.reversed',
  'referral.referral.outcome-recorded',
  'referral.referral.closed',
  'assessment.consent.withdrawn',
  'throughcare.case.close-requested',
  'custody.person.liberated-from-court',
  'referral.referral-appointment.attendance-recorded',
  'assessment.risk.assessed',
  'custody.reception.reversed',
  'custody.court-liberation.reversed',
  'custody.gate-arrangement.recorded',
  'custody.movement.corrected',
] as const;
export const bridgedSubjects = bridgedEventTypes.map(subjectFor);

/**
 * The dates in each bridged event's data that the journey plans from, and how (see
 * `planningRangeIssues`). Every bridged type has an entry, so a new one must say which it has.
 */
const plannedDates: {
  readonly [T in (typeof bridgedEventTypes)[number]]: ReadonlyArray<
    readonly [field: string, role: PlannedDateRole]
  >;
} = {
  'custody.person.received': [
    ['receivedAt', 'reception'],
    ['expectedReleaseDate', 'release'],
  ],
  // The journey takes its policy from the liberation, as from a reception.
  'custody.person.liberated-from-court': [['releasedAt', 'reception']],
  'assessment.core-screen.completed': [['completedAt', 'event']],
  'referral.referral.acknowledged': [['acknowledgedAt', 'event']],
  'custody.person.released': [['releasedAt', 'event']],
  'referral.appointment.attendance-recorded': [['attendedAt', 'event']],
  'custody.release-date.changed': [
    ['expectedReleaseDate', 'release'],
    ['changedAt', 'event'],
  ],
  'assessment.assessment.completed': [['completedAt', 'event']],
  'custody.meeting.held': [['heldAt', 'event']],
  'custody.person.transferred': [['transferredAt', 'event']],
  'custody.movement.reversed': [['reversedAt', 'event']],
  // The corrected instant is planned from (a release's follow-up clocks), as the first one was.
  'custody.movement.corrected': [
    ['occurredAt', 'event'],
    ['correctedAt', 'event'],
  ],
  'referral.referral.outcome-recorded': [['decidedAt', 'event']],
  'referral.referral.closed': [['closedAt', 'event']],
  'assessment.consent.withdrawn': [['withdrawnAt', 'event']],
  'throughcare.case.close-requested': [['requestedAt', 'event']],
  'referral.referral-appointment.attendance-recorded': [['attendedAt', 'event']],
  // The day of the assessment: shown in the plan and the escalation.
  'assessment.risk.assessed': [['assessedOn', 'event']],
  // The instant the journey closes at, as for a close request.
  'custody.reception.reversed': [['reversedAt', 'event']],
  'custody.court-liberation.reversed': [['reversedAt', 'event']],
  // The date it holds for is compared with the liberation date, never planned from.
  'custody.gate-arrangement.recorded': [['recordedAt', 'event']],
};

/**
 * An event the journey could not plan: a date outside the SLA policies and bank-holiday calendar
 * this build carries, or a home local authority that is not a council of the jurisdiction.
 * Turned into a workflow message it would fail the journey's workflow task on every attempt.
 */
export class UnplannableEvent extends Error {
  constructor(
    readonly eventType: string,
    readonly issues: readonly PlanningIssue[],
  ) {
    super(`${eventType}: ${issues.map((i) => i.message).join('; ')}`);
    this.name = 'UnplannableEvent';
  }
}

/** What the journey could not plan in `event`; [] when it can (and for events it is not sent). */
export function planningIssuesOf(event: KnownEvent): PlanningIssue[] {
  const fields = (plannedDates as Partial<Record<string, (typeof plannedDates)['custody.person.received']>>)[
    event.eventType
  ];
  if (!fields) return [];
  const data = event.data as Record<string, unknown>;
  const text = (field: string) => (typeof data[field] === 'string' ? data[field] : undefined);
  const dates = fields.map(([field, role]) => ({ field: `data.${field}`, value: text(field), role }));
  const stated = Jurisdiction.safeParse(data['jurisdiction']);
  if (stated.success) {
    return [
      ...planningRangeIssues(stated.data, dates),
      ...localAuthorityIssues(stated.data, 'data.homeLocalAuthority', text('homeLocalAuthority')),
    ];
  }
  // A fact about a journey carries no jurisdiction: its dates must be plannable in every one.
  return planningRangeIssuesInEveryJurisdiction(dates);
}

/**
 * Facts published for readers (agencies' inboxes, prison staff, dashboards), not commands to a
 * journey: mostly the journey's own effects coming back. The consumer does not subscribe to
 * them; should one be delivered anyway it is acknowledged and logged, never dead-lettered.
 */
export const readerFactKeys = [
  'referral.agency.notified@1',
  'referral.agency.notified@2',
  'custody.meeting.booked@1',
  'custody.meeting.cancelled@1',
  'referral.appointment.cancelled@1',
  'referral.referral.withdrawn@1',
  'assessment.assessment.requested@1',
  // The agency set when and where it sees the person: for dashboards and the case's other
  // readers (the journey's clocks follow attendance, not the schedule).
  'referral.appointment.scheduled@1',
  // An appointment an agency books against its referral: for prison staff and dashboards (the
  // journey's clocks follow its attendance, bridged).
  'referral.referral-appointment.booked@1',
  // The liberation date moved away from the gate arrangement's: for the prison's and the collecting
  // agency's systems. The journey derives the same from the release-date change it is told and the
  // arrangement recorded (bridged), so it is not sent this too (gate-reconfirmation-1).
  'custody.gate-arrangement.reconfirmation-needed@1',
] as const satisfies readonly KnownEventKey[];

/** An event that names no person, or names a journey it cannot be sent to (dead-lettered UNROUTABLE_EVENT). */
export class UnroutableEvent extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnroutableEvent';
  }
}

/**
 * The pseudonymous person id of an event: the THROUGHCARE_ID identifier when the publisher
 * knew it, else derived from the prison number (NOMS) so an upstream system need not know it.
 */
export function personIdOf(ref: PersonReference, derive: (prisonNumber: string) => string): string {
  const known = identifierOf(ref, 'THROUGHCARE_ID');
  if (known) return known;
  const noms = identifierOf(ref, 'NOMS');
  if (noms) return derive(noms);
  throw new UnroutableEvent('personReference has neither a THROUGHCARE_ID nor a NOMS identifier');
}

const update = <A>(def: UpdateDefinition<void, [A]>, workflowId: string, arg: A): UpdateCommand => ({
  kind: 'update',
  workflowId,
  update: def as unknown as UpdateDefinition<void, [never]>,
  arg,
  name: def.name,
});

/**
 * The person's sex for the directory's eligibility, when the event has it. Never the date of
 * birth, even from an upstream system's version 1: the liberation service keeps it (recording the
 * same movement) and tells the journey the age on the day it chooses an agency.
 */
const eligibilityFactsOf = (d: { sex?: ThroughcareInput['sex'] }): Pick<ThroughcareInput, 'sex'> =>
  d.sex !== undefined ? { sex: d.sex } : {};

/**
 * Each pathway's status, when the assessment was answered by questions (optional within v1): left
 * out, not `undefined`, when the event has none, so a typed completion's update is unchanged.
 */
const pathwaysOf = (d: { pathways?: AssessedPathway[] }): { pathways?: AssessedPathway[] } =>
  d.pathways !== undefined ? { pathways: d.pathways } : {};

/**
 * An update for a fact the service that published it keeps: a journey that is not running skips
 * it with a log line; with `handlerRequired`, one whose worker has no handler for it does not.
 */
const updateIfRunning = <A>(
  def: UpdateDefinition<void, [A]>,
  workflowId: string,
  arg: A,
  how: Pick<UpdateCommand, 'handlerRequired' | 'tombstone'> = {},
): UpdateCommand => ({ ...update(def, workflowId, arg), onlyIfRunning: true, ...how });

/**
 * The workflow message for one bus event. Throws {@link UnroutableEvent} when it names no person
 * (or a return to custody names no episode before it to tell) and {@link UnplannableEvent} when
 * the journey could not plan it: neither may reach a workflow.
 */
export function commandFor(event: KnownEvent, derive: (prisonNumber: string) => string): BridgeCommand {
  const personId = personIdOf(event.personReference, derive);
  const issues = planningIssuesOf(event);
  if (issues.length > 0) throw new UnplannableEvent(event.eventType, issues);
  switch (event.eventType) {
    case 'custody.person.received': {
      const d = event.data;
      const workflowId = throughcareWorkflowId(personId, d.episode);
      const input: ThroughcareInput = {
        personId,
        episode: d.episode,
        jurisdiction: d.jurisdiction,
        establishmentCode: d.establishmentCode,
        homeLocalAuthority: d.homeLocalAuthority,
        receivedAt: d.receivedAt,
        sentenceDate: d.sentenceDate,
        sentenceLengthDays: d.sentenceLengthDays,
        expectedReleaseDate: d.expectedReleaseDate,
        correlationId: event.correlationId,
        ...eligibilityFactsOf(d),
      };
      if (!d.returnToCustody) {
        if (d.previousEpisode !== undefined)
          throw new UnroutableEvent(
            `data.previousEpisode (${d.previousEpisode}) is given only with returnToCustody: no journey is told of a return`,
          );
        return { kind: 'start', workflowId, input };
      }
      // Recall or new sentence: the previous episode's journey hears of it first (it closes and
      // hands its history on), then the new episode is started as for any reception. The previous
      // episode is the one the event names (the liberation service names the released episode,
      // past any received in error since), else the one numbered before.
      const before = d.previousEpisode ?? d.episode - 1;
      if (d.previousEpisode !== undefined && d.previousEpisode >= d.episode)
        throw new UnroutableEvent(
          `data.previousEpisode (${d.previousEpisode}) is not an episode before episode ${d.episode}: no journey to tell of the return`,
        );
      const previousEpisode: UpdateCommand | IgnoreCommand =
        before >= 1
          ? update(returnedToCustodyUpdate, throughcareWorkflowId(personId, before), {
              reason: d.returnToCustody.reason,
              recallReasonCode: d.returnToCustody.recallReasonCode,
              receivedAt: d.receivedAt,
              establishmentCode: d.establishmentCode,
              expectedReleaseDate: d.expectedReleaseDate,
              sentenceDate: d.sentenceDate,
              sentenceLengthDays: d.sentenceLengthDays,
              newEpisode: d.episode,
              eventId: event.eventId,
            })
          : { kind: 'ignore', reason: 'a return to custody in episode 1 has no previous episode to tell' };
      return {
        kind: 'start',
        workflowId,
        input,
        previousEpisode,
        ...(previousEpisode.kind === 'update' ? { returnOf: before } : {}),
      };
    }
    case 'custody.person.liberated-from-court': {
      const d = event.data;
      // The journey never uses the sentence and release dates on this path (follow-up starts at
      // once from releasedAt); they are filled only because ThroughcareInput requires them.
      const releasedOn = localDateOf(new Date(d.releasedAt));
      return {
        kind: 'start',
        workflowId: throughcareWorkflowId(personId, d.episode),
        input: {
          personId,
          episode: d.episode,
          jurisdiction: d.jurisdiction,
          establishmentCode: d.establishmentCode,
          homeLocalAuthority: d.homeLocalAuthority,
          // No reception for this episode: the person is known to throughcare from the liberation.
          receivedAt: d.releasedAt,
          sentenceDate: releasedOn,
          sentenceLengthDays: 1,
          expectedReleaseDate: releasedOn,
          correlationId: event.correlationId,
          liberatedFromCourt: {
            releasedAt: d.releasedAt,
            legalStatus: d.legalStatus,
            eventId: event.eventId,
          },
          ...eligibilityFactsOf(d),
        },
      };
    }
    case 'assessment.core-screen.completed':
      return update(coreScreenCompletedUpdate, throughcareWorkflowId(personId, event.data.episode), {
        assessmentId: event.data.assessmentId,
        needs: event.data.needs,
        riskOfSeriousHarm: event.data.riskOfSeriousHarm,
        completedAt: event.data.completedAt,
        eventId: event.eventId,
        ...pathwaysOf(event.data),
      });
    case 'referral.referral.acknowledged':
      return update(referralAcknowledgedUpdate, throughcareWorkflowId(personId, event.data.episode), {
        referralId: event.data.referralId,
        acknowledgedAt: event.data.acknowledgedAt,
        acknowledgedBy: event.data.acknowledgedBy,
        eventId: event.eventId,
      });
    case 'custody.person.released':
      return update(releaseRecordedUpdate, throughcareWorkflowId(personId, event.data.episode), {
        releasedAt: event.data.releasedAt,
        establishmentCode: event.data.establishmentCode,
        eventId: event.eventId,
      });
    case 'referral.appointment.attendance-recorded':
      return update(attendanceRecordedUpdate, throughcareWorkflowId(personId, event.data.episode), {
        appointmentId: event.data.appointmentId,
        attendance: event.data.attendance,
        attendedAt: event.data.attendedAt,
        reason: event.data.reason,
        eventId: event.eventId,
      });
    case 'custody.release-date.changed':
      return update(releaseDateChangedUpdate, throughcareWorkflowId(personId, event.data.episode), {
        expectedReleaseDate: event.data.expectedReleaseDate,
        reason: event.data.reason,
        changedAt: event.data.changedAt,
        eventId: event.eventId,
      });
    case 'assessment.assessment.completed':
      return update(assessmentCompletedUpdate, throughcareWorkflowId(personId, event.data.episode), {
        assessmentId: event.data.assessmentId,
        kind: event.data.kind,
        needs: event.data.needs,
        completedAt: event.data.completedAt,
        eventId: event.eventId,
        ...pathwaysOf(event.data),
      });
    case 'custody.meeting.held':
      return update(meetingHeldUpdate, throughcareWorkflowId(personId, event.data.episode), {
        bookingId: event.data.bookingId,
        kind: event.data.kind,
        heldAt: event.data.heldAt,
        eventId: event.eventId,
      });
    case 'custody.person.transferred':
      return update(transferredUpdate, throughcareWorkflowId(personId, event.data.episode), {
        toEstablishmentCode: event.data.toEstablishmentCode,
        transferredAt: event.data.transferredAt,
        eventId: event.eventId,
      });
    case 'custody.movement.reversed':
      return update(movementReversedUpdate, throughcareWorkflowId(personId, event.data.episode), {
        movement: event.data.movement,
        reversedEventId: event.data.reversedEventId,
        reversedAt: event.data.reversedAt,
        eventId: event.eventId,
      });
    case 'custody.movement.corrected': {
      // A release or transfer corrected in place (movement-correction-1): a running journey plans
      // from the corrected facts; one that has ended skips it with a log line (the custody record
      // holds the correction). An older worker with no handler (a rolling deploy) is retried, then
      // dead-lettered: never dropped.
      const { episode, movement, correctedEventId, version, reason, correctedAt, occurredAt } = event.data;
      return updateIfRunning(
        movementCorrectedUpdate,
        throughcareWorkflowId(personId, episode),
        {
          movement,
          correctedEventId,
          version,
          reason,
          correctedAt,
          occurredAt,
          previousOccurredAt: event.data.previousOccurredAt,
          ...(event.data.toEstablishmentCode !== undefined
            ? {
                toEstablishmentCode: event.data.toEstablishmentCode,
                previousToEstablishmentCode: event.data.previousToEstablishmentCode,
              }
            : {}),
          eventId: event.eventId,
        },
        { handlerRequired: true },
      );
    }
    case 'referral.referral.outcome-recorded':
      return update(referralOutcomeUpdate, throughcareWorkflowId(personId, event.data.episode), {
        referralId: event.data.referralId,
        decision: event.data.decision,
        decidedAt: event.data.decidedAt,
        reason: event.data.reason,
        eventId: event.eventId,
      });
    case 'referral.referral.closed':
      // Agencies close cases after the journey's follow-up has ended: the referral service holds the closure.
      return updateIfRunning(referralClosedUpdate, throughcareWorkflowId(personId, event.data.episode), {
        referralId: event.data.referralId,
        outcome: event.data.outcome,
        closedAt: event.data.closedAt,
        eventId: event.eventId,
      });
    case 'assessment.consent.withdrawn':
      return update(consentWithdrawnUpdate, throughcareWorkflowId(personId, event.data.episode), {
        withdrawnAt: event.data.withdrawnAt,
        eventId: event.eventId,
      });
    case 'throughcare.case.close-requested':
      return update(caseCloseRequestedUpdate, throughcareWorkflowId(personId, event.data.episode), {
        reason: event.data.reason,
        requestedAt: event.data.requestedAt,
        note: event.data.note,
        eventId: event.eventId,
      });
    case 'referral.referral-appointment.attendance-recorded':
      // An agency records attendance after the journey's follow-up may have ended: the referral
      // service holds it, and a journey that ended has no clock to meet. A running one needs it.
      return updateIfRunning(
        agencyAttendanceRecordedUpdate,
        throughcareWorkflowId(personId, event.data.episode),
        {
          referralId: event.data.referralId,
          appointmentId: event.data.appointmentId,
          agencyId: event.data.agencyId,
          attendance: event.data.attendance,
          attendedAt: event.data.attendedAt,
          reason: event.data.reason,
          eventId: event.eventId,
        },
        { handlerRequired: true },
      );
    case 'assessment.risk.assessed': {
      // The assessment service keeps every version: a journey that has ended (or never started)
      // skips it with a log line. A running one re-plans from it, so an older worker with no
      // handler (a rolling deploy) is retried, then dead-lettered: never dropped.
      const { episode, ...risk } = event.data;
      const arg = { ...risk, eventId: event.eventId };
      return updateIfRunning(riskAssessedUpdate, throughcareWorkflowId(personId, episode), arg, {
        handlerRequired: true,
      });
    }
    case 'custody.gate-arrangement.recorded': {
      // The prison's record of the gate arrangement (a code for who collects, never a name): a
      // journey that has ended (or never started) skips it with a log line; a running one keeps the
      // latest version (gate-reconfirmation-1). An older worker with no handler (a rolling deploy) is
      // retried, then dead-lettered: never dropped.
      const { episode, ...gate } = event.data;
      return updateIfRunning(
        gateArrangementRecordedUpdate,
        throughcareWorkflowId(personId, episode),
        { ...gate, eventId: event.eventId },
        { handlerRequired: true },
      );
    }
    case 'custody.reception.reversed':
    case 'custody.court-liberation.reversed': {
      // The record that opened the episode (its reception, or its liberation from court) was made
      // in error: the journey closes early (withdraws referrals, cancels bookings, tells agencies)
      // as for any early closure, with reason RECEIVED_IN_ERROR. Nothing free-text crosses the bus
      // (the note stays in the liberation service). A journey that is not running has nothing to
      // close: the liberation service keeps the reversal. One that never started must never start
      // (its reception or liberation may be replayed later, from a dead letter): a tombstone takes
      // its workflow id. A running one must close: an older worker whose journey refuses the reason
      // (a rolling deploy) dead-letters it with the refusal, for replay; never dropped.
      // Both name the instant of the opening they reverse (a reception's from its reversal, when
      // the event has it; a liberation's always): the journey refuses a reversal of another
      // opening under its number (REVERSAL_MISMATCH), and the tombstone keeps it, so an opening
      // that finds the tombstone later is told from the reversed one (RECEPTION_TOMBSTONED).
      const receivedAt =
        event.eventType === 'custody.court-liberation.reversed'
          ? event.data.releasedAt
          : event.data.receivedAt;
      const opened = receivedAt !== undefined ? { receivedAt } : {};
      return updateIfRunning(
        caseCloseRequestedUpdate,
        throughcareWorkflowId(personId, event.data.episode),
        {
          reason: 'RECEIVED_IN_ERROR',
          requestedAt: event.data.reversedAt,
          eventId: event.eventId,
          ...opened,
        },
        {
          handlerRequired: true,
          tombstone: {
            episode: event.data.episode,
            reversedAt: event.data.reversedAt,
            reversalEventId: event.eventId,
            ...opened,
          },
        },
      );
    }
    default:
      return { kind: 'ignore', reason: `${event.eventType}@${event.version} is not bridged to workflows` };
  }
}
