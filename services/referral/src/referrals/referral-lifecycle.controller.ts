import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { NoPersonalData } from '@throughcare/platform-audit';
import { AgencyScoped } from '../agency-scope/calling-agency.decorator';
import {
  REFERRAL_LIFECYCLE,
  REFERRAL_STATUSES,
  type ReferralActor,
  type ReferralTransition,
} from './referral.lifecycle';

export interface ReferralLifecycleView {
  statuses: readonly string[];
  initial: string;
  /** Every action: who takes it, the statuses it is allowed from, where it leads and how to call it. */
  transitions: ReferralTransition[];
  actors: Record<ReferralActor, string>;
}

/** The referral lifecycle table as data, for agencies building against the API. */
@ApiTags('referrals')
@AgencyScoped()
@NoPersonalData('the referral lifecycle table: statuses and actions, never a person')
@Controller('referrals/lifecycle')
export class ReferralLifecycleController {
  @Get()
  @ApiOperation({
    summary:
      "The referral lifecycle: each action, who may take it, the statuses it is allowed from and the status it leads to (a referral's allowedActions come from it; a refused action answers 409 TRANSITION_NOT_ALLOWED)",
  })
  @ApiResponse({ status: 200, description: 'The transition table' })
  lifecycle(): ReferralLifecycleView {
    return {
      statuses: REFERRAL_STATUSES,
      initial: 'AWAITING_ACKNOWLEDGEMENT',
      transitions: [...REFERRAL_LIFECYCLE],
      actors: {
        AGENCY: 'the agency the referral was sent to, through this API',
        REFERRER: 'the journey, for the prison and the justice social work team that referred',
      },
    };
  }
}
