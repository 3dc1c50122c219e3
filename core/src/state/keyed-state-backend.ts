import type { Clock } from '../time/clock.ts';
import type { KeyGroupRange, KeyType } from './key-groups.ts';
import type { KeyGroupSnapshot } from './snapshot-format.ts';
import type {
  AggregatingState,
  AggregatingStateDescriptor,
  ListState,
  ListStateDescriptor,
  MapState,
  MapStateDescriptor,
  ReducingState,
  ReducingStateDescriptor,
  ValueState,
  ValueStateDescriptor,
} from './state-descriptors.ts';
import type { SnapshotableTimers } from './timer-snapshot.ts';

/**
 * The raw entries of one named state, addressed by (key group, key, namespace): what runtime
 * operators use directly (window contents, merging-window sets, rolling aggregates). Both the
 * heap `StateTable` and the LMDB table implement it.
 *
 * A value obtained with `get` may be changed in place by the caller (the window operator does):
 * every backend must keep such changes (the heap stores the object itself; the LMDB backend
 * writes back every object value that `get` handed out).
 *
 * @example
 * ```ts
 * const table = backend.table<number>('rolling-aggregate');
 * table.put(backend.getCurrentKeyGroup(), key, '', (table.get(backend.getCurrentKeyGroup(), key, '') ?? 0) + 1);
 * ```
 */
export interface KeyedStateTable<V> {
  readonly name: string;
  get(keyGroup: number, key: KeyType, namespace: string): V | undefined;
  put(keyGroup: number, key: KeyType, namespace: string, value: V): void;
  remove(keyGroup: number, key: KeyType, namespace: string): void;
  /** Every (key, namespace, value) of one key group (order unspecified). */
  entriesOfGroup(keyGroup: number): Iterable<[KeyType, string, V]>;
  /** Number of (key, namespace) entries over the backend's whole range. */
  size(): number;
}

/**
 * Keyed state of one operator subtask over its key-group range: the current-key context that the
 * runtime sets before user code runs, the five state kinds, raw tables for runtime operators, and
 * snapshot/restore in the canonical backend-independent format ({@link KeyGroupSnapshot}), so a
 * savepoint of one backend restores into the other. Implemented by `HeapKeyedStateBackend`
 * (JavaScript Maps, the default) and `LmdbKeyedStateBackend` (state larger than memory).
 *
 * @example
 * ```ts
 * function countOf(backend: KeyedStateBackend, key: string): number | undefined {
 *   backend.setCurrentKey(key);
 *   return backend.getState(new ValueStateDescriptor<number>('count')).value();
 * }
 * ```
 */
export interface KeyedStateBackend {
  readonly maxParallelism: number;
  readonly range: KeyGroupRange;
  readonly clock: Clock;

  /** Scopes state access to `key` (computes its key group once). */
  setCurrentKey(key: KeyType): void;
  /** Scopes state access to a key whose key group is already known (timers, restores). */
  setCurrentKeyAndGroup(key: KeyType, keyGroup: number): void;
  /** The current key; throws `STATE_OUTSIDE_KEYED_CONTEXT` when there is none. */
  getCurrentKey(): KeyType;
  getCurrentKeyGroup(): number;
  /** Sets the namespace (e.g. the window) for subsequent accesses; '' is plain keyed state. */
  setCurrentNamespace(namespace: string): void;
  getCurrentNamespace(): string;

  getState<T>(descriptor: ValueStateDescriptor<T>): ValueState<T>;
  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
  getMapState<K, V>(descriptor: MapStateDescriptor<K, V>): MapState<K, V>;
  getReducingState<T>(descriptor: ReducingStateDescriptor<T>): ReducingState<T>;
  getAggregatingState<IN, ACC, OUT>(descriptor: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT>;

  /** The raw table behind a named state (runtime use: window contents, rolling aggregates). */
  table<V>(name: string): KeyedStateTable<V>;
  /** All tables by state name (runtime and test use). */
  allTables(): ReadonlyMap<string, KeyedStateTable<unknown>>;

  /**
   * The canonical snapshot of `keyGroups` (default: the whole range; groups outside the range are
   * skipped), one entry per non-empty key group, with the timers of `timerServices` by name.
   * See each backend for how long the returned values stay consistent.
   */
  snapshot(
    keyGroups?: Iterable<number>,
    timerServices?: Readonly<Record<string, SnapshotableTimers>>,
  ): KeyGroupSnapshot[];
  /**
   * Restores the key groups of `snapshots` that lie in this backend's range (others are ignored,
   * so every new subtask can be given the union of all old subtasks' snapshots). Returns the key
   * groups restored, ascending. Timers are restored separately (`restoreTimers`).
   */
  restore(snapshots: readonly KeyGroupSnapshot[]): number[];

  /**
   * The same snapshot as {@link snapshot}, as of the call, read asynchronously: the consistent
   * view (and the timers) are taken before this returns, the reading and copying happen later
   * while the task goes on processing. Optional: only backends with such views (LMDB read
   * transactions) have it; the runtime falls back to {@link snapshot}.
   */
  snapshotAsync?(
    keyGroups?: Iterable<number>,
    timerServices?: Readonly<Record<string, SnapshotableTimers>>,
  ): Promise<KeyGroupSnapshot[]>;

  /**
   * The whole range's snapshot, with the timers of `timerServices`, as of the call and already
   * encoded (`encodeKeyGroupSnapshots` bytes): the call takes a consistent view (cheap), the
   * reading and encoding happen later while the task goes on processing. Optional: the heap
   * backend has it (copy-on-write of what changes meanwhile); the runtime prefers it to
   * {@link snapshotAsync} and {@link snapshot}. With `reserve`, the result starts with that many
   * zero bytes for the caller's own header and the snapshot is `bytes.subarray(reserve)`.
   */
  snapshotEncodedAsync?(
    timerServices?: Readonly<Record<string, SnapshotableTimers>>,
    reserve?: number,
  ): Promise<Uint8Array>;

  /** Releases resources (files, environments). Optional: the heap backend has none. */
  dispose?(): Promise<void>;
}

/**
 * The result of {@link IncrementalKeyedStateBackend.snapshotIncremental}: the key groups whose
 * state changed since the baseline (the last completed snapshot), and those that did not.
 *
 * @example
 * ```ts
 * const inc = backend.snapshotIncremental(7);
 * // write inc.changed; reference inc.unchangedKeyGroups from checkpoint inc.baseCheckpointId
 * ```
 */
export interface IncrementalKeyedSnapshot {
  readonly checkpointId: number;
  /**
   * The completed snapshot this one is relative to; `undefined` when there is none yet (after
   * start or restore): then every key group of the range is in `changedKeyGroups`.
   */
  readonly baseCheckpointId: number | undefined;
  /** Snapshots of the changed key groups that hold state (timers not included). */
  readonly changed: readonly KeyGroupSnapshot[];
  /** Every changed key group, ascending, including those that are now empty. */
  readonly changedKeyGroups: readonly number[];
  /**
   * Key groups of the range whose state is exactly what checkpoint `baseCheckpointId` holds for
   * them (possibly nothing): the checkpoint references its data instead of writing it again.
   */
  readonly unchangedKeyGroups: readonly number[];
}

/**
 * An {@link IncrementalKeyedSnapshot} whose changed key groups are still being read.
 *
 * @example
 * ```ts
 * const inc = backend.snapshotIncrementalAsync(7);
 * const changed = await inc.changed;
 * ```
 */
export interface PendingIncrementalKeyedSnapshot extends Omit<IncrementalKeyedSnapshot, 'changed'> {
  readonly changed: Promise<readonly KeyGroupSnapshot[]>;
}

/**
 * A backend that can snapshot only the key groups changed since the last completed snapshot
 * (incremental checkpoints: unchanged key groups are referenced from an earlier checkpoint).
 * Timers are not part of incremental snapshots: snapshot them in full every time.
 *
 * @example
 * ```ts
 * if (isIncremental(backend)) backend.notifySnapshotComplete(checkpointId);
 * ```
 */
export interface IncrementalKeyedStateBackend extends KeyedStateBackend {
  /** Snapshots the key groups changed since the baseline; records `checkpointId` as pending. */
  snapshotIncremental(checkpointId: number): IncrementalKeyedSnapshot;
  /**
   * {@link snapshotIncremental} with the changed key groups read asynchronously (see
   * {@link KeyedStateBackend.snapshotAsync}): the decision and the consistent view are taken now.
   */
  snapshotIncrementalAsync(checkpointId: number): PendingIncrementalKeyedSnapshot;
  /** Checkpoint `checkpointId` completed: it becomes the baseline of later incremental snapshots. */
  notifySnapshotComplete(checkpointId: number): void;
}

/**
 * Whether `backend` supports incremental snapshots.
 *
 * @example
 * ```ts
 * const part = isIncremental(backend) ? backend.snapshotIncremental(id) : undefined;
 * ```
 */
export function isIncremental(backend: KeyedStateBackend): backend is IncrementalKeyedStateBackend {
  const b = backend as Partial<IncrementalKeyedStateBackend>;
  return (
    typeof b.snapshotIncremental === 'function' &&
    typeof b.snapshotIncrementalAsync === 'function' &&
    typeof b.notifySnapshotComplete === 'function'
  );
}
