import { SluiceError, userFunctionFailed } from '../../errors.ts';
import type {
  Collector,
  KeyedProcessFunction,
  KeyedRuntimeContext,
  OnTimerContext,
  TimerService,
} from '../../api/functions.ts';
import type { OutputTag } from '../../api/output-tag.ts';
import type { HeapKeyedStateBackend } from '../../state/heap-keyed-state-backend.ts';
import { VOID_NAMESPACE } from '../../state/heap-keyed-state-backend.ts';
import type { KeyType } from '../../state/key-groups.ts';
import { InternalTimerService, type Timer } from '../../state/timer-service.ts';
import { NO_TIMESTAMP, type Timestamp } from '../../time/timestamps.ts';
import { AbstractStreamOperator, type OneInputStreamOperator } from '../stream-operator.ts';
import { runtimeContextOf } from './process-operator.ts';
import type { TimerIntrospection, TimerServiceStats } from './timer-introspection.ts';

/** The keyed state accessors of a backend, as a user-facing runtime context. */
export function keyedRuntimeContextOf(
  ctx: { uid: string; subtaskIndex: number; parallelism: number; maxParallelism: number },
  backend: HeapKeyedStateBackend,
): KeyedRuntimeContext {
  return {
    ...runtimeContextOf(ctx),
    getState: (d) => backend.getState(d),
    getListState: (d) => backend.getListState(d),
    getMapState: (d) => backend.getMapState(d),
    getReducingState: (d) => backend.getReducingState(d),
    getAggregatingState: (d) => backend.getAggregatingState(d),
  };
}

/** The keyed backend of an operator, or a clear error if it runs on a non-keyed stream. */
export function requireKeyedBackend(backend: HeapKeyedStateBackend | undefined, name: string): HeapKeyedStateBackend {
  if (backend === undefined) {
    throw new SluiceError(
      'STATE_OUTSIDE_KEYED_CONTEXT',
      `Operator '${name}' needs keyed state but its input is not keyed; apply it after keyBy().`,
    );
  }
  return backend;
}

/**
 * Runs a {@link KeyedProcessFunction}: sets the record's key, exposes keyed state and timers.
 * One context object serves processElement and onTimer.
 */
export class KeyedProcessOperator<K extends KeyType, IN, OUT>
  extends AbstractStreamOperator<OUT>
  implements OneInputStreamOperator<IN, OUT>, OnTimerContext<K>, Collector<OUT>, TimerService, TimerIntrospection
{
  private readonly fn: KeyedProcessFunction<K, IN, OUT>;
  private readonly keySelector: (value: IN) => K;
  private backend!: HeapKeyedStateBackend;
  private timers!: InternalTimerService<string>;
  private ts: Timestamp = NO_TIMESTAMP;
  private domain: 'event-time' | 'processing-time' = 'event-time';

  constructor(fn: KeyedProcessFunction<K, IN, OUT>, keySelector: (value: IN) => K) {
    super();
    this.fn = fn;
    this.keySelector = keySelector;
  }

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
    this.fn.open?.(keyedRuntimeContextOf(this.ctx, this.backend));
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

  override processWatermark(watermark: Timestamp): void {
    this.watermark = watermark;
    this.timers.advanceWatermark(watermark);
    this.out.emitWatermark(watermark);
  }

  internalTimerServices(): readonly TimerServiceStats[] {
    return [this.timers];
  }

  private fire(timer: Timer<string>, domain: 'event-time' | 'processing-time'): void {
    const onTimer = this.fn.onTimer;
    if (onTimer === undefined) return;
    this.domain = domain;
    this.ts = domain === 'event-time' ? timer.timestamp : NO_TIMESTAMP;
    try {
      onTimer.call(this.fn, timer.timestamp, this, this);
    } catch (e) {
      throw userFunctionFailed(this.ctx.name, e);
    }
  }

  // Collector
  collect(value: OUT): void {
    this.out.collect(value, this.ts);
  }

  // OnTimerContext
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
