import { AssessmentAnswersController } from './assessment-answers.controller';
import { AssessmentAnswersService } from './assessment-answers.service';
import { AssessmentAnswers } from './assessment-answers.entity';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Assessment } from './assessment.entity';
import { AssessmentsController } from './assessments.controller';
import { AssessmentsService } from './assessments.service';
import { ConsentController } from './consent.controller';
import { ConsentWithdrawal } from './consent-withdrawal.entity';
import { RiskAssessmentVersion } from './risk-assessment.entity';
import { RiskAssessmentsController } from './risk-assessments.controller';
import { RiskAssessmentsService } from './risk-assessments.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([Assessment, ConsentWithdrawal, AssessmentAnswers, RiskAssessmentVersion]),
  ],
  controllers: [
    AssessmentsController,
    AssessmentAnswersController,
    ConsentController,
    RiskAssessmentsController,
  ],
  providers: [AssessmentsService, AssessmentAnswersService, RiskAssessmentsService],
  exports: [AssessmentsService],
})
export class AssessmentsModule {}
