import * as path from 'node:path';
import { repoRoot } from './paths';

/**
 * The application processes `npm start` (the `platform` command) runs next to the infrastructure.
 * Each is started as `node -r @swc-node/register <entry>`; HTTP apps must answer
 * GET http://127.0.0.1:<port>/health with 200 to count as ready. An entry that does not exist
 * yet is reported as "not built yet" and skipped.
 */
export interface AppDefinition {
  name: string;
  /** Entry file, relative to the repo root. */
  entry: string;
  /** HTTP port (also passed as PORT); undefined for headless workers. */
  port?: number;
}

export const apps: readonly AppDefinition[] = [
  { name: 'assessment', entry: 'services/assessment/src/main.ts', port: 3001 },
  { name: 'referral', entry: 'services/referral/src/main.ts', port: 3002 },
  { name: 'liberation', entry: 'services/liberation/src/main.ts', port: 3003 },
  { name: 'directory', entry: 'services/directory/src/main.ts', port: 3004 },
  { name: 'orchestrator', entry: 'workflows/throughcare/src/main.ts', port: 3005 },
];

export function entryPath(app: AppDefinition): string {
  return path.join(repoRoot, app.entry);
}
