import { z } from 'zod';

/**
 * An opaque keyset-pagination cursor: the last row's sort key as base64url JSON. `schema` parses
 * the `cursor` query parameter back into that key (a cursor this API did not issue is a 400
 * naming the field); `encode` makes the `nextCursor` of a page.
 */
export function keysetCursor<T extends z.ZodType>(key: T) {
  const encode = (value: z.input<T>): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return {
    schema: z
      .string()
      .max(500)
      .transform((raw, ctx): z.output<T> => {
        try {
          return key.parse(JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')));
        } catch {
          ctx.addIssue({ code: 'custom', message: 'not a cursor this API issued' });
          return z.NEVER;
        }
      }),
    encode,
    /**
     * A page from `rows` fetched with `limit + 1`: the first `limit`, and the cursor of the last
     * of them when there was more.
     */
    page<R>(
      rows: R[],
      limit: number,
      keyOf: (row: R) => z.input<T>,
    ): { items: R[]; nextCursor: string | null } {
      const items = rows.slice(0, limit);
      const last = items.at(-1);
      return { items, nextCursor: rows.length > limit && last ? encode(keyOf(last)) : null };
    },
  };
}
