import { ValidationFailedError } from '@throughcare/platform-errors';

/**
 * Position after the last row of a page, for keyset pagination on (instant, id). Instants are
 * stored at millisecond precision (written from JS Dates), so the ISO string round-trips exactly.
 */
export interface KeysetPosition {
  at: string;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeCursor(position: { at: Date; id: string }): string {
  return Buffer.from(JSON.stringify([position.at.toISOString(), position.id])).toString('base64url');
}

export function decodeCursor(raw: string): KeysetPosition {
  try {
    const value: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      !Number.isNaN(Date.parse(value[0])) &&
      typeof value[1] === 'string' &&
      UUID.test(value[1])
    ) {
      return { at: value[0], id: value[1] };
    }
  } catch {
    // fall through: a cursor we did not issue
  }
  throw new InvalidCursorError();
}

export class InvalidCursorError extends ValidationFailedError {
  constructor() {
    super('cursor is not one this API issued', [
      { field: 'cursor', message: 'not a cursor issued by this API' },
    ]);
  }
}

/** One page of `items`; `nextCursor` is null on the last page. */
export interface Page<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/** Rows were fetched with `limit + 1` so the extra one tells whether another page exists. */
export function toPage<R, T>(
  rows: R[],
  limit: number,
  view: (row: R) => T,
  position: (row: R) => { at: Date; id: string },
): Page<T> {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map(view),
    nextCursor: rows.length > limit && last ? encodeCursor(position(last)) : null,
  };
}
