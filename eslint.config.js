// Flat ESLint config for the whole monorepo. Each Nx project lints itself with
// `eslint <projectRoot> --max-warnings 0`; `npm run lint` runs them all with typecheck.
const { builtinModules } = require('node:module');
const nx = require('@nx/eslint-plugin');
const tseslint = require('typescript-eslint');
const prettier = require('eslint-config-prettier');

const layer = {
  contracts: 'type:contracts',
  domain: 'type:domain',
  platform: 'type:platform',
  testing: 'type:testing',
  service: 'type:service',
  workflow: 'type:workflow',
  infra: 'type:infra',
};

// Which layers each layer may import (docs/architecture.md, "Repository layout and dependency rules").
const depConstraints = [
  { sourceTag: layer.contracts, onlyDependOnLibsWithTags: [layer.contracts] },
  { sourceTag: layer.domain, onlyDependOnLibsWithTags: [layer.domain, layer.contracts] },
  { sourceTag: layer.platform, onlyDependOnLibsWithTags: [layer.platform, layer.contracts, layer.domain] },
  {
    sourceTag: layer.testing,
    onlyDependOnLibsWithTags: [layer.testing, layer.platform, layer.contracts, layer.domain],
  },
  // Services never import another service; libs/testing only from their tests (override below).
  { sourceTag: layer.service, onlyDependOnLibsWithTags: [layer.platform, layer.contracts, layer.domain] },
  {
    sourceTag: layer.workflow,
    onlyDependOnLibsWithTags: [layer.platform, layer.contracts, layer.domain, layer.testing],
  },
  { sourceTag: layer.infra, onlyDependOnLibsWithTags: [layer.contracts, layer.platform, layer.domain] },
];

const moduleBoundaries = (constraints) => [
  'error',
  {
    enforceBuildableLibDependency: false,
    allow: [],
    depConstraints: constraints,
  },
];

// Test code: specs, and the helpers only specs import (spec-support, spec-helper, src/testing/).
const testFiles = [
  '**/*.spec.ts',
  '**/*.int.spec.ts',
  '**/*.workflow.spec.ts',
  '**/*.spec-helper.ts',
  '**/*spec-support.ts',
  '**/src/testing/**/*.ts',
];

// Node built-ins by bare name (`fs`, `fs/promises`, `process`, ...); `node:*` is banned by pattern.
const nodeBuiltins = builtinModules.filter((name) => !name.startsWith('node:'));

const nondeterministic = (why) => ({
  paths: nodeBuiltins.map((name) => ({ name, message: why })),
  patterns: [{ group: ['node:*'], message: why }],
});

const workflowMessage =
  'Workflow code must be deterministic and is bundled for the Temporal workflow sandbox: ' +
  'import only @temporalio/workflow, @throughcare/contracts and pure libraries (@throughcare/domain). ' +
  'Do I/O in an activity (see temporalio/samples-typescript, the workflow ESLint override).';

const domainMessage =
  'libs/domain is isomorphic and runs inside workflows: no Node built-ins. Pass the data in, or do it in a platform lib.';

module.exports = [
  {
    ignores: ['**/node_modules/**', '**/dist/**', '**/coverage/**', '.nx/**', '.cache/**'],
  },
  ...nx.configs['flat/base'],
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: __dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'separate-type-imports' },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          args: 'after-used',
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
        },
      ],
      '@nx/enforce-module-boundaries': moduleBoundaries(depConstraints),
    },
  },
  {
    // Plain .js files here are CommonJS (Node entry scripts, this config): require() is how they import.
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Only tests may build on libs/testing inside a service.
    files: testFiles.map((glob) => `services/${glob}`),
    rules: {
      '@nx/enforce-module-boundaries': moduleBoundaries(
        depConstraints.map((constraint) =>
          constraint.sourceTag === layer.service
            ? {
                ...constraint,
                onlyDependOnLibsWithTags: [...constraint.onlyDependOnLibsWithTags, layer.testing],
              }
            : constraint,
        ),
      ),
    },
  },
  {
    // infra/compose's spec checks docker-compose against each app's own zod config schema, so it
    // must read those schemas; infra's runtime code still may not import services or workflows.
    files: ['infra/compose/**/*.spec.ts'],
    rules: {
      '@nx/enforce-module-boundaries': moduleBoundaries(
        depConstraints.map((constraint) =>
          constraint.sourceTag === layer.infra
            ? {
                ...constraint,
                onlyDependOnLibsWithTags: [
                  ...constraint.onlyDependOnLibsWithTags,
                  layer.service,
                  layer.workflow,
                ],
              }
            : constraint,
        ),
      ),
    },
  },
  {
    files: ['workflows/**/src/workflows/**/*.ts'],
    ignores: [...testFiles, '**/journey-harness.ts', '**/__fixtures__/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nondeterministic(workflowMessage).paths,
          patterns: [
            ...nondeterministic(workflowMessage).patterns,
            {
              group: [
                '@nestjs/*',
                'typeorm',
                'typeorm/*',
                'pg',
                'pg/*',
                '@nats-io/*',
                '@temporalio/client',
                '@temporalio/worker',
                '@temporalio/activity',
                '@temporalio/testing',
                '@throughcare/platform-*',
                '@throughcare/testing',
              ],
              message: workflowMessage,
            },
          ],
        },
      ],
    },
  },
  {
    files: ['libs/domain/src/**/*.ts', 'libs/contracts/src/**/*.ts'],
    ignores: testFiles,
    rules: {
      'no-restricted-imports': ['error', nondeterministic(domainMessage)],
    },
  },
  prettier,
];
