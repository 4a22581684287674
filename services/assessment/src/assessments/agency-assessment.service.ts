import { Injectable } from '@nestjs/common';
import { DataSource, IsNull, Not, type EntityManager } from 'typeorm';
import type { Pathway } from '@throughcare/contracts';
import { PATHWAY_ORDER, type PathwayOutcome } from '@throughcare/domain';
import { acrossScopes } from '@throughcare/platform-persistence';
import { AgencyReferral } from './agency-referral.entity';
import type { AgencyAssessmentView } from './agency-assessment.schemas';
import type { AssessmentAnswers } from './assessment-answers.entity';
import {
  checkSavedAnswers,
  latestAnswers,
  SavedAnswersInvalidError,
  viewOfAnswers,
} from './assessment-answers.service';
import { Assessment } from './assessment.entity';
import { EpisodeNotFoundError } from './assessment.errors';
import { episodeConsent, type EpisodeConsent } from './consent-given.service';
import { latestRisk } from './risk-assessments.service';

const NEED_REASON = 'need: ';

/**
 * The shared assessment as an agency reads it (issue 10): only while the agency holds an active
 * referral of the person's episode (sent, neither closed nor withdrawn: `agency_referral`, kept
 * from the bus) and the person's consent to voluntary throughcare is recorded and not withdrawn
 * after it (or presumed, for an episode known before the cut-over of migration 1100); only the
 * pathways those referrals cover, and the current risk of serious harm level without its
 * reasons. Anything else is answered as an unknown episode (404 EPISODE_NOT_FOUND), whether the
 * person exists, another agency holds the referral, it ended, or consent was never recorded or
 * was withdrawn; the audit record's reason names the check that refused.
 *
 * Runs under the caller's scope: row-level security (migrations 600, 700, 800, 1100) shows an
 * agency the assessment, answers and risk rows only where it holds an active referral and consent
 * stands by the same rule (`episode_consent_stands`), so this check and the database's agree. The
 * consent check itself reads unrestricted (`acrossScopes`): a withdrawal is looked for whatever the
 * agency's scope shows, so a hidden withdrawal still refuses (review M1).
 */
@Injectable()
export class AgencyAssessmentService {
  constructor(private readonly dataSource: DataSource) {}

  async read(agencyId: string, personId: string, episode: number): Promise<AgencyAssessmentView> {
    // One snapshot for the consent check and the rows read (review stop 41, N6): a withdrawal
    // committed in between cannot give a view labelled with the older basis. Reads only, so no
    // serialisation failure.
    return this.dataSource.transaction('REPEATABLE READ', async (tx) => {
      const referrals = (
        await tx.find(AgencyReferral, {
          where: { personId, episode, agencyId, endedAt: IsNull(), sentAt: Not(IsNull()) },
          order: { sentAt: 'ASC', referralId: 'ASC' },
        })
      ).filter((r) => r.decision !== 'DECLINED' && r.decision !== 'WITHDRAWN');
      if (referrals.length === 0) throw new EpisodeNotFoundError(personId, episode, 'NO_ACTIVE_REFERRAL');
      // Consent to voluntary throughcare must be recorded and not withdrawn after it (or, for an
      // episode known before the cut-over, presumed and not withdrawn). Read unrestricted: a
      // withdrawal the agency's scope cannot see still counts, a consent it cannot see is still
      // the person's (the facts are the platform's; this check only decides).
      const consent = await acrossScopes(tx, () => episodeConsent(tx, personId, episode));
      const access = accessOf(consent, agencyId);
      if (!access)
        throw new EpisodeNotFoundError(
          personId,
          episode,
          consent.state === 'PRESUMED_BEFORE_CUTOVER'
            ? 'CONSENT_NOT_PRESUMED_FOR_AGENCY'
            : `CONSENT_${consent.state}`,
        );
      const assessments = await tx.find(Assessment, {
        where: { personId, episode },
        order: { requestedAt: 'DESC', id: 'DESC' },
      });
      if (assessments.length === 0) throw new EpisodeNotFoundError(personId, episode, 'NO_ASSESSMENT');
      const covered = new Set(referrals.flatMap((r) => r.pathways ?? []));
      const { source, pathways } = await this.pathwaysOf(tx, assessments, covered);
      return {
        personId,
        episode,
        agencyId,
        referrals: referrals.map((r) => ({
          referralId: r.referralId,
          pathways: [...(r.pathways ?? [])],
          sentAt: r.sentAt!.toISOString(),
        })),
        access,
        assessment: source,
        pathways,
        needs: pathways.filter((p) => p.supportRequired).map((p) => p.pathway),
        riskOfSeriousHarm: await riskOf(tx, personId, episode, assessments),
      };
    });
  }

  /**
   * The covered pathways of the episode's latest COMPLETED assessment (a draft, e.g. a review in
   * progress, is never shown to agencies: review M3): from its latest answers when they still
   * pass the checks a completion makes (checkSavedAnswers), else from the needs its completion
   * recorded (a completion with its needs typed before answers existed, or a version saved before
   * a check existed, e.g. a skip hiding a need). Before any completion, every covered pathway is
   * NOT_STARTED.
   */
  private async pathwaysOf(
    tx: EntityManager,
    assessments: Assessment[],
    covered: Set<Pathway>,
  ): Promise<Pick<AgencyAssessmentView, 'pathways'> & { source: AgencyAssessmentView['assessment'] }> {
    const order = PATHWAY_ORDER.filter((p) => covered.has(p));
    const assessment = latestCompleted(assessments);
    if (!assessment) return { source: null, pathways: order.map((p) => pathwayView(p, undefined, false)) };
    const saved = await latestAnswers(tx, assessment.id);
    const fits = saved !== null && answersFit(assessment, saved);
    const source = {
      assessmentId: assessment.id,
      kind: assessment.kind,
      completedAt: assessment.completedAt!.toISOString(),
      // The answers the pathways are read from: none when they are read from the recorded needs.
      answersVersion: fits ? saved.version : null,
      answersRecordedAt: fits ? saved.recordedAt.toISOString() : null,
    };
    if (fits) {
      const view = viewOfAnswers(assessment, saved);
      const outcomes = new Map(view.pathways.map((o) => [o.pathway, o]));
      return {
        source,
        pathways: order.map((p) => pathwayView(p, outcomes.get(p), view.needs.includes(p))),
      };
    }
    const needs = assessment.needs ?? [];
    return {
      source,
      pathways: order.map((pathway) => ({
        pathway,
        status: needs.includes(pathway) ? 'SUPPORT_REQUIRED' : 'SUPPORT_NOT_REQUIRED',
        supportRequired: needs.includes(pathway),
        needsIndicated: [],
        skipped: null,
      })),
    };
  }
}

/**
 * What the agency's read rests on, or none (refused): recorded consent not withdrawn after it
 * (CONSENT, with the consent relied on), or the cut-over's presumption for this agency's referral
 * active at the cut-over, until its `presumed_until` (PRESUMED_BEFORE_CUTOVER). STATUTORY_SUPERVISION is modelled, not produced.
 */
function accessOf(consent: EpisodeConsent, agencyId: string): AgencyAssessmentView['access'] | null {
  switch (consent.state) {
    case 'GIVEN':
      return { basis: 'CONSENT', consentGivenAt: consent.givenAt!.toISOString() };
    case 'PRESUMED_BEFORE_CUTOVER':
      // Only an agency whose referral was active at the cut-over, until its mark passes (S2).
      return consent.presumedAgencies.includes(agencyId)
        ? { basis: 'PRESUMED_BEFORE_CUTOVER', consentGivenAt: null }
        : null;
    case 'WITHDRAWN':
    case 'NONE':
      return null;
  }
}

/** The latest completion of the episode (by when it was completed), or none. */
function latestCompleted(assessments: Assessment[]): Assessment | undefined {
  return assessments
    .filter((a) => a.completedAt !== null)
    .sort((a, b) => b.completedAt!.getTime() - a.completedAt!.getTime())[0];
}

/** Whether a saved version still passes the checks a completion makes. */
function answersFit(assessment: Assessment, saved: AssessmentAnswers): boolean {
  try {
    checkSavedAnswers(assessment, saved);
    return true;
  } catch (error) {
    if (error instanceof SavedAnswersInvalidError) return false;
    throw error;
  }
}

/** A pathway the question set does not ask (a women's pathway of a man) reads as not started. */
function pathwayView(
  pathway: Pathway,
  outcome: PathwayOutcome | undefined,
  supportRequired: boolean,
): AgencyAssessmentView['pathways'][number] {
  return {
    pathway,
    status: outcome?.status ?? 'NOT_STARTED',
    supportRequired,
    needsIndicated: (outcome?.reasons ?? [])
      .filter((r) => r.startsWith(NEED_REASON))
      .map((r) => r.slice(NEED_REASON.length)),
    skipped: outcome?.skipped ? { reason: outcome.skipped.reason } : null,
  };
}

/**
 * The latest risk assessment's level, else the episode's completed core screen's; never the reasons.
 * A risk assessment is the person's, not an episode's: it is shown only to the agencies of the
 * person's latest episode (an agency of an earlier episode gets that episode's core screen level).
 * Checked twice (review M4 of stop 37): here, against the latest episode read unrestricted with the
 * rule migration 800's row-level security uses (the highest episode of the person's assessments
 * and of the referrals the bus told of), so a bypass of row-level security (a BYPASSRLS role, a
 * policy edited later) still shows no later episode's risk; and by row-level security itself.
 */
async function riskOf(
  tx: EntityManager,
  personId: string,
  episode: number,
  assessments: Assessment[],
): Promise<AgencyAssessmentView['riskOfSeriousHarm']> {
  const risk = episode === (await latestEpisodeOf(tx, personId)) ? await latestRisk(tx, personId) : null;
  if (risk) return { level: risk.riskOfSeriousHarm, assessedOn: risk.assessedOn, source: 'RISK_ASSESSMENT' };
  const screen = assessments.find((a) => a.kind === 'CORE_SCREEN' && a.riskOfSeriousHarm !== null);
  return screen?.riskOfSeriousHarm
    ? { level: screen.riskOfSeriousHarm, assessedOn: null, source: 'CORE_SCREEN' }
    : null;
}

/** The person's latest episode as this service knows it (migration 800's LATEST_EPISODE), read unrestricted. */
async function latestEpisodeOf(tx: EntityManager, personId: string): Promise<number | null> {
  const [row] = await acrossScopes(tx, () =>
    tx.query<{ episode: number | null }[]>(
      `SELECT max(e.episode)::int AS episode FROM (
         SELECT episode FROM "assessment"."assessment" WHERE person_id = $1
         UNION ALL
         SELECT episode FROM "assessment"."agency_referral" WHERE person_id = $1
       ) e`,
      [personId],
    ),
  );
  return row?.episode ?? null;
}
