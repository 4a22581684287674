import type { Pathway } from '@throughcare/contracts';
import { DomainError } from '../errors';

/**
 * Assessments as content (issue 10): each of the four assessments of the SPS Integrated Case
 * Management / Community Reintegration stages (seed 000: core screen at reception, comprehensive
 * screen, standard reviews, summary review before release) is a versioned set of questions by
 * resettlement pathway (vocabulary.md; seed 002 adds the two women-specific pathways). Needs and
 * each pathway's status are derived from the answers (`pathway-outcomes.ts`), never typed in.
 *
 * The wording is this project's own, written from what the seeds describe each stage doing; it is
 * not SPS's or HMPPS's form. A set is never edited once released: a change is a new version.
 */

export type AssessmentKindId = 'CORE_SCREEN' | 'COMPREHENSIVE_SCREEN' | 'STANDARD_REVIEW' | 'SUMMARY_REVIEW';

export type AnswerType =
  | { readonly kind: 'YES_NO' }
  /** One of the options, answered by its `value`. No released set uses it yet (v1 sets are yes/no and text). */
  | {
      readonly kind: 'CHOICE';
      readonly options: readonly { readonly value: string; readonly label: string }[];
    }
  | { readonly kind: 'TEXT'; readonly maxLength: number };

/** What a question's answer says about the pathway. */
export type QuestionRole =
  /** A yes here indicates a need on the pathway. */
  | 'NEED'
  /** "Does the person want support with this?": a no while a need is indicated is SUPPORT_DECLINED. */
  | 'WANTS_SUPPORT'
  /** Summary review: "is the support in place for release?": a yes is DONE. */
  | 'SUPPORT_IN_PLACE'
  /** Context for staff and agencies; decides nothing. */
  | 'NOTE';

export interface Question {
  /** Stable and unique across the set, e.g. `ACC_NO_ADDRESS`. */
  readonly id: string;
  readonly text: string;
  readonly answer: AnswerType;
  readonly role: QuestionRole;
  /** A required question must be answered before the pathway has a result. */
  readonly required: boolean;
  /**
   * The answers that indicate a need on this pathway (never for TEXT). When given it decides, whatever
   * the role; when absent a `NEED` question indicates a need when answered yes (`true`), as in v1.
   */
  readonly needWhen?: readonly (string | boolean)[];
}

export interface PathwayQuestions {
  readonly pathway: Pathway;
  /** Asked only of women (the women-specific pathways of seed 002). */
  readonly onlyFor?: 'FEMALE';
  readonly questions: readonly Question[];
}

export interface QuestionSet {
  readonly kind: AssessmentKindId;
  readonly version: number;
  readonly pathways: readonly PathwayQuestions[];
  readonly source: { readonly citation: string; readonly unverified: string };
}

/** The set asked for does not exist. */
export class UnknownQuestionSetError extends DomainError {
  readonly code = 'DOMAIN_UNKNOWN_QUESTION_SET';
}

const yesNo = { kind: 'YES_NO' } as const;
const note = (id: string, text: string): Question => ({
  id,
  text,
  answer: { kind: 'TEXT', maxLength: 1000 },
  role: 'NOTE',
  required: false,
});
const need = (id: string, text: string): Question => ({
  id,
  text,
  answer: yesNo,
  role: 'NEED',
  required: true,
});
const wants = (prefix: string): Question => ({
  id: `${prefix}_WANTS_SUPPORT`,
  text: 'If support is needed here, does the person want it?',
  answer: yesNo,
  role: 'WANTS_SUPPORT',
  required: true,
});
const inPlace = (prefix: string): Question => ({
  id: `${prefix}_SUPPORT_IN_PLACE`,
  text: 'Is the support needed here in place for the day of release?',
  answer: yesNo,
  role: 'SUPPORT_IN_PLACE',
  required: true,
});

/** Each pathway's questions, by the stage's purpose (seed 000 ch.3: the stages of the process). */
const CONTENT: Record<
  Pathway,
  { prefix: string; onlyFor?: 'FEMALE'; core: Question[]; deeper: Question[]; review: Question[] }
> = {
  ACCOMMODATION: {
    prefix: 'ACC',
    core: [
      need(
        'ACC_LOSES_TENANCY',
        'Is a tenancy or home at risk because of this sentence (rent, mortgage, council tenancy)?',
      ),
      need('ACC_NO_ADDRESS', 'Has the person nowhere to live on release?'),
    ],
    deeper: [
      need('ACC_NO_ADDRESS', 'Has the person nowhere settled to live on release?'),
      need(
        'ACC_UNSUITABLE',
        'Is the address they expect to go to unsuitable (overcrowded, unsafe, a victim there)?',
      ),
    ],
    review: [need('ACC_NO_ADDRESS', 'Is there still no settled address for release?')],
  },
  FINANCE_AND_ID: {
    prefix: 'FIN',
    core: [
      need(
        'FIN_BENEFITS_TO_STOP',
        'Are benefits in payment that must be stopped or changed because of custody?',
      ),
      need('FIN_DEBT', 'Are there debts or arrears the person is worried about?'),
    ],
    deeper: [
      need(
        'FIN_NO_ID',
        'Is the person without the identity documents needed to claim benefits or open a bank account?',
      ),
      need('FIN_NO_ACCOUNT', 'Is the person without a bank account to be paid into on release?'),
      need('FIN_DEBT', 'Are there debts or arrears that need advice?'),
    ],
    review: [
      need('FIN_NO_ID', 'Is the person still without identity documents or a bank account for release?'),
    ],
  },
  HEALTH: {
    prefix: 'HLT',
    core: [
      need('HLT_MEDICATION', 'Does the person take medication that must continue in custody?'),
      need('HLT_SELF_HARM', 'Has the person harmed themself or thought about it recently?'),
      need('HLT_MENTAL_HEALTH', 'Is the person in contact with mental health services, or needs to be?'),
    ],
    deeper: [
      need('HLT_NO_GP', 'Is the person without a GP to register with on release?'),
      need('HLT_MENTAL_HEALTH', 'Does the person need mental health support continued after release?'),
    ],
    review: [need('HLT_NO_GP', 'Is the person still without a GP or health care arranged for release?')],
  },
  DRUGS_AND_ALCOHOL: {
    prefix: 'DRA',
    core: [
      need('DRA_WITHDRAWAL', 'Is the person at risk of withdrawal from drugs or alcohol now?'),
      need('DRA_PRESCRIBED_OPIATE', 'Is the person on an opiate replacement prescription?'),
    ],
    deeper: [
      need(
        'DRA_PROBLEM_USE',
        'Has drug or alcohol use contributed to offending or to losing a home or work?',
      ),
      need('DRA_OVERDOSE_RISK', 'Is the person at higher risk of overdose on release (reduced tolerance)?'),
    ],
    review: [need('DRA_PROBLEM_USE', 'Does the person still need drug or alcohol support after release?')],
  },
  ATTITUDES_THINKING_AND_BEHAVIOUR: {
    prefix: 'ATB',
    core: [
      need(
        'ATB_VICTIM_CONTACT',
        'Is there a risk of contact with a victim or a protection order to respect?',
      ),
    ],
    deeper: [
      need(
        'ATB_PROGRAMME',
        'Would an offending behaviour programme or one-to-one work address the offending?',
      ),
      need('ATB_PEERS', 'Are associates likely to draw the person back into offending?'),
    ],
    review: [need('ATB_PROGRAMME', 'Is work on offending behaviour still needed, in custody or after?')],
  },
  EDUCATION_SKILLS_AND_WORK: {
    prefix: 'ESW',
    core: [need('ESW_JOB_AT_RISK', 'Is a job or a place in education at risk because of this sentence?')],
    deeper: [
      need('ESW_LITERACY', 'Does the person want or need help with reading, writing or numbers?'),
      need('ESW_NO_WORK', 'Has the person no work, training or education to go to on release?'),
    ],
    review: [need('ESW_NO_WORK', 'Is there still no work, training or education arranged for release?')],
  },
  CHILDREN_FAMILIES_AND_COMMUNITY: {
    prefix: 'CFC',
    core: [
      need(
        'CFC_DEPENDANTS',
        'Does anyone depend on the person for care (children, a relative) who now has nobody?',
      ),
      need('CFC_CONTACT', 'Does the person need help keeping contact with children or family?'),
    ],
    deeper: [
      need('CFC_CONTACT', 'Does the person need help keeping or rebuilding contact with children or family?'),
      need('CFC_SOCIAL_WORK', 'Are children of the person involved with social work services?'),
    ],
    review: [need('CFC_CONTACT', 'Is family or community support for release still to be arranged?')],
  },
  WOMEN_ABUSE_AND_VIOLENCE: {
    prefix: 'WAV',
    onlyFor: 'FEMALE',
    core: [
      need(
        'WAV_UNSAFE',
        'Has the woman been abused or hurt by a partner or family member, or is she afraid of it?',
      ),
    ],
    deeper: [
      need('WAV_SUPPORT', 'Would she like support from a service for women who have experienced abuse?'),
    ],
    review: [need('WAV_SUPPORT', 'Is support for her safety after release still to be arranged?')],
  },
  WOMEN_SEX_WORK: {
    prefix: 'WSW',
    onlyFor: 'FEMALE',
    core: [need('WSW_INVOLVED', 'Has the woman been involved in selling or exchanging sex?')],
    deeper: [need('WSW_EXIT', 'Would she like support to leave or stay safe in sex work?')],
    review: [need('WSW_EXIT', 'Is support about sex work still to be arranged for release?')],
  },
};

/** The sets' reading order (v1: as CONTENT is declared; not the enum order). */
const SET_ORDER = Object.keys(CONTENT) as Pathway[];

function setOf(kind: AssessmentKindId, stage: 'core' | 'deeper' | 'review', purpose: string): QuestionSet {
  return {
    kind,
    version: 1,
    pathways: SET_ORDER.map((pathway) => {
      const c = CONTENT[pathway];
      const questions = [
        ...c[stage],
        kind === 'SUMMARY_REVIEW' ? inPlace(c.prefix) : wants(c.prefix),
        note(
          `${c.prefix}_NOTE`,
          'Anything else agencies should know about this pathway (no names of other people)',
        ),
      ];
      return { pathway, ...(c.onlyFor ? { onlyFor: c.onlyFor } : {}), questions };
    }),
    source: {
      citation: `${purpose}; pathways: vocabulary.md "Pathways and needs" (HMPPS Resettlement Passport names) and seed 002 (the nine NOMS resettlement pathways, 8 and 9 for women)`,
      unverified:
        "The questions' wording, and which questions each stage asks, are this project's own, written from the seeds' description of each stage; they are not SPS's (Integrated Case Management) or HMPPS's form, and no claim is made about what those forms ask",
    },
  };
}

/** Every released question set. Append-only: a change is a new version (released-data.lock.json). */
export const QUESTION_SETS: readonly QuestionSet[] = [
  setOf(
    'CORE_SCREEN',
    'core',
    'The core screen at reception/induction, immediate needs: docs/domain.md "The journey" (its summary of seed 000, SPS Community Reintegration Project / Integrated Case Management); the seed 000 text held here (chapter 4) does not itself describe the core screen or number its stage',
  ),
  setOf(
    'COMPREHENSIVE_SCREEN',
    'deeper',
    'Seed 000 §4.51 (the Stage 3 Comprehensive Screen, helpful in assessing need; "delve a wee bit deeper", the staff quote after §4.48) and §4.54 (a Stage 3 meeting implies referral to CJSW)',
  ),
  setOf(
    'STANDARD_REVIEW',
    'review',
    'Seed 000 §4.51 (the Stage 4 Standard Reviews: needs that emerge as the person progresses or is ready; addiction may mask other issues at first)',
  ),
  setOf(
    'SUMMARY_REVIEW',
    'review',
    'Seed 000 §4.57 (Summary Reviews and pre-release meetings focused on reintegration) and docs/domain.md "The journey" (a summary review before release); that it checks each pathway\'s support is in place is this project\'s reading',
  ),
];

/** The set of `kind` (its latest version when none is given). */
export function questionSet(kind: AssessmentKindId, version?: number): QuestionSet {
  const sets = QUESTION_SETS.filter(
    (s) => s.kind === kind && (version === undefined || s.version === version),
  );
  const found = sets.sort((a, b) => b.version - a.version)[0];
  if (!found)
    throw new UnknownQuestionSetError(
      `No question set ${kind}${version === undefined ? '' : ` v${version}`}`,
    );
  return found;
}
