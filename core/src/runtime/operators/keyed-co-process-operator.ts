import { userFunctionFailed } from '../../errors.ts';
import type { KeyedCoProcessFunction } from '../../api/co-functions.ts';
import type { KeyType } from '../../state/key-groups.ts';
import type { Timestamp } from '../../time/timestamps.ts';
import { AbstractKeyedTwoInputOperator } from './abstract-keyed-two-input-operator.ts';
import { keyedRuntimeContextOf } from './keyed-udf-operator.ts';

/**
 * Runs a {@link KeyedCoProcessFunction}: each input sets the key with its own selector; keyed
 * state and timers are shared by both inputs of a key.
 */
export class KeyedCoProcessOperator<K extends KeyType, IN1, IN2, OUT> extends AbstractKeyedTwoInputOperator<
  K,
  IN1,
  IN2,
  OUT
> {
  private readonly fn: KeyedCoProcessFunction<K, IN1, IN2, OUT>;
  private readonly keySelector1: (value: IN1) => K;
  private readonly keySelector2: (value: IN2) => K;

  constructor(
    fn: KeyedCoProcessFunction<K, IN1, IN2, OUT>,
    keySelector1: (value: IN1) => K,
    keySelector2: (value: IN2) => K,
  ) {
    super();
    this.fn = fn;
    this.keySelector1 = keySelector1;
    this.keySelector2 = keySelector2;
  }

  protected openFunction(): void {
    this.fn.open?.(keyedRuntimeContextOf(this.ctx, this.backend));
  }

  override close(): void {
    this.fn.close?.();
  }

  processElement1(value: IN1, timestamp: Timestamp): void {
    this.ts = timestamp;
    try {
      this.backend.setCurrentKey(this.keySelector1(value));
      this.fn.processElement1(value, this, this);
    } catch (e) {
      throw userFunctionFailed(this.ctx.name, e);
    }
  }

  processElement2(value: IN2, timestamp: Timestamp): void {
    this.ts = timestamp;
    try {
      this.backend.setCurrentKey(this.keySelector2(value));
      this.fn.processElement2(value, this, this);
    } catch (e) {
      throw userFunctionFailed(this.ctx.name, e);
    }
  }

  protected invokeOnTimer(timestamp: Timestamp): void {
    this.fn.onTimer?.(timestamp, this, this);
  }
}
