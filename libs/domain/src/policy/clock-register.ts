import type { Jurisdiction } from '@throughcare/contracts';

import { clockLender } from './policy-registry';
import type { ClockName, SlaPolicy } from './sla-policy';

/**
 * Which of the policies' clocks the journey runs, and when each applies (issue 7, finding 8:
 * "check every clock against its source and state which applies when"). A policy may carry a
 * sourced clock that no journey runs yet; this register says so, and why, instead of leaving it
 * silently unused. `docs/clocks.md` is rendered from it and the policies (`npm run docs:clocks`);
 * a test fails when the two disagree, when a policy clock has no entry, or when a version a
 * journey can hold cannot resolve a clock the journey runs; the planner's deadlines are typed
 * `JourneyClockName`, so it cannot run a clock not listed here.
 */

/** The clocks a journey records as deadlines (met, met late, breached or cancelled). */
export const JOURNEY_CLOCKS = [
  'coreScreen',
  'comprehensiveScreen',
  'referralAcknowledgement',
  'firstStandardReview',
  'standardReview',
  'summaryReview',
  'preReleaseMeeting',
  'firstAppointment',
  'missedAppointmentFollowUp',
] as const satisfies readonly ClockName[];
export type JourneyClockName = (typeof JOURNEY_CLOCKS)[number];

export interface ClockUse {
  /**
   * `DEADLINE`: the journey records it and a breach when it passes; `WINDOW`: the journey uses
   * its value as a period, with no breach; `NOT_RUN`: in the policy with its source, run by no
   * journey yet.
   */
  readonly use: 'DEADLINE' | 'WINDOW' | 'NOT_RUN';
  /** When it applies (DEADLINE, WINDOW), or why it is not run and what would run it (NOT_RUN). */
  readonly when: string;
}

export const CLOCK_REGISTER: { readonly [K in ClockName]: ClockUse } = {
  coreScreen: {
    use: 'DEADLINE',
    when: 'From reception, while in custody. Not for a liberation straight from court; cancelled when a release settles unless already breached.',
  },
  comprehensiveScreen: {
    use: 'DEADLINE',
    when: 'From reception, while in custody (policy version 2 on). Not for a liberation from court; cancelled when a release settles unless breached.',
  },
  referralAcknowledgement: {
    use: 'DEADLINE',
    when: "From the referral being sent to the community agency of the home local authority; only when the directory lists one (otherwise an attention item waits on the directory). Also, since need-referral-clocks-1, from each need's referral being sent to the agency chosen for it, owed by that agency; met by its acknowledgement (or first decision), cancelled if the journey withdraws it unanswered (a breach if overdue by then).",
  },
  firstStandardReview: {
    use: 'DEADLINE',
    when: 'From reception, once the comprehensive screen is done, while in custody, and only if it falls due before release planning opens (otherwise the summary review takes its place). Cancelled when a release settles, unless already breached.',
  },
  standardReview: {
    use: 'DEADLINE',
    when: 'Due 12 months after the completion of the review before it, under the same conditions as the first (the deadline always counted from that completion; before planner-fixes-2 only its recorded start said reception).',
  },
  summaryReview: {
    use: 'DEADLINE',
    when: 'Counted back from the liberation date; opens `releaseStageLeadDays` before it is due; on a weekend or bank holiday it falls due on the working day before (policy version 3 on). Short notice (the due day before planning could start): due the lead time after planning starts, never later than the day before liberation. In custody, not from court; cancelled when a release settles unless breached.',
  },
  preReleaseMeeting: {
    use: 'DEADLINE',
    when: 'Counted back in working days from the liberation date, with the same short-notice rule as the summary review. When the due day has passed at booking (HDC, transfer, reversal), booked once for the earliest working day left before liberation; none left: one breach and one attention item. Cancelled when a release settles unless breached.',
  },
  firstAppointment: {
    use: 'DEADLINE',
    when: 'From a release that has settled (stood the movement settle window), or at once for a liberation from court, when an agency is known: the person has needs (referred after assessment) or was liberated from court. A release with no needs runs no first-appointment clock. Every release, licence or not (see firstSupervisionMeeting).',
  },
  missedAppointmentFollowUp: {
    use: 'DEADLINE',
    when: 'From each appointment recorded as not attended after release (a missed follow-up too), when an agency is known; met by any later attendance. A follow-up appointment is booked for the last miss. England & Wales versions 1–3 lack it: borrowed from version 4 (policy-gaps-1).',
  },
  followUpWindow: {
    use: 'WINDOW',
    when: 'From release: the journey closes when it ends (earlier on consent withdrawn, recall or new sentence, or an upstream close request). No breach.',
  },
  inductionMeeting: {
    use: 'NOT_RUN',
    when: 'The platform has no induction-meeting fact; its value (10 working days) is applied to the comprehensive screen instead. Needs the assessment service’s screens (issue 10).',
  },
  designationLetter: {
    use: 'NOT_RUN',
    when: 'No designation fact (the letter to the home local authority) exists yet. Needs the community side (issue 9).',
  },
  throughcareAllocation: {
    use: 'NOT_RUN',
    when: 'The journey measures allocation as referralAcknowledgement (1 working day, seed 003); the Scottish 7-day allocation after designation needs the designation fact (issue 9).',
  },
  firstSupervisionMeeting: {
    use: 'NOT_RUN',
    when: 'Applies to a release on licence or statutory supervision only. The journey does not know the release type (no sentence model), so every release runs firstAppointment. Needs sentences (issue 10).',
  },
  addictionServiceFirstContact: {
    use: 'NOT_RUN',
    when: 'Needs a referral to an addiction service; the journey refers to the criminal-justice social work / probation team only (issue 9).',
  },
  offenderManagerFirstContact: {
    use: 'NOT_RUN',
    when: 'England & Wales: the journey runs referralAcknowledgement then firstAppointment; the 2-day contact after allocation needs an allocation fact from probation (issue 9).',
  },
  accommodationAssessment: {
    use: 'NOT_RUN',
    when: 'Needs accommodation referrals (CAS1), which the journey does not make yet (issue 9).',
  },
  accommodationAssessmentShortNotice: {
    use: 'NOT_RUN',
    when: 'As accommodationAssessment (CAS1 short notice).',
  },
  accommodationAssessmentEmergency: {
    use: 'NOT_RUN',
    when: 'As accommodationAssessment (CAS1 emergency).',
  },
  cas2AssessmentCourtBail: {
    use: 'NOT_RUN',
    when: 'Needs CAS2 accommodation referrals (issue 9).',
  },
  cas2AssessmentPrisonBail: {
    use: 'NOT_RUN',
    when: 'Needs CAS2 accommodation referrals (issue 9).',
  },
  cas2AssessmentHdc: {
    use: 'NOT_RUN',
    when: 'Needs CAS2 accommodation referrals and an HDC release type (issues 9 and 10).',
  },
};

/** The rule that turns an expected release date into the liberation date, per jurisdiction. */
export const LIBERATION_DAY_RULES: {
  readonly [K in Jurisdiction]: { readonly rule: string; readonly when: string; readonly source: string };
} = {
  SCOTLAND: {
    rule: 'A release due on a Saturday, Sunday or public holiday is brought forward to the last preceding day that is none of those (1993 Act s.27(7) as enacted). The 2023 Act s.8 rule (no Friday, no day before a public holiday, an ordinary Thursday to the Wednesday) replaces it from its commencement, which is policy data: not commenced, as far as found here.',
    when: 'Journeys that adopted scotland-release-day-1 (issue 10); before it, journeys applied s.8 as if in force. Never to a release that has happened (journey v3). Not verified: that s.8 is still not in force. It was prospective at Royal Assent (commenced by regulations under s.18(2)); the only commencement regulations found here (SSI 2025/52, Commencement No. 2) commence ss.1–4; No. 1 and any later ones were not read, and the legislation.gov.uk copy seen here predates SSI 2025/52. Where s.8 would give another day, the caveats of the answer name it, for staff to confirm. Public holidays are the Scottish bank holidays; local holidays are not modelled. s.26C lets the release come up to 2 working days earlier for re-integration (2019 Act s.49; given as a discretion, not applied).',
    source:
      'Prisoners and Criminal Proceedings (Scotland) Act 1993 s.27(7); Bail and Release from Custody (Scotland) Act 2023 s.8 (not in force); 1993 Act s.26C as amended by the Management of Offenders (Scotland) Act 2019 s.49',
  },
  ENGLAND_AND_WALES: {
    rule: 'A release due on a day that is not a working day is brought forward to the last preceding working day (not for a sentence of 5 days or less, where the length is known). A release on a working day before a non-working one may be brought forward up to two working days (a discretion, not applied).',
    when: 'Journeys that adopted ew-release-day-1 (issue 10); before it, the liberation date was the release date as given. Never to a release that has happened. Bank holidays of England & Wales; local holidays are not modelled.',
    source:
      'Criminal Justice Act 1961 s.23(3) (as amended by LASPO 2012), s.23(3B)-(3D) (Offenders (Day of Release from Detention) Act 2023 s.1)',
  },
};

const cell = (text: string) => text.replace(/\|/g, '\\|');

/** `docs/clocks.md`: every clock of the latest version of each policy, with its source and use. */
export function renderClockRegister(policies: readonly SlaPolicy[]): string {
  const latest = new Map<string, SlaPolicy>();
  for (const p of policies) if ((latest.get(p.id)?.version ?? 0) < p.version) latest.set(p.id, p);
  const lines = [
    '# Clocks: value, source and when each applies',
    '',
    'Generated from `libs/domain/src/policy/clock-register.ts` and the seed policies by',
    '`npm run docs:clocks`; a test fails when this file is out of date. `DEADLINE`: the journey',
    'records it and a breach when it passes. `WINDOW`: a period with no breach. `NOT_RUN`: in the',
    'policy with its source, not run by any journey yet (the reason says what would run it).',
    '',
    '## Liberation day',
    '',
    '| jurisdiction | rule | when | source |',
    '| --- | --- | --- | --- |',
    ...Object.entries(LIBERATION_DAY_RULES).map(
      ([j, r]) => `| ${j} | ${cell(r.rule)} | ${cell(r.when)} | ${cell(r.source)} |`,
    ),
  ];
  lines.push(
    '',
    '## Versions a journey may hold',
    '',
    'A journey keeps the version it captured (journey v2 captures version 2 or 3). A clock the journey runs that its version lacks is borrowed from the oldest later version that defines it (`withClock`, `policy-gaps-1`); the deadline names the lender.',
    '',
    '| policy | version | borrowed clocks |',
    '| --- | --- | --- |',
  );
  for (const p of [...policies]
    .filter((p) => p.version >= 2)
    .sort((a, b) => a.id.localeCompare(b.id) || a.version - b.version)) {
    const borrowed = [...JOURNEY_CLOCKS, 'followUpWindow' as const]
      .filter((c) => !p.clocks[c])
      .map((c) => {
        try {
          return `${c} from v${clockLender(p, c)?.version}`;
        } catch {
          return `${c} from none (the journey cannot plan it)`;
        }
      });
    lines.push(`| ${p.id} | ${p.version} | ${borrowed.length > 0 ? borrowed.join('; ') : '—'} |`);
  }
  for (const policy of latest.values()) {
    lines.push(
      '',
      `## ${policy.id} v${policy.version} (${policy.jurisdiction}, from ${policy.effectiveFrom})`,
      '',
      `Working day: starts ${policy.dayStart}, work after ${policy.cutOff} counts from the next working day (${cell(policy.workingHoursSource)}).`,
      '',
      '| clock | value | owed by → to | use | when | source |',
      '| --- | --- | --- | --- | --- | --- |',
    );
    for (const [name, rule] of Object.entries(policy.clocks) as [
      ClockName,
      SlaPolicy['clocks'][ClockName],
    ][]) {
      if (!rule) continue;
      const use = CLOCK_REGISTER[name];
      lines.push(
        `| ${name} | ${rule.value} ${rule.kind} | ${rule.owedBy} → ${rule.owedTo} | ${use.use} | ${cell(use.when)} | ${cell(rule.source)} |`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
