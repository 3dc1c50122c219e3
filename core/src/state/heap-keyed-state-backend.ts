import type { Clock } from '../time/clock.ts';
import type { KeyGroupRange, KeyType } from './key-groups.ts';
import type { KeyedStateBackend } from './keyed-state-backend.ts';
import { HeapSnapshot } from './heap-snapshot.ts';
import { restoreKeyGroups, snapshotKeyGroups } from './keyed-state-snapshot.ts';
import { copyForSnapshot, UncopyableValue } from './snapshot-copy.ts';
import {
  type KeyGroupSnapshot,
  type NamespaceSnapshot,
  type StateSnapshot,
  unserializable,
} from './snapshot-format.ts';
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
  StateTtlConfig,
  ValueState,
  ValueStateDescriptor,
} from './state-descriptors.ts';
import { KeyedStateScope, VOID_NAMESPACE } from './keyed-state-scope.ts';
import { keyMapOf, mapOfNamespace } from './namespace-maps.ts';
import { type StateCell, StateAccessors } from './state-accessors.ts';
import type { SnapshotableTimers } from './timer-snapshot.ts';

/** In a table's barrier log: the entry did not exist at the barrier. */
const ABSENT: unique symbol = Symbol('absent');

interface TtlEntry {
  value: unknown;
  touchedAt: number;
}

/**
 * One named state: key group → namespace → key → value. Snapshots are taken per key group.
 *
 * Namespace-first layout: plain keyed state ('' namespace) is one flat Map per key group, and
 * window state shares one Map per (key group, window) across all keys of that window — far
 * fewer Map objects (and GC work) than a Map per key.
 */
export class StateTable<V> {
  readonly name: string;
  private readonly plain: Array<Map<KeyType, V> | undefined>;
  private readonly namespaced: Array<Map<string, Map<KeyType, V>> | undefined>;
  private readonly firstGroup: number;
  // While an asynchronous snapshot is written (beginSnapshot … endSnapshot): per key group
  // (index), 1 while the snapshot still needs the group as of its barrier, and the barrier
  // values of the entries changed or handed out since (namespace → key → value or ABSENT).
  private pending: Uint8Array | undefined;
  private barrierLog: Array<Map<string, Map<KeyType, unknown>> | undefined> | undefined;
  private finishPending: (() => void) | undefined;

  constructor(name: string, range: KeyGroupRange) {
    this.name = name;
    this.firstGroup = range.start;
    this.plain = new Array(range.end - range.start + 1);
    this.namespaced = new Array(range.end - range.start + 1);
  }

  get(keyGroup: number, key: KeyType, namespace: string): V | undefined {
    const index = keyGroup - this.firstGroup;
    const value =
      namespace === VOID_NAMESPACE ? this.plain[index]?.get(key) : this.namespaced[index]?.get(namespace)?.get(key);
    // The caller may change an object value in place: a pending snapshot keeps a copy first.
    if (this.pending !== undefined && typeof value === 'object' && value !== null && this.pending[index] === 1) {
      this.keepHandedOut(index, key, namespace, value);
    }
    return value;
  }

  put(keyGroup: number, key: KeyType, namespace: string, value: V): void {
    const index = keyGroup - this.firstGroup;
    if (this.pending !== undefined && this.pending[index] === 1) this.keepBeforeWrite(index, key, namespace);
    mapOfNamespace(this.plain, this.namespaced, index, namespace).set(key, value);
  }

  remove(keyGroup: number, key: KeyType, namespace: string): void {
    const index = keyGroup - this.firstGroup;
    if (this.pending !== undefined && this.pending[index] === 1) this.keepBeforeWrite(index, key, namespace);
    if (namespace === VOID_NAMESPACE) {
      this.plain[index]?.delete(key);
      return;
    }
    const byNamespace = this.namespaced[index];
    const map = byNamespace?.get(namespace);
    if (map === undefined) return;
    map.delete(key);
    if (map.size === 0) byNamespace?.delete(namespace);
  }

  /** Every (key, namespace, value) of one key group: the unit of snapshots and rescaling. */
  *entriesOfGroup(keyGroup: number): Generator<[KeyType, string, V]> {
    const index = keyGroup - this.firstGroup;
    const plain = this.plain[index];
    if (plain !== undefined) {
      for (const [key, value] of plain) {
        this.keepIfHandedOut(index, key, VOID_NAMESPACE, value);
        yield [key, VOID_NAMESPACE, value];
      }
    }
    const byNamespace = this.namespaced[index];
    if (byNamespace === undefined) return;
    for (const [namespace, map] of byNamespace) {
      for (const [key, value] of map) {
        this.keepIfHandedOut(index, key, namespace, value);
        yield [key, namespace, value];
      }
    }
  }

  /**
   * Whether values are stored wrapped with their TTL timestamp (`{ value, touchedAt }`): set when a
   * state with TTL is first used, or when a snapshot of such a state is restored.
   */
  ttl = false;

  /** The Maps of one key group, as (namespace, key → value), plain state ('') first (snapshot use). */
  *namespacesOfGroup(keyGroup: number): Generator<[string, ReadonlyMap<KeyType, V>]> {
    const index = keyGroup - this.firstGroup;
    const plain = this.plain[index];
    if (plain !== undefined && plain.size > 0) yield [VOID_NAMESPACE, plain];
    const byNamespace = this.namespaced[index];
    if (byNamespace !== undefined) yield* byNamespace;
  }

  /**
   * The Map of one (key group, namespace), created if missing (restore use: bulk writes without a
   * lookup per entry). Leave it non-empty.
   */
  mapOf(keyGroup: number, namespace: string): Map<KeyType, V> {
    const index = keyGroup - this.firstGroup;
    if (this.pending !== undefined && this.pending[index] === 1) this.finishPending?.();
    return mapOfNamespace(this.plain, this.namespaced, index, namespace);
  }

  /** Replaces every value by `fn(value)` (migrating restored state to or from TTL wrappers). */
  mapValues(fn: (value: V) => V): void {
    if (this.pending !== undefined) this.finishPending?.();
    for (const map of this.plain) if (map !== undefined) for (const [key, value] of map) map.set(key, fn(value));
    for (const byNamespace of this.namespaced) {
      for (const map of byNamespace?.values() ?? []) for (const [key, value] of map) map.set(key, fn(value));
    }
  }

  /** Number of (key, namespace) entries. */
  size(): number {
    let n = 0;
    for (const map of this.plain) n += map?.size ?? 0;
    for (const byNamespace of this.namespaced) for (const map of byNamespace?.values() ?? []) n += map.size;
    return n;
  }

  // ---- Snapshots (runtime use: keyed-state-snapshot.ts, heap-snapshot.ts) ----

  /**
   * The state of one key group as a {@link StateSnapshot} (undefined when it has none), in packed
   * arrays (`node:v8` writes them densely). `asOfBarrier`: as of
   * {@link beginSnapshot} — the live entries corrected by the barrier values kept since — after
   * which this table stops keeping anything for the group. Otherwise the live entries, whose
   * values stay shared with the state.
   */
  snapshotGroup(keyGroup: number, asOfBarrier: boolean): StateSnapshot | undefined {
    const index = keyGroup - this.firstGroup;
    const log = asOfBarrier ? this.barrierLog?.[index] : undefined;
    if (asOfBarrier && this.pending !== undefined) {
      this.pending[index] = 0;
      (this.barrierLog as unknown[])[index] = undefined;
    }
    const ttl = this.ttl;
    const namespaces: NamespaceSnapshot[] = [];
    const live = log === undefined ? undefined : new Set<string>();
    for (const [namespace, map] of this.namespacesOfGroup(keyGroup)) {
      const changed = log?.get(namespace);
      live?.add(namespace);
      if (!ttl) {
        // The Map as of the barrier, copied natively (several times faster than an entry at a
        // time; the arrays are packed): the few entries changed since are put back as they were
        // for the copy, then as they are. A replaced entry keeps its place (so the keys keep the
        // live Map's order, which a window's timers share: snapshot-format.ts); an entry new since
        // the barrier is left out (and moves to the end of the live Map); one removed since is
        // copied at the end.
        const columns = changed === undefined ? copyColumns(map) : copyColumnsAsOf(map as Map<KeyType, V>, changed);
        if (columns.keys.length > 0) namespaces.push(namespaceSnapshot(namespace, columns));
        continue;
      }
      const columns = newColumns(ttl);
      if (changed === undefined) {
        for (const [key, value] of map) pushEntry(columns, key, value, ttl);
      } else {
        for (const [key, value] of map) if (!changed.has(key)) pushEntry(columns, key, value, ttl);
        pushKept(columns, changed, ttl);
      }
      if (columns.keys.length > 0) namespaces.push(namespaceSnapshot(namespace, columns));
    }
    if (log !== undefined) {
      for (const [namespace, changed] of log) {
        if (live?.has(namespace)) continue;
        const columns = newColumns(ttl);
        pushKept(columns, changed, ttl);
        if (columns.keys.length > 0) namespaces.push(namespaceSnapshot(namespace, columns));
      }
    }
    return namespaces.length === 0 ? undefined : { name: this.name, ttl, namespaces };
  }

  /**
   * From now until {@link endSnapshot}, keeps every key group as it is now until
   * {@link snapshotGroup} read it as of now: the first change of an entry keeps its old value,
   * handing out an object value keeps a copy of it (callers may change it in place). A bulk change
   * (TTL migration, restore) first calls `finish`, which must read every group.
   */
  beginSnapshot(finish: () => void): void {
    const groups = this.plain.length;
    this.pending = new Uint8Array(groups).fill(1);
    this.barrierLog = new Array(groups);
    this.finishPending = finish;
  }

  /** The snapshot begun with {@link beginSnapshot} is over: keep nothing more. */
  endSnapshot(): void {
    this.pending = undefined;
    this.barrierLog = undefined;
    this.finishPending = undefined;
  }

  private logOf(index: number, namespace: string): Map<KeyType, unknown> {
    return keyMapOf(this.barrierLog as Array<Map<string, Map<KeyType, unknown>> | undefined>, index, namespace);
  }

  private keepHandedOut(index: number, key: KeyType, namespace: string, value: object): void {
    const log = this.logOf(index, namespace);
    if (!log.has(key)) log.set(key, copyForSnapshot(value));
  }

  private keepIfHandedOut(index: number, key: KeyType, namespace: string, value: V): void {
    if (this.pending !== undefined && typeof value === 'object' && value !== null && this.pending[index] === 1) {
      this.keepHandedOut(index, key, namespace, value);
    }
  }

  private keepBeforeWrite(index: number, key: KeyType, namespace: string): void {
    const log = this.logOf(index, namespace);
    if (log.has(key)) return;
    const map = namespace === VOID_NAMESPACE ? this.plain[index] : this.namespaced[index]?.get(namespace);
    if (map === undefined || !map.has(key)) {
      log.set(key, ABSENT);
      return;
    }
    // Replaced or removed, not changed in place (that needs a get, which kept a copy): keep the
    // value itself.
    log.set(key, map.get(key));
  }
}

interface Columns {
  readonly keys: KeyType[];
  readonly values: unknown[];
  readonly touchedAt: number[] | undefined;
}

function newColumns(ttl: boolean): Columns {
  return { keys: [], values: [], touchedAt: ttl ? [] : undefined };
}

function pushEntry(columns: Columns, key: KeyType, value: unknown, ttl: boolean): void {
  columns.keys.push(key);
  if (ttl) {
    columns.values.push((value as TtlEntry).value);
    (columns.touchedAt as number[]).push((value as TtlEntry).touchedAt);
  } else {
    columns.values.push(value);
  }
}

function copyColumns<V>(map: ReadonlyMap<KeyType, V>): Columns {
  return { keys: [...map.keys()], values: [...map.values()], touchedAt: undefined };
}

/** {@link copyColumns} of `map` with `changed`'s barrier values in it; `map` is as it was after. */
function copyColumnsAsOf<V>(map: Map<KeyType, V>, changed: ReadonlyMap<KeyType, unknown>): Columns {
  for (const before of changed.values()) {
    if (before instanceof UncopyableValue) throw unserializable(before.cause); // before `map` changes
  }
  const live: { key: KeyType; had: boolean; value: V | undefined }[] = [];
  try {
    for (const [key, before] of changed) {
      const had = map.has(key);
      live.push({ key, had, value: had ? map.get(key) : undefined });
      if (before === ABSENT) map.delete(key);
      else map.set(key, before as V);
    }
    return copyColumns(map);
  } finally {
    for (const { key, had, value } of live) {
      if (had) map.set(key, value as V);
      else map.delete(key);
    }
  }
}

/** The kept barrier values of one namespace (entries that did not exist then are left out). */
function pushKept(columns: Columns, kept: Map<KeyType, unknown>, ttl: boolean): void {
  for (const [key, value] of kept) {
    if (value === ABSENT) continue;
    if (value instanceof UncopyableValue) throw unserializable(value.cause);
    pushEntry(columns, key, value, ttl);
  }
}

function namespaceSnapshot(namespace: string, columns: Columns): NamespaceSnapshot {
  const { keys, values, touchedAt } = columns;
  return touchedAt === undefined ? { namespace, keys, values } : { namespace, keys, values, touchedAt };
}

interface TtlValue<V> {
  value: V;
  touchedAt: number;
}

/**
 * Keyed state kept in JavaScript Maps (the default backend). The runtime sets the current key
 * (and namespace) before user code runs; state objects read and write under it.
 *
 * @example
 * ```ts
 * const backend = new HeapKeyedStateBackend({ maxParallelism: 128, range: { start: 0, end: 127 }, clock });
 * const count = backend.getState(new ValueStateDescriptor<number>('count'));
 * backend.setCurrentKey('alice');
 * count.update((count.value() ?? 0) + 1);
 * ```
 */
export class HeapKeyedStateBackend extends KeyedStateScope implements KeyedStateBackend {
  readonly range: KeyGroupRange;
  readonly clock: Clock;
  private readonly tables = new Map<string, StateTable<unknown>>();
  private readonly accessors = new StateAccessors(<V>(d: StateDescriptor<string>) => this.cell<V>(d));
  private pendingSnapshot: HeapSnapshot | undefined;

  constructor(options: { maxParallelism: number; range: KeyGroupRange; clock: Clock }) {
    super(options.maxParallelism);
    this.range = options.range;
    this.clock = options.clock;
  }

  /** The raw table behind a named state (runtime use: snapshots, window merging). */
  table<V>(name: string): StateTable<V> {
    let t = this.tables.get(name);
    if (t === undefined) {
      t = new StateTable<unknown>(name, this.range);
      this.tables.set(name, t);
    }
    return t as StateTable<V>;
  }

  /** All tables (runtime use: snapshots). */
  allTables(): ReadonlyMap<string, StateTable<unknown>> {
    return this.tables;
  }

  /**
   * {@link snapshotKeyGroups} of this backend: values are references, consistent only until the
   * next state write (encode before processing more records). Checkpoints use
   * {@link snapshotEncodedAsync}.
   */
  snapshot(
    keyGroups?: Iterable<number>,
    timerServices?: Readonly<Record<string, SnapshotableTimers>>,
  ): KeyGroupSnapshot[] {
    return snapshotKeyGroups(this, keyGroups, timerServices);
  }

  /**
   * The whole range's state and the timers of `timerServices`, as of this call, encoded
   * (`encodeKeyGroupSnapshots` format) in slices after it returns while the task goes on
   * processing: see {@link HeapSnapshot}. The call itself is O(tables + timer services). One
   * snapshot is written at a time: a new one first finishes the previous one synchronously.
   * `reserve`: zero bytes before the snapshot in the result, for the caller's header.
   */
  snapshotEncodedAsync(
    timerServices: Readonly<Record<string, SnapshotableTimers>> = {},
    reserve = 0,
  ): Promise<Uint8Array> {
    this.pendingSnapshot?.finishNow();
    const snapshot = new HeapSnapshot(
      {
        maxParallelism: this.maxParallelism,
        range: this.range,
        tables: [...this.tables.values()],
        timerServices,
        reserve,
      },
      () => {
        this.pendingSnapshot = undefined; // one at a time: the one ending is the pending one
      },
    );
    // Ended already when the synchronous part failed.
    if (!snapshot.ended) this.pendingSnapshot = snapshot;
    return snapshot.result;
  }

  /** {@link restoreKeyGroups} into this backend (its range only); the key groups restored. */
  restore(snapshots: readonly KeyGroupSnapshot[]): number[] {
    this.pendingSnapshot?.finishNow();
    return restoreKeyGroups(this, snapshots);
  }

  /** Abandons a snapshot still being written (its promise rejects); the state itself needs no release. */
  dispose(): Promise<void> {
    this.pendingSnapshot?.abandon();
    return Promise.resolve();
  }

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

  /** Read/write access to the current key's value of one state, with TTL if configured. */
  private cell<V>(descriptor: StateDescriptor<string>): StateCell<V> {
    const ttl: StateTtlConfig | undefined = descriptor.ttl;
    if (ttl === undefined) {
      const table = this.table<V>(descriptor.name);
      if (table.ttl) {
        // Restored from a snapshot taken with TTL; the state is now declared without: unwrap.
        (table as StateTable<unknown>).mapValues((entry) => (entry as TtlValue<V>).value);
        table.ttl = false;
      }
      return {
        get: () => table.get(this.getCurrentKeyGroup(), this.currentKey as KeyType, this.namespace),
        set: (v: V) => table.put(this.getCurrentKeyGroup(), this.currentKey as KeyType, this.namespace, v),
        clear: () => table.remove(this.getCurrentKeyGroup(), this.currentKey as KeyType, this.namespace),
      };
    }
    const table = this.table<TtlValue<V>>(descriptor.name);
    if (!table.ttl) {
      // New state, or restored from a snapshot taken without TTL: wrap, counting from now.
      const now = this.clock.now();
      (table as StateTable<unknown>).mapValues((value) => ({ value, touchedAt: now }));
      table.ttl = true;
    }
    const refreshOnRead = ttl.updateOn === 'read-and-write';
    return {
      get: () => {
        const group = this.getCurrentKeyGroup();
        const key = this.currentKey as KeyType;
        const entry = table.get(group, key, this.namespace);
        if (entry === undefined) return undefined;
        const now = this.clock.now();
        if (now - entry.touchedAt >= ttl.ttlMs) {
          table.remove(group, key, this.namespace);
          return undefined;
        }
        if (refreshOnRead) entry.touchedAt = now;
        return entry.value;
      },
      set: (v: V) =>
        table.put(this.getCurrentKeyGroup(), this.currentKey as KeyType, this.namespace, {
          value: v,
          touchedAt: this.clock.now(),
        }),
      clear: () => table.remove(this.getCurrentKeyGroup(), this.currentKey as KeyType, this.namespace),
    };
  }
}
