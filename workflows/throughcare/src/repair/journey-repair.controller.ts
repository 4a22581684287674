import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Audited, from, PersonalData } from '@throughcare/platform-audit';
import { Access } from '@throughcare/platform-auth';
import { ApiQueryFromZod, openApiSchemaOf, ZodValidationPipe } from '@throughcare/platform-http';
import {
  ListRepairsQuerySchema,
  RepairPageSchema,
  type ListRepairsQuery,
  type RepairPage,
} from './journey-repair.schemas';
import { JourneyRepairService } from './journey-repair.service';

/**
 * Operators: journeys their own worker could not replay, and what the orchestrator did: reset
 * (the SDK's update-ordering defect) or refused (anything else, or over a bound: an operator acts).
 * Operators only; any other role is answered 404, as if the route did not exist.
 */
@ApiTags('journey-repairs')
@ApiBearerAuth()
@Access('operator')
@ApiResponse({ status: 401, description: 'No valid access token (problem+json; WWW-Authenticate: Bearer)' })
@Controller('journey-repairs')
@PersonalData()
export class JourneyRepairController {
  constructor(private readonly repairs: JourneyRepairService) {}

  @Audited({
    action: 'journey-repair.list',
    kind: 'list',
    objectType: 'journey-repair',
    disclosed: from.items('personId'),
  })
  @Get()
  @ApiOperation({
    summary:
      'Journeys their worker could not replay, newest first: being repaired, reset (every update carried), incomplete, refused or skipped',
  })
  @ApiQueryFromZod(ListRepairsQuerySchema)
  @ApiResponse({ status: 200, schema: openApiSchemaOf(RepairPageSchema) as never, description: 'A page' })
  @ApiResponse({ status: 400, description: 'Invalid query (problem+json naming each field)' })
  list(
    @Query(new ZodValidationPipe(ListRepairsQuerySchema, 'query')) query: ListRepairsQuery,
  ): Promise<RepairPage> {
    return this.repairs.list(query);
  }
}
