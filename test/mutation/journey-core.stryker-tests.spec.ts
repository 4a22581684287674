import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The bundle Stryker runs over the journey core must load every spec of the folder, properties last. */
describe('journey-core.stryker-tests.ts (the planner mutation run loads every journey spec)', () => {
  const folder = join(__dirname, '..', '..', 'workflows', 'throughcare', 'src', 'workflows', 'journey');
  const bundle = readFileSync(join(__dirname, 'journey-core.stryker-tests.ts'), 'utf8');
  const imported = [
    ...bundle.matchAll(/^import '\.\.\/\.\.\/workflows\/throughcare\/src\/workflows\/journey\/(.+)';$/gm),
  ].map((m) => `${m[1]}.ts`);

  it('imports each spec of the journey folder once', () => {
    const specs = readdirSync(folder).filter((f) => f.endsWith('.spec.ts'));
    expect([...imported].sort()).toEqual(specs.sort());
  });

  it('imports the property specs last', () => {
    const firstProperty = imported.findIndex((f) => f.endsWith('.property.spec.ts'));
    expect(imported.slice(firstProperty).every((f) => f.endsWith('.property.spec.ts'))).toBe(true);
  });
});
