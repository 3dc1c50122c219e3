import { SluiceError } from '../../errors.ts';
import type { AggregateFunction, ReduceFunction } from '../../api/functions.ts';
import type { KeyedStateBackend } from '../../state/keyed-state-backend.ts';
import type { StateDescriptor } from '../../state/state-descriptors.ts';
import type { KeyedStateStore } from '../triggers/trigger.ts';

type StateKind = 'value' | 'list' | 'map' | 'reducing' | 'aggregating';

function create(backend: KeyedStateBackend, descriptor: StateDescriptor<string>): object {
  const d = descriptor as never;
  switch (descriptor.kind as StateKind) {
    case 'value':
      return backend.getState(d);
    case 'list':
      return backend.getListState(d);
    case 'map':
      return backend.getMapState(d);
    case 'reducing':
      return backend.getReducingState(d);
    case 'aggregating':
      return backend.getAggregatingState(d);
    default:
      throw new SluiceError(
        'INVALID_ARGUMENT',
        `Unknown state kind '${descriptor.kind}' of state '${descriptor.name}'.`,
      );
  }
}

/** The functions of a state object (own and inherited), for wrapping. */
function methodsOf(state: object): string[] {
  const names = new Set<string>();
  for (
    let o: object | null = state;
    o !== null && o !== Object.prototype;
    o = Object.getPrototypeOf(o) as object | null
  ) {
    for (const name of Object.getOwnPropertyNames(o)) {
      if (name !== 'constructor' && typeof (state as Record<string, unknown>)[name] === 'function') names.add(name);
    }
  }
  return [...names];
}

/** A state object whose every call runs with the backend's namespace set to `namespace`. */
function inNamespace<S extends object>(backend: KeyedStateBackend, state: S, namespace: string): S {
  const wrapped: Record<string, unknown> = {};
  for (const name of methodsOf(state)) {
    const method = (state as Record<string, (...args: unknown[]) => unknown>)[name] as (...args: unknown[]) => unknown;
    wrapped[name] = (...args: unknown[]): unknown => {
      const previous = backend.getCurrentNamespace();
      backend.setCurrentNamespace(namespace);
      try {
        return method.apply(state, args);
      } finally {
        backend.setCurrentNamespace(previous);
      }
    };
  }
  return wrapped as S;
}

/**
 * A {@link KeyedStateStore} over a backend, with one state object per descriptor (no allocation
 * per access). `namespace` undefined: the state reads the backend's current namespace (the window
 * being evaluated); otherwise every access runs in that fixed namespace (global state).
 */
export class NamespacedStateStore implements KeyedStateStore {
  private readonly backend: KeyedStateBackend;
  private readonly namespace: string | undefined;
  private readonly states = new Map<object, unknown>();

  constructor(backend: KeyedStateBackend, namespace: string | undefined) {
    this.backend = backend;
    this.namespace = namespace;
  }

  private get<S>(descriptor: StateDescriptor<string>): S {
    let state = this.states.get(descriptor);
    if (state === undefined) {
      const raw = create(this.backend, descriptor);
      state = this.namespace === undefined ? raw : inNamespace(this.backend, raw, this.namespace);
      this.states.set(descriptor, state);
    }
    return state as S;
  }

  getState: KeyedStateStore['getState'] = (d) => this.get(d);
  getListState: KeyedStateStore['getListState'] = (d) => this.get(d);
  getMapState: KeyedStateStore['getMapState'] = (d) => this.get(d);
  getReducingState: KeyedStateStore['getReducingState'] = (d) => this.get(d);
  getAggregatingState: KeyedStateStore['getAggregatingState'] = (d) => this.get(d);
}

function noWindowState(): never {
  throw new SluiceError(
    'INVALID_PIPELINE',
    'Per-window state is not available with merging (session) windows: their windows merge, so per-window ' +
      'state would have to merge too. Use globalState, or a trigger with mergeable state.',
  );
}

/** The `windowState` of merging windows: refuses every access, as Flink does. */
export const MERGING_WINDOW_STATE: KeyedStateStore = {
  getState: noWindowState,
  getListState: noWindowState,
  getMapState: noWindowState,
  getReducingState: noWindowState,
  getAggregatingState: noWindowState,
};

/**
 * Folds the values of a reducing, aggregating or list state in the `sources` namespaces of the
 * current key into the `target` namespace, and clears the sources (trigger state of merged windows).
 */
export function mergeNamespaces(
  backend: KeyedStateBackend,
  descriptor: StateDescriptor<string>,
  target: string,
  sources: readonly string[],
): void {
  if (descriptor.ttl !== undefined) {
    throw new SluiceError(
      'INVALID_ARGUMENT',
      `State '${descriptor.name}' has a TTL and cannot be merged across windows; drop the TTL from trigger state.`,
    );
  }
  let fold: (a: unknown, b: unknown) => unknown;
  switch (descriptor.kind) {
    case 'reducing':
      fold = (descriptor as unknown as { reduce: ReduceFunction<unknown> }).reduce;
      break;
    case 'aggregating': {
      const fn = (descriptor as unknown as { aggregate: AggregateFunction<unknown, unknown, unknown> }).aggregate;
      const merge = fn.merge;
      if (merge === undefined) {
        throw new SluiceError(
          'INVALID_ARGUMENT',
          `Aggregating state '${descriptor.name}' is merged across windows; its AggregateFunction needs merge(a, b).`,
        );
      }
      fold = (a, b) => merge.call(fn, a, b);
      break;
    }
    case 'list':
      fold = (a, b) => [...(a as unknown[]), ...(b as unknown[])];
      break;
    default:
      throw new SluiceError(
        'INVALID_ARGUMENT',
        `Only reducing, aggregating and list state can be merged across windows; '${descriptor.name}' is ${descriptor.kind} state.`,
      );
  }
  const table = backend.table<unknown>(descriptor.name);
  const key = backend.getCurrentKey();
  const group = backend.getCurrentKeyGroup();
  let merged = table.get(group, key, target);
  for (const source of sources) {
    if (source === target) continue;
    const value = table.get(group, key, source);
    if (value === undefined) continue;
    merged = merged === undefined ? value : fold(merged, value);
    table.remove(group, key, source);
  }
  if (merged !== undefined) table.put(group, key, target, merged);
}
