import { bundleWorkflowCode } from '@temporalio/worker';

const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

describe('workflow bundle', () => {
  it('bundles every workflow entry point with only deterministic imports', async () => {
    const bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('./index'), logger: quiet });
    expect(bundle.code).toContain('throughcareJourney');
    // Libraries are compiled in from their TypeScript sources through the workspace symlinks.
    expect(bundle.code).toContain('workingDayDeadline');
    expect(bundle.code).not.toMatch(/require\("(node:)?(fs|net|child_process|crypto)"\)/);
  }, 120_000);

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
