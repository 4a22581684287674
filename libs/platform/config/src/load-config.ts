import type { z } from 'zod';
import { ConfigError } from './config-error';

type Env = Record<string, string | undefined>;

/**
 * Validates the environment against `schema` and returns the typed config, or throws a
 * `ConfigError` listing every missing or bad variable at once (fail fast at boot).
 * Values are never echoed: they may be secrets.
 */
export function loadConfig<S extends z.ZodObject>(schema: S, env: Env = process.env): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.map(String).join('.') || '(environment)';
    const missing = issue.path.length > 0 && env[String(issue.path[0])] === undefined;
    return missing ? `${name}: missing` : `${name}: ${issue.message}`;
  });
  throw new ConfigError(problems);
}
