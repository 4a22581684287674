#!/usr/bin/env node
// Entry point for the two README commands (`npm start`, `npm test`) and the benchmarks.
// Registers the SWC TypeScript loader (decorator metadata included, which NestJS needs)
// and hands over to the TypeScript CLI in infra/src/cli.ts.
process.env.SWC_NODE_PROJECT ??= require('node:path').join(__dirname, '..', '..', 'tsconfig.json');
require('@swc-node/register');
require('../src/cli').main(process.argv.slice(2));
