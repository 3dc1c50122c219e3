import type { KeyedRuntimeContext, OnTimerContext, TimerService } from '../../api/functions.ts';
import { SluiceError, userFunctionFailed } from '../../errors.ts';
import type { KeyedStateBackend } from '../../state/keyed-state-backend.ts';
import { VOID_NAMESPACE } from '../../state/keyed-state-scope.ts';
import type { KeyType } from '../../state/key-groups.ts';
import { InternalTimerService, type Timer } from '../../state/timer-service.ts';
import { NO_TIMESTAMP, type Timestamp } from '../../time/timestamps.ts';
import { AbstractUdfOperator } from './udf-operator.ts';
import { runtimeContextOf } from './process-operator.ts';
import type { RestorableTimerService } from '../stream-operator.ts';
import type { TimerIntrospection, TimerServiceStats } from './timer-introspection.ts';

/** The keyed state accessors of a backend, as a user-facing runtime context. */
export function keyedRuntimeContextOf(
  ctx: { uid: string; subtaskIndex: number; parallelism: number; maxParallelism: number },
  backend: KeyedStateBackend,
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
export function requireKeyedBackend(backend: KeyedStateBackend | undefined, name: string): KeyedStateBackend {
  if (backend === undefined) {
    throw new SluiceError(
      'STATE_OUTSIDE_KEYED_CONTEXT',
      `Operator '${name}' needs keyed state but its input is not keyed; apply it after keyBy().`,
    );
  }
  return backend;
}

/**
 * Shared machinery of keyed operators that run a user function (keyed process, keyed connect,
 * keyed broadcast): the keyed backend, one timer service, and one reusable object that is the
 * function's context, timer service and collector — no allocation per record or timer.
 */
export abstract class AbstractKeyedUdfOperator<K extends KeyType, OUT>
  extends AbstractUdfOperator<OUT>
  implements OnTimerContext<K>, TimerService, TimerIntrospection
{
  protected backend!: KeyedStateBackend;
  protected timers!: InternalTimerService<string>;
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

  override processWatermark(watermark: Timestamp): void {
    this.watermark = watermark;
    this.timers.advanceWatermark(watermark);
    this.out.emitWatermark(watermark);
  }

  internalTimerServices(): readonly TimerServiceStats[] {
    return [this.timers];
  }

  restorableTimerServices(): readonly RestorableTimerService[] {
    return [{ name: 'timers', service: this.timers as InternalTimerService<unknown>, namespaceFromId: (id) => id }];
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

  // Context
  override currentWatermark(): Timestamp {
    return this.timers.currentWatermark();
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
