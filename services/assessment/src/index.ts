export { AppModule } from './app.module';
export { loadAssessmentConfig, AssessmentConfigSchema, type AssessmentConfig } from './config';
