import { Audited, from, PersonalData } from '@throughcare/platform-audit';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal } from '@throughcare/platform-auth';
import { ApiQueryFromZod, ZodValidationPipe } from '@throughcare/platform-http';
import {
  DEFAULT_DUE_BACK_RULE,
  ListOverdueAbsencesQuerySchema,
  OverdueAbsencesService,
  type ListOverdueAbsencesQuery,
  type OverdueAbsencePage,
} from './overdue-absences';
import { PrisonStaff, scopeOf } from './prison-scope';

@ApiTags('temporary absences')
@PrisonStaff()
@Controller('absences/overdue')
@PersonalData()
export class OverdueAbsencesController {
  constructor(private readonly overdue: OverdueAbsencesService) {}

  @Audited({
    action: 'custody-episode.list-overdue-absences',
    kind: 'list',
    objectType: 'custody-episode',
    disclosed: from.items('personId'),
  })
  @Get()
  @ApiOperation({
    summary:
      "People out on a temporary absence (ROTL, court) past their due-back time with no return recorded, from the caller's establishments, longest overdue first",
    description: `Open absences (departure standing, no return standing, not ended by a release or transfer) past their dueBackAt (dueBackKnown true), or, ${DEFAULT_DUE_BACK_RULE}. overdueSince is when each became overdue, overdueMinutes the whole minutes since.`,
  })
  @ApiQueryFromZod(ListOverdueAbsencesQuerySchema)
  @ApiResponse({
    status: 200,
    description:
      'A page of overdue absences (each with overdueSince, dueBackKnown and overdueMinutes) and the cursor of the next one',
  })
  @ApiResponse({ status: 400, description: 'Invalid query (problem+json naming each field)' })
  list(
    @Query(new ZodValidationPipe(ListOverdueAbsencesQuerySchema, 'query')) query: ListOverdueAbsencesQuery,
    @CurrentPrincipal() principal: Principal,
  ): Promise<OverdueAbsencePage> {
    return this.overdue.list(scopeOf(principal), query);
  }
}
