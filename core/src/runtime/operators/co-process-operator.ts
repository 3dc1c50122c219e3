import { userFunctionFailed } from '../../errors.ts';
import type { CoProcessFunction } from '../../api/co-functions.ts';
import { OperatorStateStore } from '../../state/operator-state.ts';
import { type Timestamp } from '../../time/timestamps.ts';
import type { OperatorSnapshot, RestoredOperatorState, TwoInputStreamOperator } from '../stream-operator.ts';
import { AbstractUdfOperator } from './udf-operator.ts';
import { operatorRuntimeContextOf } from './operator-runtime-context.ts';

/**
 * Runs a {@link CoProcessFunction} on two connected non-keyed streams (also `connect().map/flatMap`).
 * Outputs carry the timestamp of the record being processed; the watermark is the minimum of both
 * inputs (the input gate combines them).
 */
export class CoProcessOperator<IN1, IN2, OUT>
  extends AbstractUdfOperator<OUT>
  implements TwoInputStreamOperator<IN1, IN2, OUT>
{
  private readonly fn: CoProcessFunction<IN1, IN2, OUT>;
  /** The function's operator (non-keyed) list state. */
  readonly operatorState = new OperatorStateStore();

  initializeState(restored: RestoredOperatorState): void {
    this.operatorState.restore(restored.listState);
  }

  snapshotState(): OperatorSnapshot {
    return { listState: this.operatorState.snapshot() };
  }

  constructor(fn: CoProcessFunction<IN1, IN2, OUT>) {
    super();
    this.fn = fn;
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
      this.fn.processElement1(value, this, this);
    } catch (e) {
      throw userFunctionFailed(this.ctx.name, e);
    }
  }

  processElement2(value: IN2, timestamp: Timestamp): void {
    this.ts = timestamp;
    try {
      this.fn.processElement2(value, this, this);
    } catch (e) {
      throw userFunctionFailed(this.ctx.name, e);
    }
  }
}
