import { userFunctionFailed } from '../../errors.ts';
import type { Collector, OnTimerContext, TimerService } from '../../api/functions.ts';
import type { OutputTag } from '../../api/output-tag.ts';
import type { HeapKeyedStateBackend } from '../../state/heap-keyed-state-backend.ts';
import { VOID_NAMESPACE } from '../../state/heap-keyed-state-backend.ts';
import type { KeyType } from '../../state/key-groups.ts';
import { InternalTimerService, type Timer } from '../../state/timer-service.ts';
import { NO_TIMESTAMP, type Timestamp } from '../../time/timestamps.ts';
import { AbstractStreamOperator, type TwoInputStreamOperator } from '../stream-operator.ts';
import { requireKeyedBackend } from './keyed-process-operator.ts';
import type { TimerIntrospection, TimerServiceStats } from './timer-introspection.ts';

/**
 * Shared machinery of keyed two-input operators (keyed connect, keyed broadcast): the keyed
 * backend, one timer service, and one reusable object that is the context, timer service and
 * collector of the user function (as {@link KeyedProcessOperator} does for one input).
 */
export abstract class AbstractKeyedTwoInputOperator<K extends KeyType, IN1, IN2, OUT>
  extends AbstractStreamOperator<OUT>
  implements TwoInputStreamOperator<IN1, IN2, OUT>, OnTimerContext<K>, Collector<OUT>, TimerService, TimerIntrospection
{
  protected backend!: HeapKeyedStateBackend;
  protected timers!: InternalTimerService<string>;
  protected ts: Timestamp = NO_TIMESTAMP;
  private domain: 'event-time' | 'processing-time' = 'event-time';

  override open(): void {
    this.backend = requireKeyedBackend(this.ctx.keyedBackend, this.ctx.name);
    this.timers = new InternalTimerService<string>(
      this.backend,
      this.ctx.processingTime,
      {
        onEventTime: (t) => this.fire(t, 'event-time'),
        onProcessingTime: (t) => this.fire(t, 'processing-time'),
      },
      (ns) => ns,
    );
    this.openFunction();
  }

  /** Opens the user function (backend and timers are ready). */
  protected abstract openFunction(): void;

  /** Calls the user function's `onTimer`, if any (key and timestamp are set). */
  protected abstract invokeOnTimer(timestamp: Timestamp): void;

  abstract processElement1(value: IN1, timestamp: Timestamp): void;
  abstract processElement2(value: IN2, timestamp: Timestamp): void;

  override processWatermark(watermark: Timestamp): void {
    this.watermark = watermark;
    this.timers.advanceWatermark(watermark);
    this.out.emitWatermark(watermark);
  }

  internalTimerServices(): readonly TimerServiceStats[] {
    return [this.timers];
  }

  private fire(timer: Timer<string>, domain: 'event-time' | 'processing-time'): void {
    this.domain = domain;
    this.ts = domain === 'event-time' ? timer.timestamp : NO_TIMESTAMP;
    try {
      this.invokeOnTimer(timer.timestamp);
    } catch (e) {
      throw userFunctionFailed(this.ctx.name, e);
    }
  }

  // Collector
  collect(value: OUT): void {
    this.out.collect(value, this.ts);
  }

  // Context
  timestamp(): Timestamp | undefined {
    return this.ts === NO_TIMESTAMP ? undefined : this.ts;
  }
  currentWatermark(): Timestamp {
    return this.timers.currentWatermark();
  }
  currentProcessingTime(): number {
    return this.ctx.clock.now();
  }
  output<S>(tag: OutputTag<S>, value: S): void {
    this.out.collectSide(tag.id, value, this.ts);
  }
  getCurrentKey(): K {
    return this.backend.getCurrentKey() as K;
  }
  timerService(): TimerService {
    return this;
  }
  timeDomain(): 'event-time' | 'processing-time' {
    return this.domain;
  }

  // TimerService
  registerEventTimeTimer(time: Timestamp): void {
    this.timers.registerEventTimeTimer(VOID_NAMESPACE, time);
  }
  registerProcessingTimeTimer(time: number): void {
    this.timers.registerProcessingTimeTimer(VOID_NAMESPACE, time);
  }
  deleteEventTimeTimer(time: Timestamp): void {
    this.timers.deleteEventTimeTimer(VOID_NAMESPACE, time);
  }
  deleteProcessingTimeTimer(time: number): void {
    this.timers.deleteProcessingTimeTimer(VOID_NAMESPACE, time);
  }
}
