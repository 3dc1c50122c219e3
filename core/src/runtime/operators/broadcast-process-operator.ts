import { userFunctionFailed } from '../../errors.ts';
import type {
  BroadcastContext,
  BroadcastProcessFunction,
  BroadcastReadOnlyContext,
} from '../../api/broadcast-functions.ts';
import { BroadcastStateStore, type ReadOnlyBroadcastState } from '../../state/broadcast-state.ts';
import { OperatorStateStore } from '../../state/operator-state.ts';
import type { MapStateDescriptor } from '../../state/state-descriptors.ts';
import { type Timestamp } from '../../time/timestamps.ts';
import type { OperatorSnapshot, RestoredOperatorState, TwoInputStreamOperator } from '../stream-operator.ts';
import { AbstractUdfOperator } from './udf-operator.ts';
import { operatorRuntimeContextOf } from './operator-runtime-context.ts';

/**
 * Runs a {@link BroadcastProcessFunction}: input 1 is the non-broadcast stream (read-only
 * broadcast state), input 2 the broadcast stream (writable broadcast state).
 */
export class BroadcastProcessOperator<IN1, IN2, OUT>
  extends AbstractUdfOperator<OUT>
  implements TwoInputStreamOperator<IN1, IN2, OUT>, BroadcastReadOnlyContext
{
  private readonly fn: BroadcastProcessFunction<IN1, IN2, OUT>;
  /** One map per declared descriptor; what a checkpoint of this operator stores. */
  readonly broadcastState: BroadcastStateStore;
  /** The function's operator (non-keyed) list state. */
  readonly operatorState = new OperatorStateStore();

  initializeState(restored: RestoredOperatorState): void {
    this.operatorState.restore(restored.listState);
    this.broadcastState.restore(restored.broadcastState);
  }

  snapshotState(): OperatorSnapshot {
    return { listState: this.operatorState.snapshot(), broadcastState: this.broadcastState.snapshot() };
  }
  private readonly broadcastContext: BroadcastContext;

  constructor(
    fn: BroadcastProcessFunction<IN1, IN2, OUT>,
    descriptors: readonly MapStateDescriptor<unknown, unknown>[],
  ) {
    super();
    this.fn = fn;
    this.broadcastState = new BroadcastStateStore(descriptors);
    const store = this.broadcastState;
    this.broadcastContext = {
      getBroadcastState: (d) => store.get(d),
      timestamp: () => this.timestamp(),
      currentWatermark: () => this.watermark,
      currentProcessingTime: () => this.ctx.clock.now(),
      output: (tag, value) => this.output(tag, value),
    };
  }

  override open(): void {
    this.fn.open?.(operatorRuntimeContextOf(this.ctx, this.operatorState));
  }

  override close(): void {
    this.fn.close?.();
  }

  processElement1(value: IN1, timestamp: Timestamp): void {
    this.ts = timestamp;
    try {
      this.fn.processElement(value, this, this);
    } catch (e) {
      throw userFunctionFailed(this.ctx.name, e);
    }
  }

  processElement2(value: IN2, timestamp: Timestamp): void {
    this.ts = timestamp;
    try {
      this.fn.processBroadcastElement(value, this.broadcastContext, this);
    } catch (e) {
      throw userFunctionFailed(this.ctx.name, e);
    }
  }

  getBroadcastState<K, V>(descriptor: MapStateDescriptor<K, V>): ReadOnlyBroadcastState<K, V> {
    return this.broadcastState.getReadOnly(descriptor);
  }
}
