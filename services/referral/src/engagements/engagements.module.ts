import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EngagementRequest } from './engagement-request.entity';
import { EngagementRequestsController } from './engagement-requests.controller';
import { EngagementsService } from './engagements.service';
import { PrisonEngagementRequestsController } from './prison-engagement-requests.controller';

/** Duty to engage (Bail and Release from Custody (Scotland) Act 2023 s.12): requests to named bodies. */
@Module({
  imports: [TypeOrmModule.forFeature([EngagementRequest])],
  controllers: [EngagementRequestsController, PrisonEngagementRequestsController],
  providers: [EngagementsService],
})
export class EngagementsModule {}
