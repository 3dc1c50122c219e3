import { SluiceError, userFunctionFailed } from '../../errors.ts';
import type {
  KeyedBroadcastContext,
  KeyedBroadcastOnTimerContext,
  KeyedBroadcastProcessFunction,
} from '../../api/broadcast-functions.ts';
import type { KeyType } from '../../state/key-groups.ts';
import { BroadcastStateStore, type ReadOnlyBroadcastState } from '../../state/broadcast-state.ts';
import { VOID_NAMESPACE } from '../../state/keyed-state-scope.ts';
import type { MapStateDescriptor, StateDescriptor } from '../../state/state-descriptors.ts';
import type {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
} from '../../state/state-descriptors.ts';
import type { Timestamp } from '../../time/timestamps.ts';
import type { OperatorSnapshot, RestoredOperatorState } from '../stream-operator.ts';
import { AbstractKeyedTwoInputOperator } from './abstract-keyed-two-input-operator.ts';
import { keyedRuntimeContextOf } from './keyed-udf-operator.ts';

/**
 * Runs a {@link KeyedBroadcastProcessFunction}: input 1 is the keyed stream (key, keyed state,
 * timers, read-only broadcast state), input 2 the broadcast stream (writable broadcast state and
 * `applyToKeyedState`, no current key).
 */
export class KeyedBroadcastProcessOperator<K extends KeyType, IN1, IN2, OUT>
  extends AbstractKeyedTwoInputOperator<K, IN1, IN2, OUT>
  implements KeyedBroadcastOnTimerContext<K>
{
  private readonly fn: KeyedBroadcastProcessFunction<K, IN1, IN2, OUT>;
  private readonly keySelector: (value: IN1) => K;
  /** One map per declared descriptor; what a checkpoint of this operator stores. */
  readonly broadcastState: BroadcastStateStore;
  private readonly broadcastContext: KeyedBroadcastContext<K>;

  constructor(
    fn: KeyedBroadcastProcessFunction<K, IN1, IN2, OUT>,
    keySelector: (value: IN1) => K,
    descriptors: readonly MapStateDescriptor<unknown, unknown>[],
  ) {
    super();
    this.fn = fn;
    this.keySelector = keySelector;
    this.broadcastState = new BroadcastStateStore(descriptors);
    const store = this.broadcastState;
    this.broadcastContext = {
      getBroadcastState: (d) => store.get(d),
      timestamp: () => this.timestamp(),
      currentWatermark: () => this.currentWatermark(),
      currentProcessingTime: () => this.currentProcessingTime(),
      output: (tag, value) => this.output(tag, value),
      applyToKeyedState: (d: StateDescriptor<string>, fn: (key: K, state: never) => void) =>
        this.applyToKeyedState(d, fn),
    };
  }

  protected openFunction(): void {
    this.fn.open?.(keyedRuntimeContextOf(this.ctx, this.backend));
  }

  initializeState(restored: RestoredOperatorState): void {
    this.broadcastState.restore(restored.broadcastState);
  }

  snapshotState(): OperatorSnapshot {
    return { broadcastState: this.broadcastState.snapshot() };
  }

  override close(): void {
    this.fn.close?.();
  }

  processElement1(value: IN1, timestamp: Timestamp): void {
    this.ts = timestamp;
    try {
      this.backend.setCurrentKey(this.keySelector(value));
      this.fn.processElement(value, this, this);
    } catch (e) {
      throw userFunctionFailed(this.ctx.name, e);
    }
  }

  processElement2(value: IN2, timestamp: Timestamp): void {
    this.ts = timestamp;
    // The broadcast side has no key: keyed state is reachable only through applyToKeyedState.
    this.clearCurrentKey();
    try {
      this.fn.processBroadcastElement(value, this.broadcastContext, this);
    } catch (e) {
      throw userFunctionFailed(this.ctx.name, e);
    }
  }

  protected invokeOnTimer(timestamp: Timestamp): void {
    this.fn.onTimer?.(timestamp, this, this);
  }

  getBroadcastState<KS, VS>(descriptor: MapStateDescriptor<KS, VS>): ReadOnlyBroadcastState<KS, VS> {
    return this.broadcastState.getReadOnly(descriptor);
  }

  private applyToKeyedState(descriptor: StateDescriptor<string>, fn: (key: K, state: never) => void): void {
    const state = this.stateOf(descriptor);
    const table = this.backend.table<unknown>(descriptor.name);
    const { start, end } = this.backend.range;
    const keys: [KeyType, number][] = [];
    for (let group = start; group <= end; group++) {
      for (const [key, namespace] of table.entriesOfGroup(group)) {
        if (namespace === VOID_NAMESPACE) keys.push([key, group]);
      }
    }
    try {
      for (const [key, group] of keys) {
        this.backend.setCurrentKeyAndGroup(key, group);
        fn(key as K, state as never);
      }
    } finally {
      this.clearCurrentKey();
    }
  }

  private stateOf(descriptor: StateDescriptor<string>): unknown {
    switch (descriptor.kind) {
      case 'value':
        return this.backend.getState(descriptor as ValueStateDescriptor<unknown>);
      case 'list':
        return this.backend.getListState(descriptor as ListStateDescriptor<unknown>);
      case 'map':
        return this.backend.getMapState(descriptor as MapStateDescriptor<unknown, unknown>);
      case 'reducing':
        return this.backend.getReducingState(descriptor as ReducingStateDescriptor<unknown>);
      case 'aggregating':
        return this.backend.getAggregatingState(descriptor as AggregatingStateDescriptor<unknown, unknown, unknown>);
      default:
        throw new SluiceError('INVALID_ARGUMENT', `applyToKeyedState() does not support '${descriptor.kind}' state.`);
    }
  }

  private clearCurrentKey(): void {
    // No current key: keyed state access and timer registration fail with STATE_OUTSIDE_KEYED_CONTEXT.
    this.backend.setCurrentKeyAndGroup(undefined as unknown as KeyType, -1);
  }
}
