import { userFunctionFailed } from '../../errors.ts';
import type { Collector, ProcessContext, ProcessFunction, RuntimeContext } from '../../api/functions.ts';
import type { OutputTag } from '../../api/output-tag.ts';
import { OperatorStateStore } from '../../state/operator-state.ts';
import { NO_TIMESTAMP, type Timestamp } from '../../time/timestamps.ts';
import { AbstractStreamOperator, type OneInputStreamOperator } from '../stream-operator.ts';
import { operatorRuntimeContextOf } from './operator-runtime-context.ts';

/** Runs a {@link ProcessFunction}; one context and collector object is reused for all records. */
export class ProcessOperator<IN, OUT>
  extends AbstractStreamOperator<OUT>
  implements OneInputStreamOperator<IN, OUT>, ProcessContext, Collector<OUT>
{
  private readonly fn: ProcessFunction<IN, OUT>;
  private ts: Timestamp = NO_TIMESTAMP;
  /** The function's operator (non-keyed) list state; what a checkpoint of this operator stores. */
  readonly operatorState = new OperatorStateStore();

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

  collect(value: OUT): void {
    this.out.collect(value, this.ts);
  }

  timestamp(): Timestamp | undefined {
    return this.ts === NO_TIMESTAMP ? undefined : this.ts;
  }

  currentWatermark(): Timestamp {
    return this.watermark;
  }

  currentProcessingTime(): number {
    return this.ctx.clock.now();
  }

  output<S>(tag: OutputTag<S>, value: S): void {
    this.out.collectSide(tag.id, value, this.ts);
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
