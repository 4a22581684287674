import type { Client } from '@temporalio/client';
// The SDK's own SearchAttributeType → IndexedValueType encoding (exported for registering them).
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTE_CLI_TYPES as CLI_TYPE, SearchAttributes } from '@throughcare/contracts';

/**
 * The contract's search attributes the namespace lacks (or holds with another type), each with
 * the command that registers it; empty when all are there. Journeys upsert them: a journey whose
 * upsert names an unregistered one fails its workflow task and is stuck, so the worker must not
 * start on such a namespace.
 */
export async function missingSearchAttributes(client: Client, namespace: string): Promise<string[]> {
  const { customAttributes } = await client.connection.operatorService.listSearchAttributes({ namespace });
  return Object.values(SearchAttributes)
    .filter((key) => customAttributes?.[key.name] !== encodeSearchAttributeIndexedValueType(key.type))
    .map((key) => {
      const create = `temporal operator search-attribute create --namespace ${namespace} --name ${key.name} --type ${CLI_TYPE[key.type]}`;
      const held = customAttributes?.[key.name];
      if (held === undefined || held === null) return `${key.name} (${CLI_TYPE[key.type]}): ${create}`;
      // Registered with another type: create refuses a name that exists; it must go first.
      const heldAs = temporal.api.enums.v1.IndexedValueType[held] ?? String(held);
      return `${key.name} (${CLI_TYPE[key.type]}, registered as ${heldAs}): temporal operator search-attribute remove --namespace ${namespace} --name ${key.name}, then ${create}`;
    });
}
