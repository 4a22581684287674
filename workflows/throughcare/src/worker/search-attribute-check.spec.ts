import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { SearchAttributes } from '@throughcare/contracts';
import { missingSearchAttributes } from './search-attribute-check';

const T = temporal.api.enums.v1.IndexedValueType;
/** The namespace's listing as the operator API answers it (the only input of the check). */
const listing = (customAttributes: Record<string, temporal.api.enums.v1.IndexedValueType>) =>
  ({
    connection: { operatorService: { listSearchAttributes: async () => ({ customAttributes }) } },
  }) as unknown as Client;
const all = {
  ThroughcareStage: T.INDEXED_VALUE_TYPE_KEYWORD,
  Establishment: T.INDEXED_VALUE_TYPE_KEYWORD,
  LocalAuthority: T.INDEXED_VALUE_TYPE_KEYWORD,
  NextDeadline: T.INDEXED_VALUE_TYPE_DATETIME,
  NeedsAttention: T.INDEXED_VALUE_TYPE_BOOL,
  OpenBreaches: T.INDEXED_VALUE_TYPE_INT,
  Jurisdiction: T.INDEXED_VALUE_TYPE_KEYWORD,
  SlaPolicy: T.INDEXED_VALUE_TYPE_KEYWORD,
  ReleaseDate: T.INDEXED_VALUE_TYPE_DATETIME,
  PreReleaseMeetingArranged: T.INDEXED_VALUE_TYPE_BOOL,
  FailingActivities: T.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

describe('the journey worker refuses a namespace missing the journeys’ search attributes', () => {
  it('names nothing when every contract attribute is registered with its type', async () => {
    expect(Object.keys(all).sort()).toEqual(
      Object.values(SearchAttributes)
        .map((k) => k.name)
        .sort(),
    );
    await expect(missingSearchAttributes(listing(all), 'default')).resolves.toEqual([]);
  });

  it('names each one missing or of another type, with the commands that register it', async () => {
    const { OpenBreaches: _gone, ...rest } = all;
    const missing = await missingSearchAttributes(
      listing({ ...rest, SlaPolicy: T.INDEXED_VALUE_TYPE_TEXT }),
      'throughcare',
    );
    expect(missing).toEqual([
      'OpenBreaches (Int): temporal operator search-attribute create --namespace throughcare --name OpenBreaches --type Int',
      'SlaPolicy (Keyword, registered as INDEXED_VALUE_TYPE_TEXT): temporal operator search-attribute remove --namespace throughcare --name SlaPolicy, then temporal operator search-attribute create --namespace throughcare --name SlaPolicy --type Keyword',
    ]);
  });
});
