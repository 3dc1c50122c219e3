import type { KeyedProcessFunction } from '../../api/functions.ts';
import { userFunctionFailed } from '../../errors.ts';
import type { KeyType } from '../../state/key-groups.ts';
import type { Timestamp } from '../../time/timestamps.ts';
import type { OneInputStreamOperator } from '../stream-operator.ts';
import { AbstractKeyedUdfOperator, keyedRuntimeContextOf } from './keyed-udf-operator.ts';

/**
 * Runs a {@link KeyedProcessFunction}: sets the record's key, exposes keyed state and timers.
 * One context object serves processElement and onTimer.
 */
export class KeyedProcessOperator<K extends KeyType, IN, OUT>
  extends AbstractKeyedUdfOperator<K, OUT>
  implements OneInputStreamOperator<IN, OUT>
{
  private readonly fn: KeyedProcessFunction<K, IN, OUT>;
  private readonly keySelector: (value: IN) => K;

  constructor(fn: KeyedProcessFunction<K, IN, OUT>, keySelector: (value: IN) => K) {
    super();
    this.fn = fn;
    this.keySelector = keySelector;
  }

  protected openFunction(): void {
    this.fn.open?.(keyedRuntimeContextOf(this.ctx, this.backend));
  }

  protected invokeOnTimer(timestamp: Timestamp): void {
    this.fn.onTimer?.call(this.fn, timestamp, this, this);
  }

  override close(): void {
    this.fn.close?.();
  }

  processElement(value: IN, timestamp: Timestamp): void {
    this.ts = timestamp;
    try {
      this.backend.setCurrentKey(this.keySelector(value));
      this.fn.processElement(value, this, this);
    } catch (e) {
      throw userFunctionFailed(this.ctx.name, e);
    }
  }
}
