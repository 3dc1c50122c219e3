import { SluiceError } from '../errors.ts';
import type { MapStateDescriptor } from './state-descriptors.ts';

/**
 * Broadcast state as the non-broadcast side sees it: read only, because only the broadcast side
 * may change it (every subtask applies the same broadcast elements, so the copies stay identical).
 *
 * @example
 * ```ts
 * const rule = ctx.getBroadcastState(rulesDescriptor).get('max-amount');
 * ```
 */
export interface ReadOnlyBroadcastState<K, V> {
  get(key: K): V | undefined;
  contains(key: K): boolean;
  entries(): IterableIterator<[K, V]>;
  keys(): IterableIterator<K>;
  values(): IterableIterator<V>;
  size(): number;
  isEmpty(): boolean;
}

/**
 * Broadcast state as the broadcast side sees it: a map, one per descriptor, identical on all
 * subtasks as long as updates depend only on the broadcast element and the state itself.
 *
 * @example
 * ```ts
 * processBroadcastElement(rule, ctx) {
 *   ctx.getBroadcastState(rulesDescriptor).put(rule.id, rule);
 * }
 * ```
 */
export interface BroadcastState<K, V> extends ReadOnlyBroadcastState<K, V> {
  put(key: K, value: V): void;
  putAll(entries: Iterable<readonly [K, V]>): void;
  remove(key: K): void;
  clear(): void;
}

/**
 * A snapshot of one subtask's broadcast state: descriptor name → entries. Plain data.
 * @example
 * ```ts
 * const snapshot: BroadcastStateSnapshot = { rules: [['large', { limit: 100 }]] };
 * ```
 */
export type BroadcastStateSnapshot = Readonly<Record<string, readonly (readonly [unknown, unknown])[]>>;

/**
 * The broadcast state of one subtask: one `Map` per declared {@link MapStateDescriptor}.
 *
 * @example
 * ```ts
 * const store = new BroadcastStateStore([rules]);
 * store.get(rules).put('r1', { limit: 100 });
 * store.snapshot(); // { rules: [['r1', { limit: 100 }]] }
 * ```
 */
export class BroadcastStateStore {
  private readonly maps = new Map<string, Map<unknown, unknown>>();
  private readonly writable = new Map<string, BroadcastState<unknown, unknown>>();
  private readonly readOnly = new Map<string, ReadOnlyBroadcastState<unknown, unknown>>();

  constructor(descriptors: readonly MapStateDescriptor<unknown, unknown>[]) {
    for (const d of descriptors) {
      const map = new Map<unknown, unknown>();
      this.maps.set(d.name, map);
      const view: ReadOnlyBroadcastState<unknown, unknown> = {
        get: (k) => map.get(k),
        contains: (k) => map.has(k),
        entries: () => map.entries(),
        keys: () => map.keys(),
        values: () => map.values(),
        size: () => map.size,
        isEmpty: () => map.size === 0,
      };
      this.readOnly.set(d.name, view);
      this.writable.set(d.name, {
        ...view,
        put: (k, v) => {
          map.set(k, v);
        },
        putAll: (entries) => {
          for (const [k, v] of entries) map.set(k, v);
        },
        remove: (k) => {
          map.delete(k);
        },
        clear: () => map.clear(),
      });
    }
  }

  /** The writable state of `descriptor` (broadcast side). */
  get<K, V>(descriptor: MapStateDescriptor<K, V>): BroadcastState<K, V> {
    return this.lookup(this.writable, descriptor.name) as BroadcastState<K, V>;
  }

  /** The read-only view of `descriptor` (non-broadcast side). */
  getReadOnly<K, V>(descriptor: MapStateDescriptor<K, V>): ReadOnlyBroadcastState<K, V> {
    return this.lookup(this.readOnly, descriptor.name) as ReadOnlyBroadcastState<K, V>;
  }

  /** Names of the declared states. */
  names(): string[] {
    return [...this.maps.keys()];
  }

  /** The entries of every state (the values themselves are shared, not copied). */
  snapshot(): BroadcastStateSnapshot {
    const out: Record<string, [unknown, unknown][]> = {};
    for (const [name, map] of this.maps) out[name] = [...map.entries()];
    return out;
  }

  /** Replaces the content of the declared states with a snapshot's (unknown names are ignored). */
  restore(snapshot: BroadcastStateSnapshot): void {
    for (const [name, entries] of Object.entries(snapshot)) {
      const map = this.maps.get(name);
      if (map === undefined) continue;
      map.clear();
      for (const [k, v] of entries) map.set(k, v);
    }
  }

  private lookup<S>(views: Map<string, S>, name: string): S {
    const view = views.get(name);
    if (view === undefined) {
      throw new SluiceError(
        'INVALID_ARGUMENT',
        `Broadcast state '${name}' does not exist here. Declare its descriptor in stream.broadcast(descriptor, ...) ` +
          `(declared: ${[...this.maps.keys()].map((n) => `'${n}'`).join(', ') || 'none'}), and check the name for typos.`,
      );
    }
    return view;
  }
}

/**
 * The restore rule of broadcast state: all old subtasks hold the same state, so new subtask `i`
 * takes the copy of old subtask `i % old.length` (spreading the reads, as Flink does).
 *
 * @example
 * ```ts
 * redistributeBroadcastState([a, b], 3); // [a, b, a]
 * ```
 */
export function redistributeBroadcastState(
  snapshots: readonly BroadcastStateSnapshot[],
  parallelism: number,
): BroadcastStateSnapshot[] {
  if (snapshots.length === 0) return Array.from({ length: parallelism }, () => ({}));
  return Array.from({ length: parallelism }, (_, i) => snapshots[i % snapshots.length] as BroadcastStateSnapshot);
}
