import { userFunctionFailed } from '../../errors.ts';
import type { ProcessFunction, RuntimeContext } from '../../api/functions.ts';
import { OperatorStateStore } from '../../state/operator-state.ts';
import { type Timestamp } from '../../time/timestamps.ts';
import type { OneInputStreamOperator, OperatorSnapshot, RestoredOperatorState } from '../stream-operator.ts';
import { AbstractUdfOperator } from './udf-operator.ts';
import { operatorRuntimeContextOf } from './operator-runtime-context.ts';

/** Runs a {@link ProcessFunction}; one context and collector object is reused for all records. */
export class ProcessOperator<IN, OUT> extends AbstractUdfOperator<OUT> implements OneInputStreamOperator<IN, OUT> {
  private readonly fn: ProcessFunction<IN, OUT>;
  /** The function's operator (non-keyed) list state; what a checkpoint of this operator stores. */
  readonly operatorState = new OperatorStateStore();

  initializeState(restored: RestoredOperatorState): void {
    this.operatorState.restore(restored.listState);
  }

  snapshotState(): OperatorSnapshot {
    return { listState: this.operatorState.snapshot() };
  }

  constructor(fn: ProcessFunction<IN, OUT>) {
    super();
    this.fn = fn;
  }

  override open(): void {
    this.fn.open?.(operatorRuntimeContextOf(this.ctx, this.operatorState));
  }

  override close(): void {
    this.fn.close?.();
  }

  processElement(value: IN, timestamp: Timestamp): void {
    this.ts = timestamp;
    try {
      this.fn.processElement(value, this, this);
    } catch (e) {
      throw userFunctionFailed(this.ctx.name, e);
    }
  }
}

/** The user-facing part of an operator context. */
export function runtimeContextOf(ctx: {
  uid: string;
  subtaskIndex: number;
  parallelism: number;
  maxParallelism: number;
}): RuntimeContext {
  return {
    operatorUid: ctx.uid,
    subtaskIndex: ctx.subtaskIndex,
    parallelism: ctx.parallelism,
    maxParallelism: ctx.maxParallelism,
  };
}
