import type { KeyType } from '../../state/key-groups.ts';
import type { Timestamp } from '../../time/timestamps.ts';
import type { TwoInputStreamOperator } from '../stream-operator.ts';
import { AbstractKeyedUdfOperator } from './keyed-udf-operator.ts';

/** Base of keyed two-input operators (keyed connect, keyed broadcast). */
export abstract class AbstractKeyedTwoInputOperator<K extends KeyType, IN1, IN2, OUT>
  extends AbstractKeyedUdfOperator<K, OUT>
  implements TwoInputStreamOperator<IN1, IN2, OUT>
{
  abstract processElement1(value: IN1, timestamp: Timestamp): void;
  abstract processElement2(value: IN2, timestamp: Timestamp): void;
}
