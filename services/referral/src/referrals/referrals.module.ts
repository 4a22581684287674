import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ReferralOutcome } from './referral-outcome.entity';
import { Referral } from './referral.entity';
import { ReferralLifecycleController } from './referral-lifecycle.controller';
import { ReferralsController } from './referrals.controller';
import { ReferralsService } from './referrals.service';

@Module({
  imports: [TypeOrmModule.forFeature([Referral, ReferralOutcome])],
  controllers: [ReferralLifecycleController, ReferralsController],
  providers: [ReferralsService],
  exports: [ReferralsService],
})
export class ReferralsModule {}
