#!/usr/bin/env node
// Prebuilds the orchestrator's workflow bundle (Temporal's webpack bundler) at image build time,
// so the worker starts from a file (WORKFLOW_BUNDLE_PATH) instead of bundling TypeScript at
// every boot. The same options as the worker's boot-time fallback (worker/journey-bundle.ts): the
// journey workflows, the platform's failure converter and the modules shared by every journey.
//
//   node infra/compose/build-workflow-bundle.js [output]   (default: <repo>/dist/workflow-bundle.js)
//
// Libraries are compiled in from their TypeScript sources through the workspace symlinks
// (docs/toolchain.md), so run it from a checkout with `npm ci` done.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
// The bundle options are TypeScript (shared with the worker's boot-time fallback): compile on load.
require('@swc-node/register');
const { bundleWorkflowCode } = require('@temporalio/worker');
const { journeyBundleOptions } = require('../../workflows/throughcare/src/worker/journey-bundle');

const repoRoot = path.resolve(__dirname, '..', '..');
const output = path.resolve(process.argv[2] ?? path.join(repoRoot, 'dist', 'workflow-bundle.js'));

const quiet = () => undefined;
const logger = {
  log: quiet,
  trace: quiet,
  debug: quiet,
  info: quiet,
  warn: (message) => console.warn(message),
  error: (message) => console.error(message),
};

async function main() {
  const started = Date.now();
  const { code } = await bundleWorkflowCode({ ...journeyBundleOptions(), logger });
  fs.mkdirSync(path.dirname(output), { recursive: true });
  fs.writeFileSync(output, code);
  const kib = (Buffer.byteLength(code) / 1024).toFixed(0);
  console.log(
    `workflow bundle: ${path.relative(process.cwd(), output) || output} (${kib} KiB, ${Date.now() - started} ms)`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
