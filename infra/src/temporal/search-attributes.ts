import { SEARCH_ATTRIBUTE_CLI_TYPES as CLI_TYPE, SearchAttributes } from '@throughcare/contracts';

/**
 * Custom search attributes, derived from the contract (`SearchAttributes` in
 * @throughcare/contracts) so workflow code and the server registration cannot drift.
 */
export function searchAttributeDefinitions(): { name: string; type: string }[] {
  return Object.values(SearchAttributes).map((key) => ({ name: key.name, type: CLI_TYPE[key.type] }));
}

/** `--search-attribute Name=Type` pairs for `temporal server start-dev`. */
export function searchAttributeArgs(): string[] {
  return searchAttributeDefinitions().flatMap(({ name, type }) => ['--search-attribute', `${name}=${type}`]);
}

/**
 * Registers the contract's search attributes the namespace lacks. `start-dev --search-attribute`
 * registers them only when it creates its database: a persistent database made by an earlier
 * release (before an attribute was added) keeps the old set (tried with CLI v1.5.1), and the
 * journey worker refuses to start without every one. Returns the names registered.
 */
export async function registerMissingSearchAttributes(
  cli: string,
  address: string,
  namespace = 'default',
  exec: (cmd: string, args: string[]) => Promise<{ stdout: string }>,
): Promise<string[]> {
  const { stdout } = await exec(cli, [
    'operator',
    'search-attribute',
    'list',
    '--address',
    address,
    '--namespace',
    namespace,
    '--output',
    'json',
  ]);
  const listed = JSON.parse(stdout) as { customAttributes?: Record<string, unknown> };
  const have = new Set(Object.keys(listed.customAttributes ?? {}));
  const missing = searchAttributeDefinitions().filter(({ name }) => !have.has(name));
  for (const { name, type } of missing)
    await exec(cli, [
      'operator',
      'search-attribute',
      'create',
      '--address',
      address,
      '--namespace',
      namespace,
      '--name',
      name,
      '--type',
      type,
    ]);
  return missing.map((m) => m.name);
}
