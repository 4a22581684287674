import { bundleWorkflowCode } from '@temporalio/worker';
import { RECEPTION_REVERSED_TOMBSTONE_TYPE } from '@throughcare/contracts';
import * as workflows from './index';

const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

describe('workflow bundle', () => {
  it('bundles every workflow entry point with only deterministic imports', async () => {
    const bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('./index'), logger: quiet });
    expect(bundle.code).toContain('throughcareJourney');
    // The bridge starts it under a journey's id when a reception is reversed before its journey starts.
    expect(bundle.code).toContain(RECEPTION_REVERSED_TOMBSTONE_TYPE);
    // Libraries are compiled in from their TypeScript sources through the workspace symlinks.
    expect(bundle.code).toContain('workingDayDeadline');
    expect(bundle.code).not.toMatch(/require\("(node:)?(fs|net|child_process|crypto)"\)/);
  }, 120_000);

  it('registers the reception-reversed tombstone under the type name the bridge starts', () => {
    expect(Object.keys(workflows)).toContain(RECEPTION_REVERSED_TOMBSTONE_TYPE);
  });

  it('fails when a workflow file imports a Node built-in', async () => {
    const errors: string[] = [];
    const capturing = { ...quiet, error: (message: string) => void errors.push(message) };
    await expect(
      bundleWorkflowCode({
        workflowsPath: require.resolve('./__fixtures__/forbidden-import.workflow'),
        logger: capturing,
      }),
    ).rejects.toThrow(/Webpack finished with errors/);
    expect(errors.join('\n')).toMatch(/node:fs/);
  }, 120_000);
});
