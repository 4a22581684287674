import { Audited, from, PersonalData, type AuditResolver } from '@throughcare/platform-audit';
import { Controller, Get, Param } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CallingAgency } from '@throughcare/platform-auth';
import { AgencyScoped, openApiSchemaOf, ZodValidationPipe } from '@throughcare/platform-http';
import {
  AGENCY_ASSESSMENT_EXAMPLE,
  AgencyAssessmentViewSchema,
  type AgencyAssessmentView,
} from './agency-assessment.schemas';
import { AgencyAssessmentService } from './agency-assessment.service';
import { EpisodePathSchema, type EpisodePath } from './assessment.schemas';

const problem = 'application/problem+json';

/**
 * The audit record's object: `<personId>/<episode>`, and once answered what was disclosed,
 * `?agency=<calling agency>&pathways=<covered pathways, comma-separated>&assessment=<source assessment id or none>&basis=<access
 * basis>`, so the disclosure can be reconstructed (which pathways, read from which assessment, on
 * which basis, at that time). A refused read keeps `<personId>/<episode>`; its record's reason names
 * the check that refused (e.g. `EPISODE_NOT_FOUND: CONSENT_NONE`).
 */
const disclosedObject: AuditResolver<string> = (ctx) => {
  const episode = `${ctx.params['personId'] ?? ''}/${ctx.params['episode'] ?? ''}`;
  const view = ctx.result as AgencyAssessmentView | undefined;
  if (!view) return episode;
  const pathways = view.pathways.map((p) => p.pathway).join(',');
  return `${episode}?agency=${view.agencyId}&pathways=${pathways}&assessment=${view.assessment?.assessmentId ?? 'none'}&basis=${view.access.basis}`;
};

/** The shared assessment as an agency reads it (issue 10): its referrals' pathways only. */
@ApiTags('agency assessment')
@AgencyScoped('the episodes it holds an active referral of, while recorded consent stands')
@Controller('agency/people/:personId/episodes/:episode')
@PersonalData()
export class AgencyAssessmentController {
  constructor(private readonly assessments: AgencyAssessmentService) {}

  @Audited({
    action: 'assessment.agency-read',
    kind: 'read',
    objectType: 'assessment',
    objectId: disclosedObject,
    subject: from.param('personId'),
  })
  @Get('assessment')
  @ApiOperation({
    summary:
      "The episode's shared assessment for the calling agency: the pathways its active referrals cover (status, needs) and the current risk of serious harm level",
    description:
      'Only while the calling agency holds an active referral of the episode (sent, neither closed nor withdrawn, ' +
      'as the referral events on the bus say) and the person’s consent to voluntary throughcare is recorded and not ' +
      'withdrawn after it (access.basis CONSENT), or, for an episode known before consent was recorded, presumed ' +
      'and not withdrawn (access.basis PRESUMED_BEFORE_CUTOVER). ' +
      'Each covered pathway is read from the latest completed assessment of the episode (a draft is never shown): ' +
      'from its answers, or from the needs its completion recorded when the answers no longer pass the completion checks; ' +
      'other pathways, the answers themselves, free-text notes and risk reasons are never shown. ' +
      'No referral, another agency’s referral, an ended referral, no recorded consent, withdrawn consent and an unknown person all ' +
      'answer the same 404 EPISODE_NOT_FOUND.',
  })
  @ApiParam({ name: 'personId', description: 'Pseudonymous THROUGHCARE_ID' })
  @ApiParam({ name: 'episode', schema: { type: 'integer', minimum: 1 } })
  @ApiResponse({
    status: 200,
    description: 'The covered pathways and the current risk level',
    schema: openApiSchemaOf(AgencyAssessmentViewSchema) as never,
    example: AGENCY_ASSESSMENT_EXAMPLE,
  })
  @ApiResponse({
    status: 400,
    description: `Invalid path, naming each field (${problem})`,
    example: {
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      code: 'VALIDATION_FAILED',
      errors: [
        { field: 'path.personId', message: 'must be a THROUGHCARE_ID such as "p0123456789abcdef0123"' },
      ],
    },
  })
  @ApiResponse({
    status: 404,
    description: `EPISODE_NOT_FOUND: no active referral of the episode held by the calling agency, no recorded consent, consent withdrawn, or no such episode (${problem})`,
    example: {
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      code: 'EPISODE_NOT_FOUND',
      detail: 'no assessment is recorded for episode 1 of person p0123456789abcdef0123',
    },
  })
  read(
    @CallingAgency() agencyId: string,
    @Param(new ZodValidationPipe(EpisodePathSchema, 'path')) { personId, episode }: EpisodePath,
  ): Promise<AgencyAssessmentView> {
    return this.assessments.read(agencyId, personId, episode);
  }
}
