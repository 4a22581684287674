import fc from 'fast-check';

/**
 * Values that stress a field, for the property-based fuzzing (bus events, upstream movements,
 * journey updates, the identity provider's API): any JSON, odd binary strings, the `special`
 * strings a suite knows to be awkward for its fields, odd integers and doubles, and (unless
 * `dates: false`) instants from 1900 to 2300.
 */
export function oddValues(
  special: readonly string[],
  { binaryMaxLength = 40, dates = true }: { binaryMaxLength?: number; dates?: boolean } = {},
): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.jsonValue(),
    fc.string({ unit: 'binary', maxLength: binaryMaxLength }),
    fc.constantFrom(...special),
    fc.integer(),
    fc.double(),
    ...(dates
      ? [
          fc
            .date({ min: new Date('1900-01-01'), max: new Date('2300-01-01'), noInvalidDate: true })
            .map((d) => d.toISOString()),
        ]
      : []),
  );
}
