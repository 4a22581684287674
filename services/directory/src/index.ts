export { AppModule } from './app.module';
export { loadDirectoryConfig, DirectoryConfigSchema, type DirectoryConfig } from './config';
