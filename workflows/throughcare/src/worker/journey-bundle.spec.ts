import * as fs from 'node:fs';
import * as path from 'node:path';
import { JOURNEY_PRELOAD_MODULES, journeyBundleOptions, ZOD_MODULE } from './journey-bundle';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const loader = require('./frozen-regexp-loader') as ((source: string) => string) & { RESET: RegExp };

/** Every file of the installed zod that webpack could bundle. */
function zodFiles(): string[] {
  const root = path.dirname(require.resolve('zod/package.json'));
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (ZOD_MODULE.test(file)) found.push(file);
    }
  };
  walk(root);
  return found;
}

describe('the journey bundle', () => {
  it('shares the contracts, the domain and zod between journeys, and runs zod through the loader', () => {
    const options = journeyBundleOptions();
    expect(options.preloadModules).toEqual(['zod', '@throughcare/contracts', '@throughcare/domain']);
    expect(JOURNEY_PRELOAD_MODULES).toEqual(options.preloadModules);
    const config = options.webpackConfigHook({ module: { rules: [{ test: /\.ts$/ }] } });
    expect(config.module?.rules).toEqual([
      { test: /\.ts$/ },
      { test: ZOD_MODULE, use: [{ loader: require.resolve('./frozen-regexp-loader') }] },
    ]);
  });

  it('loads the pending-activities interceptor per run (module state: never preloaded, so never shared)', () => {
    const options = journeyBundleOptions();
    const pending = require.resolve('../workflows/pending-activities.interceptors');
    expect(options.workflowInterceptorModules).toContain(pending);
    expect(options.preloadModules).not.toContain(pending);
    // A preloaded module importing it would share it too: none of them is this workspace's.
    expect(options.preloadModules.every((m) => !m.startsWith('.') && !m.includes('workflows'))).toBe(true);
  });

  it("rewrites every reset of a RegExp's lastIndex in zod, so a frozen pattern is never written", () => {
    let resets = 0;
    for (const file of zodFiles()) {
      const source = fs.readFileSync(file, 'utf8');
      resets += [...source.matchAll(loader.RESET)].length;
      const rewritten = loader(source);
      // Any assignment to lastIndex left is guarded by a comparison with the value it writes.
      const writes = [...rewritten.matchAll(/([\w$.]+)\.lastIndex\s*=(?!=)\s*([^;)]+)[;)]/g)];
      for (const [, target, value] of writes) {
        expect([file, value]).toEqual([file, '0']);
        expect(rewritten).toContain(`${target}.lastIndex !== 0 && (${target}.lastIndex = 0);`);
      }
    }
    // zod 4.1 resets patterns in its string checks and its url, hostname and literal schemas.
    expect(resets).toBeGreaterThan(4);
  });

  it('a rewritten reset leaves a frozen pattern alone and still resets a moved one', () => {
    const run = (pattern: RegExp, value: string) =>
      new Function(
        'def',
        'value',
        `'use strict'; ${loader('def.pattern.lastIndex = 0;')} return def.pattern.test(value);`,
      )({ pattern }, value) as boolean;
    expect(run(Object.freeze(/^[A-Z]\d{4}[A-Z]{2}$/), 'A1234BC')).toBe(true);
    expect(() =>
      new Function('def', `'use strict'; def.pattern.lastIndex = 0;`)({ pattern: Object.freeze(/x/) }),
    ).toThrow(/read only property 'lastIndex'/);
    const moved = /a/g;
    moved.test('aa');
    expect(moved.lastIndex).toBe(1);
    expect(run(moved, 'a')).toBe(true);
  });
});
