import { goInstall } from './go-install';
import { isExecutable } from '../util';

export const TEMPORAL_CLI_VERSION = 'v1.5.1';

/**
 * Temporal CLI (dev server + operator commands). `TEMPORAL_CLI` overrides; otherwise built from
 * source with Go (no release download reachable here) into <cache>/bin/temporal-v1.5.1.
 * A cold build took 372 s on 2 cores: progress lines are logged every 20 s.
 */
export async function provisionTemporalCli(): Promise<string> {
  const override = process.env.TEMPORAL_CLI;
  if (override) {
    if (!isExecutable(override)) throw new Error(`TEMPORAL_CLI=${override} is not an executable file`);
    return override;
  }
  return goInstall({
    name: 'temporal',
    exe: 'temporal',
    pkg: 'github.com/temporalio/cli/cmd/temporal',
    version: TEMPORAL_CLI_VERSION,
    coldHint: '~6 min on 2 cores',
  });
}
