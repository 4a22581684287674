export { AppModule } from './app.module';
export { loadLiberationConfig, LiberationConfigSchema, type LiberationConfig } from './config';
