import { AssessmentAnswersController } from './assessment-answers.controller';
import { AssessmentAnswersService } from './assessment-answers.service';
import { AssessmentAnswers } from './assessment-answers.entity';
import { Module } from '@nestjs/common';
import { AgencyAssessmentController } from './agency-assessment.controller';
import { AgencyAssessmentService } from './agency-assessment.service';
import { AgencyReferral } from './agency-referral.entity';
import { AgencyReferralsConsumer, AgencyReferralsProjector } from './agency-referrals.consumer';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Assessment } from './assessment.entity';
import { AssessmentsController } from './assessments.controller';
import { AssessmentsService } from './assessments.service';
import { ConsentController } from './consent.controller';
import { ConsentGiven, ConsentPresumption } from './consent-given.entity';
import { ConsentGivenController } from './consent-given.controller';
import { ConsentGivenService } from './consent-given.service';
import { ConsentPresumptionsController } from './consent-presumptions.controller';
import { ConsentPresumptionsService } from './consent-presumptions.service';
import { ConsentWithdrawal } from './consent-withdrawal.entity';
import { RiskAssessmentVersion } from './risk-assessment.entity';
import { RiskAssessmentsController } from './risk-assessments.controller';
import { RiskAssessmentsService } from './risk-assessments.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([
      Assessment,
      ConsentWithdrawal,
      AssessmentAnswers,
      RiskAssessmentVersion,
      AgencyReferral,
      ConsentGiven,
      ConsentPresumption,
    ]),
  ],
  controllers: [
    AssessmentsController,
    AssessmentAnswersController,
    ConsentController,
    ConsentGivenController,
    ConsentPresumptionsController,
    RiskAssessmentsController,
    AgencyAssessmentController,
  ],
  providers: [
    AssessmentsService,
    AssessmentAnswersService,
    RiskAssessmentsService,
    AgencyAssessmentService,
    ConsentGivenService,
    // The cut-over's presumed cases, and the audit record of its marking (review stop 41, M6).
    ConsentPresumptionsService,
    // Agencies' referrals, from the bus: who may read which pathways (issue 10).
    AgencyReferralsProjector,
    AgencyReferralsConsumer,
  ],
  exports: [AssessmentsService],
})
export class AssessmentsModule {}
