import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { type CheckpointInfo, type JobClient, SluiceError, type StopWithSavepointOptions } from '@sluice/core';
import type { JobServiceConfig } from '../config/job-service-config.ts';
import { JobServiceError } from '../errors.ts';
import type { JobServiceOptions } from '../job-service-options.ts';
import { JOB_SERVICE_TOKENS } from '../tokens.ts';

const TIMED_OUT = Symbol('timed out');
const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** `promise`'s value, or {@link TIMED_OUT} after `ms`; the timer does not outlive the race. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<typeof TIMED_OUT>((resolve) => {
        timer = setTimeout(() => resolve(TIMED_OUT), Math.max(0, ms));
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Owns the job: starts it on application bootstrap and, on shutdown (SIGTERM with
 * `enableShutdownHooks`), stops it with a savepoint, or cancels it when the job has no
 * checkpointing (or the savepoint fails or takes longer than the shutdown timeout).
 *
 * @example
 * ```ts
 * const lifecycle = app.get(JobLifecycle);
 * console.log(lifecycle.client().status());
 * ```
 */
@Injectable()
export class JobLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly options: JobServiceOptions;
  private readonly config: JobServiceConfig;
  private readonly logger: Logger;
  private job: JobClient | undefined;
  private started: number | undefined;
  private stopping: Promise<CheckpointInfo> | undefined;

  constructor(
    @Inject(JOB_SERVICE_TOKENS.options) options: JobServiceOptions,
    @Inject(JOB_SERVICE_TOKENS.config) config: JobServiceConfig,
  ) {
    this.options = options;
    this.config = config;
    this.logger = new Logger(`job:${options.jobName}`);
  }

  /** The running job; throws `JOB_NOT_STARTED` before bootstrap. */
  client(): JobClient {
    if (this.job === undefined) {
      throw new JobServiceError(
        'JOB_NOT_STARTED',
        'The job has not been started yet; retry once the service is ready.',
        {
          retriable: true,
        },
      );
    }
    return this.job;
  }

  /** The running job, or `undefined` before bootstrap. */
  clientIfStarted(): JobClient | undefined {
    return this.job;
  }

  /** Epoch ms when the job was started, or `undefined`. */
  startedAt(): number | undefined {
    return this.started;
  }

  async onApplicationBootstrap(): Promise<void> {
    let job: JobClient;
    try {
      job = await this.options.start();
    } catch (cause) {
      throw new JobServiceError(
        'JOB_START_FAILED',
        `Job '${this.options.jobName}' could not start: ${describe(cause)}`,
        { cause },
      );
    }
    this.job = job;
    this.started = Date.now();
    this.logger.log(`started (status ${job.status()})`);
    job.result.then(
      () => this.logger.log('finished'),
      (error: unknown) => {
        const status = job.status();
        if (status === 'CANCELED') this.logger.log('cancelled');
        else this.logger.error(`ended with status ${status}: ${describe(error)}`);
      },
    );
  }

  /**
   * Stop-with-savepoint of the running job (one at a time: a second call while one is in progress
   * fails with `JOB_NOT_RUNNING`).
   */
  async stopWithSavepoint(options: StopWithSavepointOptions = {}): Promise<CheckpointInfo> {
    const job = this.requireRunning('stop');
    if (this.stopping !== undefined) {
      throw new JobServiceError('JOB_NOT_RUNNING', 'The job is already stopping.');
    }
    const stopping = job.stopWithSavepoint(options);
    this.stopping = stopping;
    try {
      return await stopping;
    } finally {
      this.stopping = undefined;
    }
  }

  /** Takes a savepoint of the running job. */
  triggerSavepoint(): Promise<CheckpointInfo> {
    return this.requireRunning('take a savepoint').triggerSavepoint();
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    const job = this.job;
    if (job === undefined || job.status() !== 'RUNNING') return;
    this.logger.log(`shutting down${signal ? ` on ${signal}` : ''}: stopping the job with a savepoint`);
    const deadline = Date.now() + this.config.shutdownTimeoutMs;
    let cancel = true;
    try {
      const outcome = await within(this.stopping ?? job.stopWithSavepoint({ drain: false }), deadline - Date.now());
      if (outcome === TIMED_OUT) {
        this.logger.warn(`no savepoint after ${this.config.shutdownTimeoutMs} ms; cancelling the job`);
      } else {
        this.logger.log(`stopped with savepoint at ${outcome.location}`);
        cancel = false;
      }
    } catch (error) {
      if (error instanceof SluiceError && error.code === 'CHECKPOINTING_DISABLED') {
        this.logger.log('checkpointing is disabled: cancelling the job');
      } else {
        this.logger.error(`stop with savepoint failed (${describe(error)}); cancelling the job`);
      }
    }
    if (!cancel) return;
    // Cancelling gets at least a few seconds, even when the savepoint used up the budget.
    const cancelled = await within(job.cancel(), Math.max(5_000, deadline - Date.now()));
    if (cancelled === TIMED_OUT) this.logger.error('the job did not stop after cancel; shutting down anyway');
  }

  private requireRunning(what: string): JobClient {
    const job = this.client();
    const status = job.status();
    if (status !== 'RUNNING') {
      throw new JobServiceError('JOB_NOT_RUNNING', `Cannot ${what}: the job is ${status}, not RUNNING.`);
    }
    return job;
  }
}
