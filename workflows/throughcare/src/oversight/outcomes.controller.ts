import { NotAudited, PersonalData } from '@throughcare/platform-audit';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Access } from '@throughcare/platform-auth';
import { ApiQueryFromZod, openApiSchemaOf, ZodValidationPipe } from '@throughcare/platform-http';
import {
  ReconvictionQueryObject,
  ReconvictionQuerySchema,
  ReconvictionSchema,
  type Reconviction,
  type ReconvictionQuery,
} from './outcomes.schemas';
import { OutcomesService } from './outcomes.service';
import { INVALID_QUERY, UNAUTHENTICATED } from './api-responses';

/**
 * Outcome measures (issue 11): reconviction after release, the rate, how quickly, how often, how
 * seriously, by where, how released, which need and which agency's services the person received.
 * A read model of the bus (`justice.person.reconvicted` and the funnel's releases). Managers and
 * operators only; any other role is answered 404.
 */
@ApiTags('outcomes')
@ApiBearerAuth()
@Access('manager', 'operator')
@ApiResponse(UNAUTHENTICATED)
@Controller('outcomes')
@PersonalData()
export class OutcomesController {
  constructor(private readonly outcomes: OutcomesService) {}

  @NotAudited('counts and rates per group of releases: no person is named')
  @Get('reconviction')
  @ApiOperation({
    summary:
      'Reconviction within the window after release: rate, time to first offence, frequency, seriousness',
    description:
      'The cohort: releases whose window (windowYears after the release day) and the 6 months after it have ended by asOf; a liberation from court only with releaseType=FROM_COURT. A conviction counts when its offence was committed on or after the release day and within the window, and it was made within the window and 6 months, by asOf, and belongs to the latest release before its offence; one for an offence committed before the release is not counted (excludedOffencesBeforeRelease says how many). Groups: where released from, home area, jurisdiction, release type, year of release (the trend), need, agency received.',
  })
  @ApiQueryFromZod(ReconvictionQueryObject)
  @ApiResponse({
    status: 200,
    description: 'The groups',
    schema: openApiSchemaOf(ReconvictionSchema) as never,
  })
  @ApiResponse(INVALID_QUERY)
  reconviction(
    @Query(new ZodValidationPipe(ReconvictionQuerySchema, 'query')) query: ReconvictionQuery,
  ): Promise<Reconviction> {
    return this.outcomes.reconviction(query);
  }
}
