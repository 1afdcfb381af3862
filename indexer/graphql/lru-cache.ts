// A map bounded in size that drops its least recently used entry: for caches keyed by what
// clients send (query texts), which must not grow without limit.
export class LruCache<K, V> {
  // A Map iterates in insertion order: re-inserting on use keeps the least recent first.
  private readonly entries = new Map<K, V>();

  constructor(readonly bound: number) {
    if (!Number.isInteger(bound) || bound < 1)
      throw new Error(`the cache's bound must be a whole number of at least 1, got ${bound}`);
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.bound) this.entries.delete(this.entries.keys().next().value as K);
  }
}
