import type { Collector, ProcessContext } from '../../api/functions.ts';
import type { OutputTag } from '../../api/output-tag.ts';
import { NO_TIMESTAMP, type Timestamp } from '../../time/timestamps.ts';
import { AbstractStreamOperator } from '../stream-operator.ts';

/**
 * Base of operators that run a user function with a context: the operator itself is the
 * function's {@link ProcessContext} and {@link Collector} (one object, no allocation per record).
 * Outputs carry `ts`, the timestamp of the record (or timer) being processed.
 */
export abstract class AbstractUdfOperator<OUT>
  extends AbstractStreamOperator<OUT>
  implements ProcessContext, Collector<OUT>
{
  protected ts: Timestamp = NO_TIMESTAMP;

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
