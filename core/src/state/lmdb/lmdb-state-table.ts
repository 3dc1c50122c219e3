import type { KeyGroupRange, KeyType } from '../key-groups.ts';
import type { KeyedStateTable } from '../keyed-state-backend.ts';
import { mapOfNamespace } from '../namespace-maps.ts';
import { ABSENT, type CachedTable, type CacheSlot, type CachingStore } from './caching-store.ts';
import { type DecodedKeySuffix, decodeKeySuffix, encodeStateName, stateRange } from './lmdb-key-codec.ts';
import { LmdbValueCodec } from './lmdb-value-codec.ts';

/** A value of a state with TTL, as cached (the same wrapper as the heap backend's). */
export interface TtlValue {
  value: unknown;
  touchedAt: number;
}

/**
 * One named state of the LMDB backend: the cached entries of the state (laid out like the heap's
 * `StateTable`: key group → namespace → key, so a cache hit costs what a heap access costs, with
 * no key encoding) over the {@link CachingStore}.
 *
 * Two read paths: `get` (the raw table API that runtime operators use) treats an object value it
 * hands out as changed, because those operators change window contents and merging-window sets in
 * place; `peek` (used by the typed state accessors, which always write back with `put`) does not,
 * so read-only object state is not rewritten at every flush.
 *
 * TTL mode (`ttl`): values are cached as `{ value, touchedAt }` wrappers, and stored with their
 * timestamp. A value stored without one (written before the state was declared with TTL) gets
 * `convertedAt`, the moment the mode changed — the heap backend wraps such values with that same
 * moment, eagerly; here it happens on read, so switching mode costs no pass over the data.
 *
 * @example
 * ```ts
 * const table = backend.table<number>('rolling-aggregate');
 * table.put(group, 'alice', '', 1);
 * ```
 */
export class LmdbStateTable<V> implements KeyedStateTable<V>, CachedTable {
  readonly name: string;
  readonly nameBytes: Buffer;
  readonly dirty: CacheSlot[] = [];
  ttl = false;
  convertedAt = 0;
  private readonly cache: CachingStore;
  private readonly firstGroup: number;
  private plain: Array<Map<KeyType, CacheSlot> | undefined>;
  private namespaced: Array<Map<string, Map<KeyType, CacheSlot>> | undefined>;
  private cached = 0;

  constructor(name: string, range: KeyGroupRange, cache: CachingStore) {
    this.name = name;
    this.nameBytes = encodeStateName(name);
    this.cache = cache;
    this.firstGroup = range.start;
    this.plain = new Array(range.end - range.start + 1);
    this.namespaced = new Array(range.end - range.start + 1);
    cache.register(this);
  }

  /** The value; an object value is assumed changed in place by the caller (written back). */
  get(keyGroup: number, key: KeyType, namespace: string): V | undefined {
    const slot = this.slot(keyGroup, key, namespace);
    const value = slot.value;
    if (value === ABSENT) return undefined;
    if (!slot.dirty && typeof value === 'object' && value !== null) this.markDirty(slot);
    return value as V;
  }

  /** The value, for callers that write back every change with `put`. */
  peek(keyGroup: number, key: KeyType, namespace: string): V | undefined {
    const value = this.slot(keyGroup, key, namespace).value;
    return value === ABSENT ? undefined : (value as V);
  }

  put(keyGroup: number, key: KeyType, namespace: string, value: V): void {
    const map = this.mapOf(keyGroup, namespace);
    let slot = map.get(key);
    if (slot === undefined) {
      slot = { keyGroup, namespace, key, value, dirty: false };
      map.set(key, slot);
      this.cached++;
      this.cache.entries++;
    } else {
      slot.value = value;
    }
    if (!slot.dirty) this.markDirty(slot);
  }

  remove(keyGroup: number, key: KeyType, namespace: string): void {
    const map = this.mapOf(keyGroup, namespace);
    let slot = map.get(key);
    if (slot === undefined) {
      slot = { keyGroup, namespace, key, value: ABSENT, dirty: false };
      map.set(key, slot);
      this.cached++;
      this.cache.entries++;
    } else if (slot.value === ABSENT) {
      return;
    } else {
      slot.value = ABSENT;
    }
    if (!slot.dirty) this.markDirty(slot);
  }

  /**
   * Every (key, namespace, value) of one key group, read from LMDB after a flush (a consistent
   * view as of the call: changes made while iterating are not seen). Values are fresh copies.
   */
  *entriesOfGroup(keyGroup: number): Generator<[KeyType, string, V]> {
    this.cache.flush();
    const range = stateRange(keyGroup, this.nameBytes);
    const prefix = range.start.length;
    const codec = new LmdbValueCodec();
    const decoded: DecodedKeySuffix = { namespace: '', key: '' };
    for (const { key, value } of this.cache.store.range(range)) {
      decodeKeySuffix(key, prefix, decoded);
      const v = codec.decode(value);
      yield [decoded.key, decoded.namespace, this.fromStored(v, codec.touchedAt) as V];
    }
  }

  /** Number of (key, namespace) entries over the range (flushes first). */
  size(): number {
    this.cache.flush();
    let n = 0;
    for (let i = 0; i < this.plain.length; i++)
      n += this.cache.store.count(stateRange(this.firstGroup + i, this.nameBytes));
    return n;
  }

  fromStored(value: unknown, touchedAt: number): unknown {
    if (!this.ttl) return value;
    return { value, touchedAt: Number.isNaN(touchedAt) ? this.convertedAt : touchedAt } satisfies TtlValue;
  }

  toStored(value: unknown, codec: LmdbValueCodec): Buffer {
    if (!this.ttl) return codec.encode(value, undefined);
    const wrapped = value as TtlValue;
    return codec.encode(wrapped.value, wrapped.touchedAt);
  }

  /**
   * Switches TTL mode (the state is now declared with TTL, or without): flushes, drops this
   * table's cached entries (they are in the old mode) and records the moment for values stored
   * without a timestamp.
   */
  setTtlMode(ttl: boolean, now: number): void {
    if (ttl === this.ttl) return;
    this.cache.evictTable(this);
    this.ttl = ttl;
    this.convertedAt = now;
  }

  dropCache(): number {
    const n = this.cached;
    this.plain = new Array(this.plain.length);
    this.namespaced = new Array(this.namespaced.length);
    this.cached = 0;
    return n;
  }

  private markDirty(slot: CacheSlot): void {
    slot.dirty = true;
    this.dirty.push(slot);
    this.cache.onChange(slot.keyGroup);
  }

  private slot(keyGroup: number, key: KeyType, namespace: string): CacheSlot {
    const map = this.mapOf(keyGroup, namespace);
    let slot = map.get(key);
    if (slot !== undefined) {
      this.cache.stats.hits++;
      return slot;
    }
    slot = { keyGroup, namespace, key, value: this.cache.load(this, keyGroup, key, namespace), dirty: false };
    map.set(key, slot);
    this.cached++;
    this.cache.entries++;
    return slot;
  }

  private mapOf(keyGroup: number, namespace: string): Map<KeyType, CacheSlot> {
    return mapOfNamespace(this.plain, this.namespaced, keyGroup - this.firstGroup, namespace);
  }
}
