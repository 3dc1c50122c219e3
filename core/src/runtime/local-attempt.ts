import { SluiceError } from '../errors.ts';
import type { StateBackendConfig } from '../state/state-backends.ts';
import type { Clock } from '../time/clock.ts';
import type { AttemptHandle, AttemptSetup } from './job-runner.ts';
import { LocalExecutor } from './local-executor.ts';
import { Mailbox } from './mailbox.ts';
import type { PhysicalPlan } from './physical-plan.ts';

/** What a single-threaded attempt needs from the environment. */
export interface LocalAttemptSettings {
  readonly clock: Clock;
  readonly runtimeMode: 'STREAMING' | 'BATCH';
  readonly autoWatermarkIntervalMs: number;
  readonly stateBackend: StateBackendConfig;
}

/**
 * One attempt in this thread: a {@link LocalExecutor} over the whole plan. The coordinator's
 * requests reach the task loop through its mailbox, so they run between records, never inside one.
 */
export function launchLocal(plan: PhysicalPlan, settings: LocalAttemptSettings, setup: AttemptSetup): AttemptHandle {
  const abort = new AbortController();
  const mailbox = new Mailbox();
  const executor = new LocalExecutor(plan, {
    clock: settings.clock,
    runtimeMode: settings.runtimeMode,
    autoWatermarkIntervalMs: settings.autoWatermarkIntervalMs,
    stateBackend: settings.stateBackend,
    signal: abort.signal,
    mailbox,
    ...(setup.checkpointing === undefined ? {} : { checkpointing: setup.checkpointing }),
    ...(setup.restored === undefined ? {} : { restored: setup.restored }),
  });
  setup.failures.addEventListener(
    'abort',
    () =>
      mailbox.submit(() => {
        throw setup.failures.reason instanceof Error
          ? setup.failures.reason
          : new SluiceError('ILLEGAL_STATE', String(setup.failures.reason));
      }),
    { once: true },
  );
  return {
    participants: {
      count: 1,
      trigger: (id, options) => mailbox.submit(() => executor.triggerCheckpoint(id, options)),
      notifyComplete: (id) => mailbox.submit(() => executor.notifyCheckpointComplete(id)),
      notifyAborted: (id) => mailbox.submit(() => executor.notifyCheckpointAborted(id)),
    },
    done: executor.run(),
    metrics: () => executor.operatorMetrics(),
    cancel: () => abort.abort(),
  };
}
