/**
 * Results computed in the last `ttlMs`, by key: asked again within that time (or while still being
 * computed), the same result is answered instead of a new computation. For figures that are costly
 * and asked twice in a row (the dashboard's page, then its script's /dashboard/data with the same
 * filters). At most `maxEntries` kept; a computation that fails is not kept.
 */
export class RecentlyComputed<V> {
  private readonly entries = new Map<string, { at: number; value: Promise<V> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 100,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string, compute: () => Promise<V>): Promise<V> {
    const at = this.now();
    const known = this.entries.get(key);
    if (known && at - known.at < this.ttlMs) return known.value;
    for (const [k, e] of this.entries) if (at - e.at >= this.ttlMs) this.entries.delete(k);
    while (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    const value = compute();
    const entry = { at, value };
    this.entries.set(key, entry);
    value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return value;
  }
}
