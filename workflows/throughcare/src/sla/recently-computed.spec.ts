import { RecentlyComputed } from './recently-computed';

describe('RecentlyComputed', () => {
  let now = 0;
  const cache = () => new RecentlyComputed<number>(10_000, 2, () => now);
  beforeEach(() => (now = 1_000_000));

  it('answers the same result for the same key within the time, and computes again after it', async () => {
    const recent = cache();
    let n = 0;
    const compute = async () => ++n;
    expect(await recent.get('a', compute)).toBe(1);
    now += 9_999;
    expect(await recent.get('a', compute)).toBe(1);
    now += 1;
    expect(await recent.get('a', compute)).toBe(2);
  });

  it('shares a computation still running, keeps keys apart, and keeps at most maxEntries', async () => {
    const recent = cache();
    let n = 0;
    const compute = () => new Promise<number>((r) => setTimeout(() => r(++n), 5));
    const [x, y] = await Promise.all([recent.get('a', compute), recent.get('a', compute)]);
    expect([x, y]).toEqual([1, 1]);
    expect(await recent.get('b', compute)).toBe(2);
    expect(await recent.get('c', compute)).toBe(3); // 'a', the oldest, gives way
    expect(await recent.get('a', compute)).toBe(4);
    expect(await recent.get('c', compute)).toBe(3);
  });

  it('does not keep a failure', async () => {
    const recent = cache();
    await expect(recent.get('a', () => Promise.reject(new Error('database down')))).rejects.toThrow(
      'database down',
    );
    expect(await recent.get('a', async () => 7)).toBe(7);
  });
});
