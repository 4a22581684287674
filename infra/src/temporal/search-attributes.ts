import { SearchAttributes } from '@throughcare/contracts';
import type { SearchAttributeType } from '@temporalio/common';

/** SDK SearchAttributeType → the type names `temporal server start-dev --search-attribute` takes. */
const CLI_TYPE: Record<SearchAttributeType, string> = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

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
