/** Timer counts of one timer service (what {@link InternalTimerService} offers). */
export interface TimerServiceStats {
  numEventTimeTimers(): number;
  numProcessingTimeTimers(): number;
}

/**
 * Implemented by operators that keep timers, so tooling (the operator test runner, metrics) can
 * count them without reaching into the operator.
 */
export interface TimerIntrospection {
  internalTimerServices(): readonly TimerServiceStats[];
}

/** Whether `operator` exposes its timer services. */
export function hasTimerIntrospection<T>(operator: T): operator is T & TimerIntrospection {
  return typeof (operator as Partial<TimerIntrospection>).internalTimerServices === 'function';
}
