import { SluiceError } from '../errors.ts';
import type { HeapKeyedStateBackend, StateTable } from './heap-keyed-state-backend.ts';
import type { KeyType } from './key-groups.ts';
import type { KeyGroupSnapshot, StateSnapshot } from './snapshot-format.ts';
import { type SnapshotableTimers, collectTimers } from './timer-snapshot.ts';

/**
 * Snapshots the keyed state of `backend` (and, optionally, the timers of `timerServices`, by
 * name) per key group: one {@link KeyGroupSnapshot} per non-empty key group of `keyGroups`
 * (default: the backend's whole range; groups outside it have nothing here).
 *
 * Cost and consistency: one pass over the state, O(entries), copying keys and value *references*
 * into columns (TTL timestamps are copied as numbers). Values are not deep-copied: the heap
 * backend's accessors change some values in place (ListState.add pushes onto the stored array,
 * MapState.put sets on the stored Map, a TTL read refreshes its wrapper), so the snapshot is
 * consistent only until the next state write: encode it with {@link encodeKeyGroupSnapshots}
 * before the task processes anything else. Checkpoints do not use this: they take
 * `HeapKeyedStateBackend.snapshotEncodedAsync`, whose synchronous part is O(tables) and which
 * encodes the same snapshot in slices while the task goes on (heap-snapshot.ts).
 *
 * @example
 * ```ts
 * const bytes = encodeKeyGroupSnapshots(snapshotKeyGroups(backend, undefined, { 'window-timers': timers }));
 * ```
 */
export function snapshotKeyGroups(
  backend: HeapKeyedStateBackend,
  keyGroups?: Iterable<number>,
  timerServices: Readonly<Record<string, SnapshotableTimers>> = {},
): KeyGroupSnapshot[] {
  const { start, end } = backend.range;
  const inRange = (g: number): boolean => Number.isInteger(g) && g >= start && g <= end;
  let groups: number[];
  if (keyGroups === undefined) {
    groups = [];
    for (let g = start; g <= end; g++) groups.push(g);
  } else {
    groups = [...new Set(keyGroups)].filter(inRange).sort((a, b) => a - b);
  }
  const wanted =
    keyGroups === undefined
      ? inRange
      : (
          (set) => (g: number) =>
            set.has(g)
        )(new Set(groups));
  const timers = collectTimers(timerServices, wanted);
  const tables = [...backend.allTables().values()];
  const out: KeyGroupSnapshot[] = [];
  for (const keyGroup of groups) {
    const states: StateSnapshot[] = [];
    for (const table of tables) {
      const state = snapshotTable(table, keyGroup);
      if (state !== undefined) states.push(state);
    }
    const groupTimers = timers.get(keyGroup) ?? [];
    if (states.length > 0 || groupTimers.length > 0) {
      out.push({ keyGroup, maxParallelism: backend.maxParallelism, states, timers: groupTimers });
    }
  }
  return out;
}

function snapshotTable(table: StateTable<unknown>, keyGroup: number): StateSnapshot | undefined {
  return table.snapshotGroup(keyGroup, false);
}

/**
 * Restores keyed state into `backend` from key-group snapshots: every key group in the backend's
 * range is written, the others are ignored. So restoring the union of the snapshots of all old
 * subtasks into each new subtask rescales a job from any parallelism to any other (each subtask
 * takes the key groups of its new range). Timers are restored per service with
 * {@link restoreTimers}. Values are taken over, not copied (decoded snapshots own theirs).
 * Returns the key groups restored, ascending.
 *
 * A state snapshotted with TTL keeps its `touchedAt`, so expiry counts from the original write.
 * If the state is declared later without TTL (or with TTL where it had none), its values are
 * converted on first use (TTL then counts from that moment).
 *
 * @example
 * ```ts
 * const backend = new HeapKeyedStateBackend({ maxParallelism: 128, range: keyGroupRangeFor(i, 128, 4), clock });
 * restoreKeyGroups(backend, allOldSnapshots);
 * ```
 */
export function restoreKeyGroups(backend: HeapKeyedStateBackend, snapshots: readonly KeyGroupSnapshot[]): number[] {
  const { start, end } = backend.range;
  const restored: number[] = [];
  for (const snapshot of snapshots) {
    if (snapshot.maxParallelism !== backend.maxParallelism) {
      throw new SluiceError(
        'SNAPSHOT_INCOMPATIBLE',
        `Keyed state was snapshotted with maxParallelism ${snapshot.maxParallelism} and is restored with ` +
          `${backend.maxParallelism}. Key groups depend on it: restore with maxParallelism ${snapshot.maxParallelism}.`,
      );
    }
    const keyGroup = snapshot.keyGroup;
    if (keyGroup < start || keyGroup > end) continue;
    for (const state of snapshot.states) {
      const fresh = !backend.allTables().has(state.name);
      const table = backend.table<unknown>(state.name);
      if (fresh) table.ttl = state.ttl;
      restoreState(table, keyGroup, state, backend.clock.now());
    }
    restored.push(keyGroup);
  }
  return restored.sort((a, b) => a - b);
}

/**
 * Writes one state of one key group. When the table's TTL mode differs from the snapshot's (the
 * state was declared, with or without TTL, before the restore), values are converted to the
 * table's mode as on first use: wrapped with `now`, or unwrapped.
 */
function restoreState(table: StateTable<unknown>, keyGroup: number, state: StateSnapshot, now: number): void {
  const wrap = table.ttl;
  for (const { namespace, keys, values, touchedAt } of state.namespaces) {
    if (keys.length === 0) continue;
    const map = table.mapOf(keyGroup, namespace);
    if (!wrap) {
      for (let i = 0; i < keys.length; i++) map.set(keys[i] as KeyType, values[i]);
    } else if (touchedAt !== undefined) {
      for (let i = 0; i < keys.length; i++) {
        map.set(keys[i] as KeyType, { value: values[i], touchedAt: touchedAt[i] as number });
      }
    } else {
      for (let i = 0; i < keys.length; i++) map.set(keys[i] as KeyType, { value: values[i], touchedAt: now });
    }
  }
}
