import { SluiceError } from '../errors.ts';
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
} from './state-descriptors.ts';

/**
 * Read/write access to one state's value for the backend's current key and namespace (TTL, if
 * configured, is the cell's business). A backend supplies cells; {@link StateAccessors} builds the
 * five state kinds on top of them.
 */
export interface StateCell<V> {
  get(): V | undefined;
  set(v: V): void;
  clear(): void;
}

/**
 * The state objects a keyed backend hands out (`getState`, `getListState`, ...), built over the
 * backend's cells and kept by descriptor name: asking twice gives the same object, and asking for
 * a name under another kind fails. Shared by the heap and LMDB backends, so the five kinds behave
 * the same on both.
 *
 * @example
 * ```ts
 * const accessors = new StateAccessors((descriptor) => backendCellFor(descriptor));
 * const count = accessors.value(new ValueStateDescriptor<number>('count'));
 * count.update((count.value() ?? 0) + 1);
 * ```
 */
export class StateAccessors {
  private readonly objects = new Map<string, [string, unknown]>();
  private readonly cellFor: <V>(descriptor: StateDescriptor<string>) => StateCell<V>;

  constructor(cellFor: <V>(descriptor: StateDescriptor<string>) => StateCell<V>) {
    this.cellFor = cellFor;
  }

  value<T>(descriptor: ValueStateDescriptor<T>): ValueState<T> {
    return this.stateFor(descriptor, () => {
      const cell = this.cellFor<T>(descriptor);
      const fallback = descriptor.defaultValue;
      return {
        value: () => cell.get() ?? fallback,
        update: (v: T) => cell.set(v),
        clear: () => cell.clear(),
      };
    });
  }

  list<T>(descriptor: ListStateDescriptor<T>): ListState<T> {
    return this.stateFor(descriptor, () => {
      const cell = this.cellFor<T[]>(descriptor);
      const empty: readonly T[] = Object.freeze([]);
      return {
        get: () => cell.get() ?? empty,
        add: (v: T) => {
          const list = cell.get();
          if (list === undefined) cell.set([v]);
          else {
            list.push(v);
            cell.set(list);
          }
        },
        addAll: (vs: readonly T[]) => {
          if (vs.length === 0) return;
          cell.set([...(cell.get() ?? []), ...vs]);
        },
        update: (vs: readonly T[]) => (vs.length === 0 ? cell.clear() : cell.set([...vs])),
        clear: () => cell.clear(),
      };
    });
  }

  map<K, V>(descriptor: MapStateDescriptor<K, V>): MapState<K, V> {
    return this.stateFor(descriptor, () => {
      const cell = this.cellFor<Map<K, V>>(descriptor);
      const empty = new Map<K, V>();
      const read = (): Map<K, V> => cell.get() ?? empty;
      return {
        get: (k: K) => read().get(k),
        put: (k: K, v: V) => {
          const m = cell.get() ?? new Map<K, V>();
          m.set(k, v);
          cell.set(m);
        },
        remove: (k: K) => {
          const m = cell.get();
          if (m === undefined) return;
          m.delete(k);
          if (m.size === 0) cell.clear();
          else cell.set(m);
        },
        contains: (k: K) => read().has(k),
        entries: () => read().entries(),
        keys: () => read().keys(),
        values: () => read().values(),
        isEmpty: () => read().size === 0,
        clear: () => cell.clear(),
      };
    });
  }

  reducing<T>(descriptor: ReducingStateDescriptor<T>): ReducingState<T> {
    return this.stateFor(descriptor, () => {
      const cell = this.cellFor<T>(descriptor);
      const reduce = descriptor.reduce;
      return {
        get: () => cell.get(),
        add: (v: T) => {
          const current = cell.get();
          cell.set(current === undefined ? v : reduce(current, v));
        },
        clear: () => cell.clear(),
      };
    });
  }

  aggregating<IN, ACC, OUT>(descriptor: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT> {
    return this.stateFor(descriptor, () => {
      const cell = this.cellFor<ACC>(descriptor);
      const fn = descriptor.aggregate;
      return {
        get: () => {
          const acc = cell.get();
          return acc === undefined ? undefined : fn.getResult(acc);
        },
        add: (v: IN) => cell.set(fn.add(v, cell.get() ?? fn.createAccumulator())),
        clear: () => cell.clear(),
      };
    });
  }

  private stateFor<S>(descriptor: StateDescriptor<string>, create: () => S): S {
    const id = `${descriptor.kind}:${descriptor.name}`;
    const existing = this.objects.get(descriptor.name);
    if (existing !== undefined) {
      const [kind, state] = existing;
      if (kind !== id) {
        throw new SluiceError(
          'INVALID_ARGUMENT',
          `State '${descriptor.name}' was registered as ${kind.split(':')[0]} state and is now asked for as ${descriptor.kind} state; use a different name.`,
        );
      }
      return state as S;
    }
    const state = create();
    this.objects.set(descriptor.name, [id, state]);
    return state;
  }
}
