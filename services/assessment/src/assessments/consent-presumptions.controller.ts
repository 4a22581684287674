import { Audited, from, PersonalData, type AuditResolver } from '@throughcare/platform-audit';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal } from '@throughcare/platform-auth';
import { ApiQueryFromZod, openApiSchemaOf, ZodValidationPipe } from '@throughcare/platform-http';
import {
  ListPresumedCasesQuerySchema,
  PRESUMED_CASES_EXAMPLE,
  PresumedCasesPageSchema,
  type ListPresumedCasesQuery,
  type PresumedCasesPage,
} from './consent-given.schemas';
import { ConsentPresumptionsService } from './consent-presumptions.service';
import { PrisonStaffOnly } from './establishment-scope';

const problem = 'application/problem+json';

/**
 * The audit record's object: the filters asked (`establishment=<code or all>&presumedUntilBefore=
 * <instant or none>`), each value URI-encoded: the raw query (a refusal's too) cannot forge another
 * field with an `&` (review stop 43, N6).
 */
const filtersAsked: AuditResolver<string> = (ctx) => {
  const value = (name: string, absent: string) => {
    const v = ctx.query[name];
    return v === undefined ? absent : encodeURIComponent(Array.isArray(v) ? v.join(',') : String(v));
  };
  return `establishment=${value('establishment', 'all')}&presumedUntilBefore=${value('presumedUntilBefore', 'none')}`;
};

/**
 * The cut-over's presumed cases (review stop 41, M6), for the staff who seek the person's real
 * consent before the presumption lapses. Prison staff of the establishments holding the people.
 */
@ApiTags('consent')
@PrisonStaffOnly()
@Controller('consent-presumptions')
@PersonalData()
export class ConsentPresumptionsController {
  constructor(private readonly presumptions: ConsentPresumptionsService) {}

  @Audited({
    action: 'consent.presumptions.list',
    kind: 'list',
    objectType: 'consent-presumption',
    objectId: filtersAsked,
    disclosed: from.items('personId'),
  })
  @Get()
  @ApiOperation({
    summary:
      'The episodes whose consent stands only on the cut-over’s presumption (migration 1100), soonest to lapse first, one page at a time',
    description:
      'Each episode with no consent recorded and no withdrawal whose cut-over mark has not lapsed (consent state ' +
      'PRESUMED_BEFORE_CUTOVER), held at one of the caller’s establishments (the establishment of the episode’s ' +
      'latest assessment), with the agencies marked and whether each still holds an active referral. Seek the ' +
      'person’s consent and record it (POST /people/{personId}/consent) before presumedUntil: after it the agencies ' +
      'stop reading. presumedUntilBefore narrows the list to the presumptions lapsing soonest; an establishment ' +
      'outside the caller’s answers an empty page. A case leaves the list as soon as consent or a withdrawal is recorded.',
  })
  @ApiQueryFromZod(ListPresumedCasesQuerySchema)
  @ApiResponse({
    status: 200,
    description: 'A page of presumed cases',
    schema: openApiSchemaOf(PresumedCasesPageSchema) as never,
    example: PRESUMED_CASES_EXAMPLE,
  })
  @ApiResponse({
    status: 400,
    description: `Invalid query, naming each field (VALIDATION_FAILED, ${problem})`,
    example: {
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      code: 'VALIDATION_FAILED',
      errors: [
        { field: 'query.presumedUntilBefore', message: 'must be an ISO 8601 instant with a time zone' },
      ],
    },
  })
  list(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodValidationPipe(ListPresumedCasesQuerySchema, 'query')) query: ListPresumedCasesQuery,
  ): Promise<PresumedCasesPage> {
    return this.presumptions.list(principal, query);
  }
}
