import type { EntityManager } from 'typeorm';

/** `"<service schema>"."<table>"` for raw SQL, taken from the DataSource's `schema` option. */
export function qualifiedTable(manager: EntityManager, table: string): string {
  const schema = (manager.connection.options as { schema?: string }).schema;
  return schema ? `"${schema}"."${table}"` : `"${table}"`;
}
