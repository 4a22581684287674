import { AssessmentAnswers } from './assessments/assessment-answers.entity';
import { auditSealKeyringFrom } from '@throughcare/platform-config';
import { appDatabaseFrom } from '@throughcare/platform-persistence';
import { dataConverterFrom } from '@throughcare/platform-temporal';
import { Module, type DynamicModule } from '@nestjs/common';
import { TaskQueues } from '@throughcare/contracts';
import { ActivityWorkerModule, MetricsModule, PlatformModule } from '@throughcare/platform-http';
import { createAssessmentActivities } from './assessments/assessment.activities';
import { AgencyReferral } from './assessments/agency-referral.entity';
import { Assessment } from './assessments/assessment.entity';
import { AssessmentsModule } from './assessments/assessments.module';
import { AssessmentsService } from './assessments/assessments.service';
import { ConsentGiven, ConsentPresumption } from './assessments/consent-given.entity';
import { ConsentWithdrawal } from './assessments/consent-withdrawal.entity';
import { RiskAssessmentVersion } from './assessments/risk-assessment.entity';
import { ASSESSMENT_SCHEMA, type AssessmentConfig } from './config';
import { assessmentMigrations } from './migrations';
import { accessTokenOptionsFrom } from '@throughcare/platform-auth';

@Module({})
export class AppModule {
  static forRoot(config: AssessmentConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({
          serviceName: 'assessment',
          database: {
            url: config.DATABASE_URL,
            app: appDatabaseFrom(config),
            schema: ASSESSMENT_SCHEMA,
            entities: [
              Assessment,
              ConsentWithdrawal,
              AssessmentAnswers,
              RiskAssessmentVersion,
              AgencyReferral,
              ConsentGiven,
              ConsentPresumption,
            ],
            migrations: assessmentMigrations,
            // Risk assessments are versions, and consent given or withdrawn a fact, never changed:
            // the service may not update or delete one (a deleted withdrawal would reopen access).
            appendOnly: [
              'risk_assessment',
              'consent_given',
              'consent_withdrawal',
              'consent_presumption_notice',
            ],
            // The cut-over is the migration's alone (review stop 41, M4).
            readOnly: ['consent_presumption', 'consent_cutover'],
          },
          natsUrl: config.NATS_URL,
          temporal: {
            address: config.TEMPORAL_ADDRESS,
            namespace: config.TEMPORAL_NAMESPACE,
            dataConverter: dataConverterFrom(config),
          },
          auth: accessTokenOptionsFrom(config),
          auditSeal: auditSealKeyringFrom(config),
        }),
        MetricsModule.forRoot(),
        AssessmentsModule,
        ActivityWorkerModule.register({
          taskQueue: TaskQueues.assessment,
          imports: [AssessmentsModule],
          inject: [AssessmentsService],
          useFactory: (assessments: AssessmentsService) => createAssessmentActivities(assessments),
        }),
      ],
    };
  }
}
