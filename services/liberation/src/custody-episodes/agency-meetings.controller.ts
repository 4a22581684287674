import { Audited, from, PersonalData } from '@throughcare/platform-audit';
import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CallingAgency } from '@throughcare/platform-auth';
import { AgencyScoped, ApiQueryFromZod, ZodValidationPipe } from '@throughcare/platform-http';
import { AgencyMeetingsService } from './agency-meetings.service';
import {
  ListAgencyMeetingsQuerySchema,
  MeetingPathSchema,
  type AgencyMeetingPage,
  type AgencyMeetingView,
  type ListAgencyMeetingsQuery,
  type MeetingPath,
} from './custody-episode.schemas';

@ApiTags('agency meetings')
@AgencyScoped('the meetings it takes part in')
@Controller('agency/meetings')
@PersonalData()
export class AgencyMeetingsController {
  constructor(private readonly meetings: AgencyMeetingsService) {}

  @Audited({
    action: 'meeting.agency-list',
    kind: 'list',
    objectType: 'meeting',
    subject: from.query('personId'),
    disclosed: from.items('personId'),
  })
  @Get()
  @ApiOperation({
    summary:
      'The custody visits and pre-release meetings the calling agency takes part in (day, prison, status), by day, one page at a time',
  })
  @ApiQueryFromZod(ListAgencyMeetingsQuerySchema)
  @ApiResponse({ status: 200, description: 'A page of meetings and the cursor of the next one' })
  @ApiResponse({ status: 400, description: 'Invalid query (problem+json naming each field)' })
  list(
    @CallingAgency() agencyId: string,
    @Query(new ZodValidationPipe(ListAgencyMeetingsQuerySchema, 'query')) query: ListAgencyMeetingsQuery,
  ): Promise<AgencyMeetingPage> {
    return this.meetings.list(agencyId, query);
  }

  @Audited({
    action: 'meeting.agency-read',
    kind: 'read',
    objectType: 'meeting',
    objectId: from.param('bookingId'),
    subject: from.result('personId'),
  })
  @Get(':bookingId')
  @ApiOperation({ summary: 'One custody visit or pre-release meeting the calling agency takes part in' })
  @ApiParam({ name: 'bookingId', format: 'uuid' })
  @ApiResponse({ status: 200, description: 'The meeting' })
  @ApiResponse({ status: 400, description: 'Invalid bookingId (problem+json)' })
  @ApiResponse({ status: 404, description: 'MEETING_NOT_FOUND (also: a meeting of another agency)' })
  get(
    @CallingAgency() agencyId: string,
    @Param(new ZodValidationPipe(MeetingPathSchema, 'path')) { bookingId }: MeetingPath,
  ): Promise<AgencyMeetingView> {
    return this.meetings.get(agencyId, bookingId);
  }
}
