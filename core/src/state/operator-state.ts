import { SluiceError } from '../errors.ts';
import type { ListState, ListStateDescriptor } from './state-descriptors.ts';

/**
 * The operator (non-keyed) state of one subtask in a snapshot: list name → items. Plain data.
 * @example
 * ```ts
 * const snapshot: OperatorStateSnapshot = { pending: ['a', 'b'] };
 * ```
 */
export type OperatorStateSnapshot = Readonly<Record<string, readonly unknown[]>>;

/**
 * Operator state of one subtask of a non-keyed operator: named lists that are not scoped to a key
 * (Flink's `OperatorStateStore`). The items of every list are what a checkpoint stores; restored
 * with another parallelism they are redistributed by {@link redistributeOperatorState}.
 *
 * @example
 * ```ts
 * const store = new OperatorStateStore();
 * const offsets = store.getListState(new ListStateDescriptor<number>('offsets'));
 * offsets.add(42);
 * store.snapshot(); // { offsets: [42] }
 * ```
 */
export class OperatorStateStore {
  private readonly lists = new Map<string, { items: unknown[]; state: ListState<unknown> }>();
  private restored: OperatorStateSnapshot = {};

  /** The list named by `descriptor` (created empty, or with its restored items). */
  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T> {
    const existing = this.lists.get(descriptor.name);
    if (existing !== undefined) return existing.state as ListState<T>;
    const items: T[] = [...((this.restored[descriptor.name] ?? []) as T[])];
    const state: ListState<T> = {
      get: () => items,
      add: (v) => {
        items.push(v);
      },
      addAll: (vs) => {
        for (const v of vs) items.push(v);
      },
      update: (vs) => {
        items.splice(0, items.length, ...vs);
      },
      clear: () => {
        items.length = 0;
      },
    };
    this.lists.set(descriptor.name, { items, state: state as ListState<unknown> });
    return state;
  }

  /** Names of the registered lists. */
  names(): string[] {
    return [...this.lists.keys()];
  }

  /** The current items of every list (copied arrays; the items themselves are shared). */
  snapshot(): OperatorStateSnapshot {
    const out: Record<string, readonly unknown[]> = { ...this.restored };
    for (const [name, list] of this.lists) out[name] = [...list.items];
    return out;
  }

  /** Loads a (redistributed) snapshot; lists registered later start with its items. */
  restore(snapshot: OperatorStateSnapshot): void {
    this.restored = { ...snapshot };
    for (const [name, items] of Object.entries(snapshot)) {
      const list = this.lists.get(name);
      if (list !== undefined) list.items.splice(0, list.items.length, ...items);
    }
  }
}

/**
 * The restore rule of operator list state: the snapshots of the old subtasks (in subtask order)
 * become `parallelism` snapshots; each list's items are concatenated and dealt round-robin (item
 * `i` goes to subtask `i % parallelism`), so every item is restored exactly once.
 *
 * @example
 * ```ts
 * redistributeOperatorState([{ offsets: [1, 2] }, { offsets: [3] }], 2);
 * // [{ offsets: [1, 3] }, { offsets: [2] }]
 * ```
 */
export function redistributeOperatorState(
  snapshots: readonly OperatorStateSnapshot[],
  parallelism: number,
): OperatorStateSnapshot[] {
  if (!Number.isInteger(parallelism) || parallelism < 1) {
    throw new SluiceError('INVALID_ARGUMENT', `parallelism must be an integer >= 1; got ${parallelism}`);
  }
  const merged = new Map<string, unknown[]>();
  for (const snapshot of snapshots) {
    for (const [name, items] of Object.entries(snapshot)) merged.set(name, [...(merged.get(name) ?? []), ...items]);
  }
  const out: Record<string, unknown[]>[] = Array.from({ length: parallelism }, () => ({}));
  for (const [name, items] of merged) {
    for (const target of out) target[name] = [];
    items.forEach((item, i) => (out[i % parallelism] as Record<string, unknown[]>)[name]?.push(item));
  }
  return out;
}
