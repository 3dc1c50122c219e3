import { userFunctionFailed } from '../../errors.ts';
import type { AggregateFunction } from '../../api/functions.ts';
import type { KeyedStateBackend, KeyedStateTable } from '../../state/keyed-state-backend.ts';
import { VOID_NAMESPACE } from '../../state/keyed-state-scope.ts';
import type { KeyType } from '../../state/key-groups.ts';
import type { Timestamp } from '../../time/timestamps.ts';
import { AbstractStreamOperator, type OneInputStreamOperator } from '../stream-operator.ts';
import { requireKeyedBackend } from './keyed-udf-operator.ts';

/**
 * Rolling aggregation per key (KeyedStream.reduce / aggregate): keeps one accumulator per key and
 * emits the updated result for every input record.
 */
export class KeyedAggregateOperator<K extends KeyType, IN, ACC, OUT>
  extends AbstractStreamOperator<OUT>
  implements OneInputStreamOperator<IN, OUT>
{
  private readonly fn: AggregateFunction<IN, ACC, OUT>;
  private readonly keySelector: (value: IN) => K;
  private backend!: KeyedStateBackend;
  private table!: KeyedStateTable<ACC>;

  constructor(fn: AggregateFunction<IN, ACC, OUT>, keySelector: (value: IN) => K) {
    super();
    this.fn = fn;
    this.keySelector = keySelector;
  }

  override open(): void {
    this.backend = requireKeyedBackend(this.ctx.keyedBackend, this.ctx.name);
    this.table = this.backend.table<ACC>('rolling-aggregate');
  }

  processElement(value: IN, timestamp: Timestamp): void {
    let result: OUT;
    try {
      const key = this.keySelector(value);
      this.backend.setCurrentKey(key);
      const group = this.backend.getCurrentKeyGroup();
      const acc = this.fn.add(value, this.table.get(group, key, VOID_NAMESPACE) ?? this.fn.createAccumulator());
      this.table.put(group, key, VOID_NAMESPACE, acc);
      result = this.fn.getResult(acc);
    } catch (e) {
      throw userFunctionFailed(this.ctx.name, e);
    }
    this.out.collect(result, timestamp);
  }
}
