/**
 * A small persistent (immutable, structure-sharing) string-keyed map for the registry state.
 *
 * Keys are split into 256 shards by their first two hex digits (wallet addresses and node keys
 * are hex public keys, so shards stay even). A {@link MapDraft} copies the shard table once and
 * a shard only when it first writes to it, so applying a block costs in proportion to what it
 * changes, not to the number of wallets or nodes, and the previous state stays untouched.
 */
import { InternalError } from '@murmur/wire';

const SHARD_COUNT = 256;

function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  if (code >= 65 && code <= 70) return code - 55;
  return -1;
}

function shardOf(key: string): number {
  const high = hexDigit(key.charCodeAt(0));
  const low = hexDigit(key.charCodeAt(1));
  if (high >= 0 && low >= 0) return high * 16 + low;
  // Not hex (never for valid keys): a simple deterministic string hash.
  let hash = 0;
  for (let i = 0; i < key.length; i++) hash = (hash * 31 + key.charCodeAt(i)) >>> 0;
  return hash % SHARD_COUNT;
}

type Shard<V> = ReadonlyMap<string, V> | undefined;

/** An immutable map from string keys to values. Change it through {@link PersistentMap.draft}. */
export class PersistentMap<V> implements Iterable<[string, V]> {
  readonly #shards: readonly Shard<V>[];
  readonly #size: number;

  private constructor(shards: readonly Shard<V>[], size: number) {
    this.#shards = shards;
    this.#size = size;
  }

  /** An empty map. */
  static empty<V>(): PersistentMap<V> {
    return new PersistentMap<V>(new Array<Shard<V>>(SHARD_COUNT).fill(undefined), 0);
  }

  /** A map holding `entries` (later duplicates win). */
  static from<V>(entries: Iterable<readonly [string, V]>): PersistentMap<V> {
    const draft = PersistentMap.empty<V>().draft();
    for (const [key, value] of entries) draft.set(key, value);
    return draft.commit();
  }

  /** Number of entries. */
  get size(): number {
    return this.#size;
  }

  /** The value of `key`, or `undefined`. */
  get(key: string): V | undefined {
    return this.#shards[shardOf(key)]?.get(key);
  }

  /** Whether `key` is present. */
  has(key: string): boolean {
    return this.#shards[shardOf(key)]?.has(key) ?? false;
  }

  /** Entries, shard by shard (deterministic for a given history, not sorted). */
  *entries(): IterableIterator<[string, V]> {
    for (const shard of this.#shards) {
      if (shard !== undefined) yield* shard.entries();
    }
  }

  /** Keys, in {@link PersistentMap.entries} order. */
  *keys(): IterableIterator<string> {
    for (const [key] of this.entries()) yield key;
  }

  /** Values, in {@link PersistentMap.entries} order. */
  *values(): IterableIterator<V> {
    for (const [, value] of this.entries()) yield value;
  }

  /** Keys in ascending code-unit order. */
  sortedKeys(): string[] {
    return [...this.keys()].sort(compareStrings);
  }

  [Symbol.iterator](): IterableIterator<[string, V]> {
    return this.entries();
  }

  /** A draft to change: reads see its own writes; {@link MapDraft.commit} makes the new map. */
  draft(): MapDraft<V> {
    return new MapDraft<V>(this, this.#shards, this.#size, (shards, size) => {
      return new PersistentMap<V>(shards, size);
    });
  }
}

/** A set of changes to a {@link PersistentMap}; the original is never modified. */
export class MapDraft<V> {
  readonly #original: PersistentMap<V>;
  readonly #base: readonly Shard<V>[];
  #shards: Shard<V>[] | undefined;
  readonly #owned = new Set<number>();
  #size: number;
  readonly #build: (shards: readonly Shard<V>[], size: number) => PersistentMap<V>;
  #committed: PersistentMap<V> | undefined;

  /** @internal Use {@link PersistentMap.draft}. */
  constructor(
    original: PersistentMap<V>,
    base: readonly Shard<V>[],
    size: number,
    build: (shards: readonly Shard<V>[], size: number) => PersistentMap<V>,
  ) {
    this.#original = original;
    this.#base = base;
    this.#size = size;
    this.#build = build;
  }

  /** Whether anything was written. */
  get changed(): boolean {
    return this.#shards !== undefined;
  }

  /** Number of entries, with the draft's changes. */
  get size(): number {
    return this.#size;
  }

  /** The value of `key`, with the draft's changes. */
  get(key: string): V | undefined {
    return (this.#shards ?? this.#base)[shardOf(key)]?.get(key);
  }

  /** Whether `key` is present, with the draft's changes. */
  has(key: string): boolean {
    return (this.#shards ?? this.#base)[shardOf(key)]?.has(key) ?? false;
  }

  /** Entries with the draft's changes, shard by shard. */
  *entries(): IterableIterator<[string, V]> {
    for (const shard of this.#shards ?? this.#base) {
      if (shard !== undefined) yield* shard.entries();
    }
  }

  /** Sets `key` to `value`. */
  set(key: string, value: V): void {
    const shard = this.#writable(shardOf(key));
    if (!shard.has(key)) this.#size++;
    shard.set(key, value);
  }

  /** Removes `key` (no-op when absent). */
  delete(key: string): void {
    const index = shardOf(key);
    if (!((this.#shards ?? this.#base)[index]?.has(key) ?? false)) return;
    this.#writable(index).delete(key);
    this.#size--;
  }

  /** The new map (the original when nothing changed). A draft commits once. */
  commit(): PersistentMap<V> {
    if (this.#committed === undefined) {
      this.#committed =
        this.#shards === undefined ? this.#original : this.#build(this.#shards, this.#size);
    }
    return this.#committed;
  }

  #writable(index: number): Map<string, V> {
    if (this.#committed !== undefined) throw new InternalError('MapDraft used after commit');
    if (this.#shards === undefined) this.#shards = [...this.#base];
    if (!this.#owned.has(index)) {
      this.#shards[index] = new Map(this.#shards[index] ?? []);
      this.#owned.add(index);
    }
    return this.#shards[index] as Map<string, V>;
  }
}

/** Ascending code-unit order, as `Array.prototype.sort` without a comparator, as a comparator. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
