import { createPlatformTablesMigration } from '@throughcare/platform-persistence';
import { ASSESSMENT_SCHEMA } from '../config';
import { CreateAssessment1700000000100 } from './1700000000100-create-assessment';
import { AssessmentKindsAndConsent1700000000200 } from './1700000000200-assessment-kinds-and-consent';
import { RowLevelSecurity1700000000300 } from './1700000000300-row-level-security';
import { AssessmentAnswers1700000000400 } from './1700000000400-assessment-answers';
import { RiskAssessment1700000000500 } from './1700000000500-risk-assessment';
import { AgencyReferral1700000000600 } from './1700000000600-agency-referral';
import { AgencyReferralDecision1700000000700 } from './1700000000700-agency-referral-decision';
import { AgencyReadConsent1700000000800 } from './1700000000800-agency-read-consent';
import { AssessmentPersonSex1700000000900 } from './1700000000900-assessment-person-sex';
import { AssessmentAnswersRequired1700000001000 } from './1700000001000-assessment-answers-required';
import { ConsentGiven1700000001100 } from './1700000001100-consent-given';
import { ConsentPresumptionNotice1700000001200 } from './1700000001200-consent-presumption-notice';

/** In order. The platform tables (outbox, idempotency keys) come first in every service. */
export const assessmentMigrations = [
  createPlatformTablesMigration(ASSESSMENT_SCHEMA),
  CreateAssessment1700000000100,
  AssessmentKindsAndConsent1700000000200,
  RowLevelSecurity1700000000300,
  AssessmentAnswers1700000000400,
  RiskAssessment1700000000500,
  AgencyReferral1700000000600,
  AgencyReferralDecision1700000000700,
  AgencyReadConsent1700000000800,
  AssessmentPersonSex1700000000900,
  AssessmentAnswersRequired1700000001000,
  ConsentGiven1700000001100,
  ConsentPresumptionNotice1700000001200,
];
