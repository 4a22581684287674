import { Audited, from, PersonalData } from '@throughcare/platform-audit';
import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { apiBodyFromZod, ApiQueryFromZod, ZodValidationPipe } from '@throughcare/platform-http';
import { AgencyScoped, CallingAgency } from '../agency-scope/calling-agency.decorator';
import type { Page } from '../pagination/keyset-cursor';
import {
  ListNotificationsQuerySchema,
  MarkNotificationReadBodySchema,
  NotificationIdSchema,
  type ListNotificationsQuery,
  type MarkNotificationReadBody,
  type NotificationView,
} from './notification.schemas';
import { NotificationsService } from './notifications.service';

@ApiTags('notifications')
@AgencyScoped()
@Controller('notifications')
@PersonalData()
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Audited({
    action: 'notification.list',
    kind: 'list',
    objectType: 'notification',
    subject: from.query('personId'),
    disclosed: from.items('personId'),
  })
  @Get()
  @ApiOperation({
    summary:
      "The calling agency's inbox of plan changes (liberation date, transfer, reversal, return, consent, closure), newest first",
  })
  @ApiQueryFromZod(ListNotificationsQuerySchema)
  @ApiResponse({ status: 200, description: 'A page of notifications and the cursor of the next one' })
  @ApiResponse({ status: 400, description: 'Invalid query (problem+json naming each field)' })
  list(
    @CallingAgency() agencyId: string,
    @Query(new ZodValidationPipe(ListNotificationsQuerySchema, 'query')) query: ListNotificationsQuery,
  ): Promise<Page<NotificationView>> {
    return this.notifications.list(agencyId, query);
  }

  @Audited({
    action: 'notification.read',
    kind: 'read',
    objectType: 'notification',
    objectId: from.param('id'),
    subject: from.first(
      from.result('personId'),
      from.lookup('SELECT person_id AS value FROM referral.agency_notification WHERE id = $1', 'id'),
    ),
  })
  @Get(':id')
  @ApiOperation({ summary: 'One notification of the calling agency' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({ status: 404, description: 'No such notification for this agency (problem+json)' })
  get(
    @CallingAgency() agencyId: string,
    @Param('id', new ZodValidationPipe(NotificationIdSchema, 'id')) id: string,
  ): Promise<NotificationView> {
    return this.notifications.get(agencyId, id);
  }

  @Audited({
    action: 'notification.mark-read',
    kind: 'change',
    objectType: 'notification',
    objectId: from.param('id'),
    subject: from.first(
      from.result('personId'),
      from.lookup('SELECT person_id AS value FROM referral.agency_notification WHERE id = $1', 'id'),
    ),
  })
  @Post(':id/read')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Mark a notification read (idempotent: the first read is kept)' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiBody(apiBodyFromZod(MarkNotificationReadBodySchema))
  @ApiResponse({ status: 200, description: 'The notification, read (by the first reader when already read)' })
  @ApiResponse({ status: 400, description: 'Invalid body (problem+json naming each field)' })
  @ApiResponse({ status: 404, description: 'No such notification for this agency (problem+json)' })
  markRead(
    @CallingAgency() agencyId: string,
    @Param('id', new ZodValidationPipe(NotificationIdSchema, 'id')) id: string,
    @Body(new ZodValidationPipe(MarkNotificationReadBodySchema, 'body')) body: MarkNotificationReadBody,
  ): Promise<NotificationView> {
    return this.notifications.markRead(agencyId, id, body);
  }
}
