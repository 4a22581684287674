export { AppModule } from './app.module';
export { loadReferralConfig, ReferralConfigSchema, type ReferralConfig } from './config';
