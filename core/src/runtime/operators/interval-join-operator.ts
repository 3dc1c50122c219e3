import { SluiceError, userFunctionFailed } from '../../errors.ts';
import type { ProcessJoinContext, ProcessJoinFunction } from '../../api/interval-join.ts';
import type { Collector } from '../../api/functions.ts';
import type { OutputTag } from '../../api/output-tag.ts';
import type { KeyedStateBackend } from '../../state/keyed-state-backend.ts';
import type { KeyType } from '../../state/key-groups.ts';
import { type MapState, MapStateDescriptor } from '../../state/state-descriptors.ts';
import { InternalTimerService, type Timer } from '../../state/timer-service.ts';
import { MIN_WATERMARK, NO_TIMESTAMP, type Timestamp } from '../../time/timestamps.ts';
import {
  AbstractStreamOperator,
  type RestorableTimerService,
  type TwoInputStreamOperator,
} from '../stream-operator.ts';
import { keyedRuntimeContextOf, requireKeyedBackend } from './keyed-udf-operator.ts';
import type { TimerIntrospection, TimerServiceStats } from './timer-introspection.ts';

/** Bounds and late-data routing of an interval join (inclusive bounds, already adjusted for exclusivity). */
export interface IntervalJoinSpec {
  /** Right timestamps joinable with a left record at `t` are `[t + lower, t + upper]`. */
  readonly lower: number;
  readonly upper: number;
  readonly leftLateTag: string | undefined;
  readonly rightLateTag: string | undefined;
}

type Side = 'left' | 'right';

/** Names of the operator's internal keyed state (prefixed so they cannot clash with user state). */
const LEFT_BUFFER = '_interval-join-left';
const RIGHT_BUFFER = '_interval-join-right';

/**
 * Flink's IntervalJoinOperator: both inputs are keyed by the same key and buffered in keyed
 * MapState (event timestamp → records). A record joins with the buffered records of the other side
 * whose timestamps fall in its interval; the pair's timestamp is the larger of the two. A buffered
 * record is removed by an event-time cleanup timer once the watermark guarantees that no future
 * record of the other side can join it. Records behind the watermark are late: they go to a side
 * output when one is set, else they are dropped (as Flink does).
 */
export class IntervalJoinOperator<K extends KeyType, L, R, OUT>
  extends AbstractStreamOperator<OUT>
  implements TwoInputStreamOperator<L, R, OUT>, ProcessJoinContext, Collector<OUT>, TimerIntrospection
{
  private readonly fn: ProcessJoinFunction<L, R, OUT>;
  private readonly spec: IntervalJoinSpec;
  private readonly leftKey: (value: L) => K;
  private readonly rightKey: (value: R) => K;
  private backend!: KeyedStateBackend;
  private timers!: InternalTimerService<Side>;
  private leftBuffer!: MapState<number, L[]>;
  private rightBuffer!: MapState<number, R[]>;
  private leftTs: Timestamp = NO_TIMESTAMP;
  private rightTs: Timestamp = NO_TIMESTAMP;
  private outTs: Timestamp = NO_TIMESTAMP;

  constructor(
    fn: ProcessJoinFunction<L, R, OUT>,
    spec: IntervalJoinSpec,
    leftKey: (value: L) => K,
    rightKey: (value: R) => K,
  ) {
    super();
    this.fn = fn;
    this.spec = spec;
    this.leftKey = leftKey;
    this.rightKey = rightKey;
  }

  override open(): void {
    this.backend = requireKeyedBackend(this.ctx.keyedBackend, this.ctx.name);
    this.leftBuffer = this.backend.getMapState(new MapStateDescriptor<number, L[]>(LEFT_BUFFER));
    this.rightBuffer = this.backend.getMapState(new MapStateDescriptor<number, R[]>(RIGHT_BUFFER));
    this.timers = new InternalTimerService<Side>(
      this.backend,
      this.ctx.processingTime,
      { onEventTime: (t) => this.cleanUp(t), onProcessingTime: () => {} },
      (side) => side,
    );
    this.fn.open?.(keyedRuntimeContextOf(this.ctx, this.backend));
  }

  override close(): void {
    this.fn.close?.();
  }

  processElement1(value: L, timestamp: Timestamp): void {
    this.requireTimestamp(timestamp);
    if (this.isLate(timestamp)) {
      if (this.spec.leftLateTag !== undefined) this.out.collectSide(this.spec.leftLateTag, value, timestamp);
      return;
    }
    const { lower, upper } = this.spec;
    try {
      this.backend.setCurrentKey(this.leftKey(value));
      addTo(this.leftBuffer, timestamp, value);
      for (const [rightTs, rights] of this.rightBuffer.entries()) {
        if (rightTs < timestamp + lower || rightTs > timestamp + upper) continue;
        for (const right of rights) this.join(value, timestamp, right, rightTs);
      }
    } catch (e) {
      throw userFunctionFailed(this.ctx.name, e);
    }
    // Once the watermark passes t + upper, no right record can still join this one.
    this.timers.registerEventTimeTimer('left', upper > 0 ? timestamp + upper : timestamp);
  }

  processElement2(value: R, timestamp: Timestamp): void {
    this.requireTimestamp(timestamp);
    if (this.isLate(timestamp)) {
      if (this.spec.rightLateTag !== undefined) this.out.collectSide(this.spec.rightLateTag, value, timestamp);
      return;
    }
    const { lower, upper } = this.spec;
    try {
      this.backend.setCurrentKey(this.rightKey(value));
      addTo(this.rightBuffer, timestamp, value);
      // Left records at l join a right at t when l + lower <= t <= l + upper, i.e. l in [t - upper, t - lower].
      for (const [leftTs, lefts] of this.leftBuffer.entries()) {
        if (leftTs < timestamp - upper || leftTs > timestamp - lower) continue;
        for (const left of lefts) this.join(left, leftTs, value, timestamp);
      }
    } catch (e) {
      throw userFunctionFailed(this.ctx.name, e);
    }
    this.timers.registerEventTimeTimer('right', lower < 0 ? timestamp - lower : timestamp);
  }

  override processWatermark(watermark: Timestamp): void {
    this.watermark = watermark;
    this.timers.advanceWatermark(watermark);
    this.out.emitWatermark(watermark);
  }

  restorableTimerServices(): readonly RestorableTimerService[] {
    return [{ name: 'cleanup', service: this.timers as InternalTimerService<unknown>, namespaceFromId: (id) => id }];
  }

  internalTimerServices(): readonly TimerServiceStats[] {
    return [this.timers];
  }

  private join(left: L, leftTs: Timestamp, right: R, rightTs: Timestamp): void {
    this.leftTs = leftTs;
    this.rightTs = rightTs;
    this.outTs = Math.max(leftTs, rightTs);
    this.fn.processElement(left, right, this, this);
  }

  private cleanUp(timer: Timer<Side>): void {
    const { lower, upper } = this.spec;
    if (timer.namespace === 'left') {
      this.leftBuffer.remove(upper > 0 ? timer.timestamp - upper : timer.timestamp);
    } else {
      this.rightBuffer.remove(lower < 0 ? timer.timestamp + lower : timer.timestamp);
    }
  }

  private isLate(timestamp: Timestamp): boolean {
    const wm = this.timers.currentWatermark();
    return wm !== MIN_WATERMARK && timestamp < wm;
  }

  private requireTimestamp(timestamp: Timestamp): void {
    if (timestamp === NO_TIMESTAMP) {
      throw new SluiceError(
        'NO_TIMESTAMP',
        `Interval join '${this.ctx.name}' received a record without an event timestamp. Interval joins work in ` +
          'event time: give both sources a WatermarkStrategy with a timestamp assigner.',
      );
    }
  }

  // Collector
  collect(value: OUT): void {
    this.out.collect(value, this.outTs);
  }

  // ProcessJoinContext
  getLeftTimestamp(): Timestamp {
    return this.leftTs;
  }
  getRightTimestamp(): Timestamp {
    return this.rightTs;
  }
  getTimestamp(): Timestamp {
    return this.outTs;
  }
  currentWatermark(): Timestamp {
    return this.timers.currentWatermark();
  }
  output<S>(tag: OutputTag<S>, value: S): void {
    this.out.collectSide(tag.id, value, this.outTs);
  }
}

function addTo<T>(buffer: MapState<number, T[]>, timestamp: number, value: T): void {
  const bucket = buffer.get(timestamp);
  if (bucket === undefined) buffer.put(timestamp, [value]);
  else {
    bucket.push(value);
    buffer.put(timestamp, bucket);
  }
}
