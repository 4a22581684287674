// infra/ is owned by another team, so its Nx configuration lives here instead of in
// infra/package.json: the same tags and targets every other project declares for itself.
// Remove this plugin once infra/package.json carries an "nx" section.
const createNodes = [
  'infra/package.json',
  (files) =>
    files.map((file) => [
      file,
      {
        projects: {
          infra: {
            tags: ['type:infra', 'scope:platform'],
            targets: {
              lint: { command: 'eslint {projectRoot} --max-warnings 0' },
              typecheck: { command: 'tsc -p tools/nx/tsconfig.infra.json --noEmit' },
            },
          },
        },
      },
    ]),
];

module.exports = { name: 'throughcare-infra-project', createNodes };
