import { Inject, Injectable } from '@nestjs/common';
import { type CheckpointInfo, SluiceError, type StopWithSavepointOptions } from '@sluice/core';
import { JobServiceError } from '../errors.ts';
import { JobLifecycle } from '../lifecycle/job-lifecycle.ts';
import type { ControlMetrics, ControlOutcome } from '../metrics/control-metrics.ts';
import { JOB_SERVICE_TOKENS } from '../tokens.ts';

/** Where a command came from. */
export type ControlTransport = 'http' | 'kafka';

/**
 * `rejected` for a refusal the caller can act on (invalid, not running, checkpointing disabled),
 * `failed` for anything else.
 *
 * @example
 * ```ts
 * outcomeOf(new SluiceError('CHECKPOINTING_DISABLED', '...')); // 'rejected'
 * ```
 */
export function outcomeOf(error: unknown): ControlOutcome {
  if (error instanceof JobServiceError) return error.domain === 'user' ? 'rejected' : 'failed';
  if (error instanceof SluiceError) {
    return error.code === 'CHECKPOINTING_DISABLED' || error.code === 'ILLEGAL_STATE' || error.domain === 'user'
      ? 'rejected'
      : 'failed';
  }
  return 'failed';
}

/**
 * The control commands (savepoint, stop-with-savepoint), shared by the HTTP API and the Kafka
 * transport, each counted in `sluice_control_commands_total` by outcome.
 *
 * @example
 * ```ts
 * const info = await commands.savepoint('http');
 * ```
 */
@Injectable()
export class JobCommands {
  private readonly lifecycle: JobLifecycle;
  private readonly metrics: ControlMetrics;

  constructor(
    @Inject(JobLifecycle) lifecycle: JobLifecycle,
    @Inject(JOB_SERVICE_TOKENS.controlMetrics) metrics: ControlMetrics,
  ) {
    this.lifecycle = lifecycle;
    this.metrics = metrics;
  }

  /** Takes a savepoint. */
  savepoint(transport: ControlTransport): Promise<CheckpointInfo> {
    return this.counted('savepoint', transport, () => this.lifecycle.triggerSavepoint());
  }

  /** Stops the job with a savepoint (draining first when `drain`). */
  stop(options: StopWithSavepointOptions, transport: ControlTransport): Promise<CheckpointInfo> {
    return this.counted('stop', transport, () => this.lifecycle.stopWithSavepoint(options));
  }

  /** Counts a command that was refused before it ran (e.g. an invalid Kafka message). */
  rejected(command: 'savepoint' | 'stop', transport: ControlTransport): void {
    this.metrics.command(command, transport, 'rejected');
  }

  private async counted<T>(
    command: 'savepoint' | 'stop',
    transport: ControlTransport,
    run: () => Promise<T>,
  ): Promise<T> {
    try {
      const result = await run();
      this.metrics.command(command, transport, 'ok');
      return result;
    } catch (error) {
      this.metrics.command(command, transport, outcomeOf(error));
      throw error;
    }
  }
}
