import { rmdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { SluiceError } from '../../errors.ts';
import type { Clock } from '../../time/clock.ts';
import type { KeyGroupRange, KeyType } from '../key-groups.ts';
import type {
  IncrementalKeyedSnapshot,
  IncrementalKeyedStateBackend,
  PendingIncrementalKeyedSnapshot,
} from '../keyed-state-backend.ts';
import type { KeyGroupSnapshot, StateSnapshot } from '../snapshot-format.ts';
import type {
  AggregatingState,
  AggregatingStateDescriptor,
  ListState,
  ListStateDescriptor,
  MapState,
  MapStateDescriptor,
  ReducingState,
  ReducingStateDescriptor,
  StateDescriptor,
  ValueState,
  ValueStateDescriptor,
} from '../state-descriptors.ts';
import { KeyedStateScope } from '../keyed-state-scope.ts';
import { type StateCell, StateAccessors } from '../state-accessors.ts';
import { type SnapshotableTimers, collectTimers } from '../timer-snapshot.ts';
import { CachingStore, type CacheStats } from './caching-store.ts';
import { ChangedKeyGroups } from './changed-key-groups.ts';
import { LmdbKeyEncoder } from './lmdb-key-codec.ts';
import { type KeyRange } from './lmdb-key-codec.ts';
import { readKeyGroup, type StateToRead } from './lmdb-snapshot-reader.ts';
import { LmdbStore } from './lmdb-store.ts';
import { LmdbStateTable, type TtlValue } from './lmdb-state-table.ts';
import { LmdbValueCodec } from './lmdb-value-codec.ts';

/** Default bound of the write-back cache, in entries (≈ 100–200 B of heap each for small values). */
export const DEFAULT_LMDB_CACHE_ENTRIES = 100_000;

/** Options of {@link LmdbKeyedStateBackend.open}. */
export interface LmdbKeyedStateBackendOptions {
  /** A directory of its own for this backend (one per operator subtask); cleared when opened. */
  readonly directory: string;
  readonly maxParallelism: number;
  readonly range: KeyGroupRange;
  readonly clock: Clock;
  /** Bound of the write-back cache in entries (default {@link DEFAULT_LMDB_CACHE_ENTRIES}). */
  readonly cacheEntries?: number;
  /** Largest size of the LMDB file (lmdb-js `mapSize`; its default otherwise). */
  readonly mapSizeBytes?: number;
}

/**
 * Keyed state in LMDB (the `lmdb` package): state larger than memory, with the same semantics as
 * the heap backend — the five state kinds, namespaces, TTL on the injected clock, the raw tables
 * runtime operators use — and the same canonical snapshots, so a savepoint of either backend
 * restores into the other. Layers (STYLE.md 8): the state accessors here, over
 * {@link LmdbStateTable} (one per state), over a write-back {@link CachingStore}, over an
 * {@link LmdbStore} (bytes in one LMDB environment).
 *
 * Keys are `key group | state | namespace | key` with the key group first, big-endian, so one key
 * group (and one state of it) is one cursor range; values are a number or string written
 * directly, anything else `node:v8` structured clone (see lmdb-value-codec.ts).
 *
 * **Consistency of snapshots.** {@link snapshot} flushes the cache and reads the key groups in the
 * same synchronous call: a consistent, deep-copied snapshot (unlike the heap's, it shares no
 * values with the live state, so it may be encoded later). {@link snapshotAsync} flushes, opens an
 * LMDB read transaction (an MVCC view that later commits do not change) and reads from it in
 * slices, yielding to the event loop between them, so processing continues while the snapshot
 * is read; only the flush (the dirty entries, bounded by the cache) stays on the task. Measured
 * (docs/decisions/0006-lmdb-backend.md, 1M entries, 2-core VM): reading takes ~3 µs per entry, so a
 * synchronous snapshot blocks the task 2.5–3.5 s; the asynchronous one 0.4–0.8 s (a 100k-entry
 * flush) — use it for checkpoints.
 *
 * **Incremental snapshots.** Every write marks its key group changed; {@link snapshotIncremental}
 * snapshots only the groups changed since the last completed snapshot and lists the others, to be
 * referenced from that checkpoint ({@link ChangedKeyGroups} has the rules).
 *
 * **Memory.** Bounded by the cache (`cacheEntries`), enforced when the current key changes (see
 * {@link CachingStore}), plus the pages of the memory map the OS chooses to keep.
 *
 * In-place changes: like the heap backend, the raw table's `get` hands out the stored object and
 * keeps changes made to it; the typed accessors (ValueState etc.) keep what is written with
 * `update`/`add`/`put` — an object read with `value()` and changed without `update` is not
 * guaranteed to persist (the same contract as Flink's RocksDB backend).
 *
 * @example
 * ```ts
 * const backend = await LmdbKeyedStateBackend.open({ directory: '/tmp/sluice/count-0', maxParallelism: 128, range: { start: 0, end: 127 }, clock });
 * const count = backend.getState(new ValueStateDescriptor<number>('count'));
 * backend.setCurrentKey('alice');
 * count.update((count.value() ?? 0) + 1);
 * await backend.dispose();
 * ```
 */
export class LmdbKeyedStateBackend extends KeyedStateScope implements IncrementalKeyedStateBackend {
  readonly range: KeyGroupRange;
  readonly clock: Clock;
  readonly directory: string;
  private readonly store: LmdbStore;
  private readonly cache: CachingStore;
  private readonly changes: ChangedKeyGroups;
  private readonly tables = new Map<string, LmdbStateTable<unknown>>();
  private readonly accessors = new StateAccessors(<V>(d: StateDescriptor<string>) => this.cell<V>(d));
  private readonly keys = new LmdbKeyEncoder();
  private readonly values = new LmdbValueCodec();

  private constructor(options: LmdbKeyedStateBackendOptions, store: LmdbStore) {
    super(options.maxParallelism);
    this.range = options.range;
    this.clock = options.clock;
    this.directory = options.directory;
    this.store = store;
    const changes = new ChangedKeyGroups(options.range);
    this.changes = changes;
    this.cache = new CachingStore(store, options.range, {
      maxEntries: options.cacheEntries ?? DEFAULT_LMDB_CACHE_ENTRIES,
      onChange: (g) => changes.mark(g),
    });
  }

  /**
   * Opens the backend on a fresh LMDB environment in `options.directory` (loading the `lmdb`
   * package on first use).
   */
  static async open(options: LmdbKeyedStateBackendOptions): Promise<LmdbKeyedStateBackend> {
    const { maxParallelism, range } = options;
    if (!Number.isInteger(maxParallelism) || maxParallelism < 1 || maxParallelism > 32768) {
      throw new SluiceError('INVALID_ARGUMENT', `maxParallelism must be an integer in 1..32768; got ${maxParallelism}`);
    }
    if (!(range.start >= 0 && range.end < maxParallelism && range.start <= range.end)) {
      throw new SluiceError(
        'INVALID_ARGUMENT',
        `Key-group range ${range.start}..${range.end} is not within 0..${maxParallelism - 1}.`,
      );
    }
    const cacheEntries = options.cacheEntries ?? DEFAULT_LMDB_CACHE_ENTRIES;
    if (!(Number.isInteger(cacheEntries) && cacheEntries >= 1)) {
      throw new SluiceError('INVALID_ARGUMENT', `cacheEntries must be a positive integer; got ${cacheEntries}`);
    }
    return new LmdbKeyedStateBackend(
      options,
      await LmdbStore.open(
        options.directory,
        options.mapSizeBytes === undefined ? {} : { mapSizeBytes: options.mapSizeBytes },
      ),
    );
  }

  // ---- current key and namespace ----

  /** Moving to another key is a safe point: the cache is evicted here when full. */
  protected override beforeKeyChange(): void {
    if (this.cache.entries > this.cache.maxEntries) this.cache.evict();
  }

  // ---- tables ----

  table<V>(name: string): LmdbStateTable<V> {
    let t = this.tables.get(name);
    if (t === undefined) {
      t = new LmdbStateTable<unknown>(name, this.range, this.cache);
      this.tables.set(name, t);
    }
    return t as LmdbStateTable<V>;
  }

  allTables(): ReadonlyMap<string, LmdbStateTable<unknown>> {
    return this.tables;
  }

  /** Writes every cached change to LMDB (snapshots do it themselves). */
  flush(): void {
    this.cache.flush();
  }

  /** Cache counters (hits, misses, flushes, evictions, entries written). */
  cacheStats(): Readonly<CacheStats> & { readonly entries: number } {
    return { ...this.cache.stats, entries: this.cache.entries };
  }

  // ---- snapshots ----

  /**
   * A consistent snapshot of `keyGroups` (default: the whole range), taken synchronously: flushes
   * the cache, then reads. The values are copies: the result may be kept and encoded later.
   */
  snapshot(
    keyGroups?: Iterable<number>,
    timerServices: Readonly<Record<string, SnapshotableTimers>> = {},
  ): KeyGroupSnapshot[] {
    const groups = this.groupsOf(keyGroups);
    this.cache.flush();
    const timers = this.timersOf(groups, timerServices);
    const states = this.statesToRead();
    const count = { entries: 0 };
    const out: KeyGroupSnapshot[] = [];
    for (const keyGroup of groups) {
      this.pushGroup(
        out,
        keyGroup,
        readKeyGroup((r) => this.store.range(r), keyGroup, states, count),
        timers,
      );
    }
    return out;
  }

  /**
   * The same snapshot as {@link snapshot}, as of this call, read asynchronously: the flush and the
   * timers are taken now; the state is read from an LMDB read transaction in slices of about
   * `sliceEntries` entries, yielding to the event loop between slices, so processing can go on.
   */
  async snapshotAsync(
    keyGroups?: Iterable<number>,
    timerServices: Readonly<Record<string, SnapshotableTimers>> = {},
    sliceEntries = 20_000,
  ): Promise<KeyGroupSnapshot[]> {
    const groups = this.groupsOf(keyGroups);
    this.cache.flush();
    const timers = this.timersOf(groups, timerServices);
    const states = this.statesToRead();
    const view = this.store.readView();
    try {
      const count = { entries: 0 };
      const out: KeyGroupSnapshot[] = [];
      for (const keyGroup of groups) {
        this.pushGroup(
          out,
          keyGroup,
          readKeyGroup((r: KeyRange) => view.range(r), keyGroup, states, count),
          timers,
        );
        if (count.entries >= sliceEntries) {
          count.entries = 0;
          await nextTurn();
        }
      }
      return out;
    } finally {
      view.done();
    }
  }

  /** Snapshots only the key groups changed since the last completed snapshot (state, no timers). */
  snapshotIncremental(checkpointId: number): IncrementalKeyedSnapshot {
    const decision = this.changes.take(checkpointId);
    return {
      checkpointId,
      baseCheckpointId: decision.baseCheckpointId,
      changed: this.snapshot(decision.changed),
      changedKeyGroups: decision.changed,
      unchangedKeyGroups: decision.unchanged,
    };
  }

  /**
   * {@link snapshotIncremental} read as {@link snapshotAsync} does: the decision, the flush and the
   * LMDB read transaction are taken now; the changed key groups are read later, in slices.
   */
  snapshotIncrementalAsync(checkpointId: number): PendingIncrementalKeyedSnapshot {
    const decision = this.changes.take(checkpointId);
    return {
      checkpointId,
      baseCheckpointId: decision.baseCheckpointId,
      changed: this.snapshotAsync(decision.changed),
      changedKeyGroups: decision.changed,
      unchangedKeyGroups: decision.unchanged,
    };
  }

  notifySnapshotComplete(checkpointId: number): void {
    this.changes.complete(checkpointId);
  }

  /**
   * Restores the key groups of `snapshots` in this backend's range (others are ignored), one LMDB
   * transaction per key group. TTL timestamps are kept; a state restored into another TTL mode is
   * converted as the heap backend does (wrapped with now, or unwrapped). Returns the key groups
   * restored, ascending.
   */
  restore(snapshots: readonly KeyGroupSnapshot[]): number[] {
    for (const snapshot of snapshots) {
      if (snapshot.maxParallelism !== this.maxParallelism) {
        throw new SluiceError(
          'SNAPSHOT_INCOMPATIBLE',
          `Keyed state was snapshotted with maxParallelism ${snapshot.maxParallelism} and is restored with ` +
            `${this.maxParallelism}. Key groups depend on it: restore with maxParallelism ${snapshot.maxParallelism}.`,
        );
      }
    }
    // Cached entries may be overwritten below: write them out and forget them first.
    this.cache.evict();
    const { start, end } = this.range;
    const now = this.clock.now();
    const restored: number[] = [];
    for (const snapshot of snapshots) {
      const keyGroup = snapshot.keyGroup;
      if (keyGroup < start || keyGroup > end) continue;
      this.store.write((w) => {
        for (const state of snapshot.states) this.restoreState(w, keyGroup, state, now);
      });
      this.changes.mark(keyGroup);
      restored.push(keyGroup);
    }
    return restored.sort((a, b) => a - b);
  }

  /** Closes the LMDB environment and deletes its files (the directory is a working copy). */
  async dispose(): Promise<void> {
    await this.store.close();
    for (const file of ['data.mdb', 'lock.mdb']) await unlink(join(this.directory, file)).catch(() => undefined);
    await rmdir(this.directory).catch(() => undefined);
  }

  // ---- state accessors ----

  getState<T>(descriptor: ValueStateDescriptor<T>): ValueState<T> {
    return this.accessors.value(descriptor);
  }

  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T> {
    return this.accessors.list(descriptor);
  }

  getMapState<K, V>(descriptor: MapStateDescriptor<K, V>): MapState<K, V> {
    return this.accessors.map(descriptor);
  }

  getReducingState<T>(descriptor: ReducingStateDescriptor<T>): ReducingState<T> {
    return this.accessors.reducing(descriptor);
  }

  getAggregatingState<IN, ACC, OUT>(descriptor: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT> {
    return this.accessors.aggregating(descriptor);
  }

  // ---- internals ----

  /** Read/write access to the current key's value of one state, with TTL if configured. */
  private cell<V>(descriptor: StateDescriptor<string>): StateCell<V> {
    const ttl = descriptor.ttl;
    if (ttl === undefined) {
      const table = this.table<V>(descriptor.name);
      table.setTtlMode(false, this.clock.now());
      return {
        get: () => table.peek(this.getCurrentKeyGroup(), this.currentKey as KeyType, this.namespace),
        set: (v: V) => table.put(this.getCurrentKeyGroup(), this.currentKey as KeyType, this.namespace, v),
        clear: () => table.remove(this.getCurrentKeyGroup(), this.currentKey as KeyType, this.namespace),
      };
    }
    const table = this.table<TtlValue>(descriptor.name);
    table.setTtlMode(true, this.clock.now());
    const refreshOnRead = ttl.updateOn === 'read-and-write';
    return {
      get: () => {
        const group = this.getCurrentKeyGroup();
        const key = this.currentKey as KeyType;
        const entry = table.peek(group, key, this.namespace);
        if (entry === undefined) return undefined;
        const now = this.clock.now();
        if (now - entry.touchedAt >= ttl.ttlMs) {
          table.remove(group, key, this.namespace);
          return undefined;
        }
        if (refreshOnRead && entry.touchedAt !== now) {
          entry.touchedAt = now;
          table.put(group, key, this.namespace, entry);
        }
        return entry.value as V;
      },
      set: (v: V) =>
        table.put(this.getCurrentKeyGroup(), this.currentKey as KeyType, this.namespace, {
          value: v,
          touchedAt: this.clock.now(),
        }),
      clear: () => table.remove(this.getCurrentKeyGroup(), this.currentKey as KeyType, this.namespace),
    };
  }

  private restoreState(
    w: { put(key: Buffer, value: Buffer): void },
    keyGroup: number,
    state: StateSnapshot,
    now: number,
  ): void {
    const fresh = !this.tables.has(state.name);
    const table = this.table<unknown>(state.name);
    if (fresh) table.ttl = state.ttl;
    const wrap = table.ttl;
    for (const { namespace, keys, values, touchedAt } of state.namespaces) {
      for (let i = 0; i < keys.length; i++) {
        const key = this.keys.encode(keyGroup, table.nameBytes, namespace, keys[i] as KeyType);
        const stamp = wrap ? ((touchedAt?.[i] as number | undefined) ?? now) : undefined;
        w.put(key, this.values.encode(values[i], stamp));
      }
    }
  }

  /** The key groups asked for, in range, ascending, without duplicates. */
  private groupsOf(keyGroups: Iterable<number> | undefined): number[] {
    const { start, end } = this.range;
    if (keyGroups === undefined) {
      const all: number[] = [];
      for (let g = start; g <= end; g++) all.push(g);
      return all;
    }
    return [...new Set(keyGroups)].filter((g) => Number.isInteger(g) && g >= start && g <= end).sort((a, b) => a - b);
  }

  private timersOf(
    groups: readonly number[],
    services: Readonly<Record<string, SnapshotableTimers>>,
  ): ReturnType<typeof collectTimers> {
    const wanted = new Set(groups);
    return collectTimers(services, (g) => wanted.has(g));
  }

  private statesToRead(): StateToRead[] {
    return [...this.tables.values()]
      .map((t) => ({ name: t.name, nameBytes: t.nameBytes, ttl: t.ttl, convertedAt: t.convertedAt }))
      .sort((a, b) => Buffer.compare(a.nameBytes, b.nameBytes));
  }

  private pushGroup(
    out: KeyGroupSnapshot[],
    keyGroup: number,
    states: StateSnapshot[],
    timers: ReturnType<typeof collectTimers>,
  ): void {
    const groupTimers = timers.get(keyGroup) ?? [];
    if (states.length > 0 || groupTimers.length > 0) {
      out.push({ keyGroup, maxParallelism: this.maxParallelism, states, timers: groupTimers });
    }
  }
}
