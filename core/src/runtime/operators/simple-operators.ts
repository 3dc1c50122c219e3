import { userFunctionFailed } from '../../errors.ts';
import type { Collector, FilterFunction, FlatMapFunction, MapFunction } from '../../api/functions.ts';
import type { Timestamp } from '../../time/timestamps.ts';
import { AbstractStreamOperator, type OneInputStreamOperator } from '../stream-operator.ts';

/** Applies a map function; the record keeps its timestamp. */
export class MapOperator<IN, OUT> extends AbstractStreamOperator<OUT> implements OneInputStreamOperator<IN, OUT> {
  private readonly fn: MapFunction<IN, OUT>;

  constructor(fn: MapFunction<IN, OUT>) {
    super();
    this.fn = fn;
  }

  processElement(value: IN, timestamp: Timestamp): void {
    let out: OUT;
    try {
      out = this.fn(value);
    } catch (e) {
      throw userFunctionFailed(this.ctx.name, e);
    }
    this.out.collect(out, timestamp);
  }
}

/** Keeps records for which the predicate holds. */
export class FilterOperator<T> extends AbstractStreamOperator<T> implements OneInputStreamOperator<T, T> {
  private readonly fn: FilterFunction<T>;

  constructor(fn: FilterFunction<T>) {
    super();
    this.fn = fn;
  }

  processElement(value: T, timestamp: Timestamp): void {
    let keep: boolean;
    try {
      keep = this.fn(value);
    } catch (e) {
      throw userFunctionFailed(this.ctx.name, e);
    }
    if (keep) this.out.collect(value, timestamp);
  }
}

/** Emits zero or more records per input, each with the input's timestamp. */
export class FlatMapOperator<IN, OUT>
  extends AbstractStreamOperator<OUT>
  implements OneInputStreamOperator<IN, OUT>, Collector<OUT>
{
  private readonly fn: FlatMapFunction<IN, OUT>;
  private timestamp: Timestamp = 0;

  constructor(fn: FlatMapFunction<IN, OUT>) {
    super();
    this.fn = fn;
  }

  collect(value: OUT): void {
    this.out.collect(value, this.timestamp);
  }

  processElement(value: IN, timestamp: Timestamp): void {
    this.timestamp = timestamp;
    try {
      this.fn(value, this);
    } catch (e) {
      throw userFunctionFailed(this.ctx.name, e);
    }
  }
}
