import { Audited, from, NotAudited, PersonalData } from '@throughcare/platform-audit';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Access } from '@throughcare/platform-auth';
import { ApiQueryFromZod, openApiSchemaOf, ZodValidationPipe } from '@throughcare/platform-http';
import {
  FunnelFilterSchema,
  TimeToStepSchema,
  type FunnelFilter,
  type TimeToStep,
  FunnelCasesPageSchema,
  FunnelCasesQuerySchema,
  FunnelQuerySchema,
  FunnelSchema,
  FunnelSteps,
  type Funnel,
  type FunnelCasesPage,
  type FunnelCasesQuery,
  type FunnelQuery,
} from './funnel.schemas';
import { FunnelService } from './funnel.service';
import { INVALID_QUERY, UNAUTHENTICATED } from './api-responses';

/**
 * The attrition funnel (issue 11): custody episodes from reception to closure, step by step,
 * sliced by establishment, local authority, pathway, release type and period; a read model built
 * from the bus. Managers and operators only; any other role is answered 404.
 */
@ApiTags('attrition-funnel')
@ApiBearerAuth()
@Access('manager', 'operator')
@ApiResponse(UNAUTHENTICATED)
@Controller('funnel')
@PersonalData()
export class FunnelController {
  constructor(private readonly funnel: FunnelService) {}

  @NotAudited('counts of journeys per step and group: no person is named')
  @Get()
  @ApiOperation({
    summary: 'Journeys reaching each step, from reception to closure, with conversion and drop-out',
    description: `Steps, in order: ${FunnelSteps.join(' → ')}. A journey reaches a step when it reached every step before it. Engaged at 4 weeks: an appointment attended in the 28 days after release; at 12 weeks: one attended in days 57 to 84. Filters combine (AND); the cases behind a figure are at /funnel/cases.`,
  })
  @ApiQueryFromZod(FunnelQuerySchema)
  @ApiResponse({
    status: 200,
    description: 'The funnel, per group',
    schema: openApiSchemaOf(FunnelSchema) as never,
  })
  @ApiResponse(INVALID_QUERY)
  get(@Query(new ZodValidationPipe(FunnelQuerySchema, 'query')) query: FunnelQuery): Promise<Funnel> {
    return this.funnel.funnel(query);
  }

  @NotAudited('spans between steps, as counts and percentiles: no person is named')
  @Get('time-to-step')
  @ApiOperation({
    summary:
      'How long journeys take from one step to the next: count, median, 90th percentile, histogram (days)',
    description:
      'Intervals: received → core screen, → comprehensive screen, → referred; referred → accepted; released → first appointment attended after release. The same filters as /funnel.',
  })
  @ApiQueryFromZod(FunnelFilterSchema)
  @ApiResponse({
    status: 200,
    description: 'The intervals',
    schema: openApiSchemaOf(TimeToStepSchema) as never,
  })
  @ApiResponse(INVALID_QUERY)
  timeToStep(
    @Query(new ZodValidationPipe(FunnelFilterSchema, 'query')) query: FunnelFilter,
  ): Promise<TimeToStep> {
    return this.funnel.timeToStep(query);
  }

  @Audited({
    action: 'attrition-funnel.cases',
    kind: 'list',
    objectType: 'custody-episode',
    disclosed: from.items('personId'),
  })
  @Get('cases')
  @ApiOperation({
    summary: 'The journeys behind a funnel figure (pseudonymous): reached a step, or stopped before it',
    description:
      'The same filters as /funnel. `state=reached`: reached `step`; `stillOpen` / `dropped`: reached the step before and not `step`, the case open / closed. Keyset pagination: pass `nextCursor` back as `cursor`.',
  })
  @ApiQueryFromZod(FunnelCasesQuerySchema)
  @ApiResponse({
    status: 200,
    description: 'A page of journeys',
    schema: openApiSchemaOf(FunnelCasesPageSchema) as never,
  })
  @ApiResponse(INVALID_QUERY)
  cases(
    @Query(new ZodValidationPipe(FunnelCasesQuerySchema, 'query')) query: FunnelCasesQuery,
  ): Promise<FunnelCasesPage> {
    return this.funnel.cases(query);
  }
}
