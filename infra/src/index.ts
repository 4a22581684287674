export { paths, repoRoot, cacheDir } from './paths';
export {
  startInfrastructure,
  Supervisor,
  type Infrastructure,
  type Profile,
  type StartOptions,
} from './supervisor';
export { apps, type AppDefinition } from './apps';
export { searchAttributeArgs, searchAttributeDefinitions } from './temporal/search-attributes';
export { provisionTestServer } from './provision/test-server';
