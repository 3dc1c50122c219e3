import { Body, Controller, Get, HttpCode, Inject, Post, UseGuards } from '@nestjs/common';
import type { CheckpointInfo, CheckpointMetrics, JobGraphDescription, JobStatus } from '@sluice/core';
import { JobLifecycle } from '../lifecycle/job-lifecycle.ts';
import { BearerTokenGuard } from './bearer-token.guard.ts';
import { savepointRequestOf, stopRequestOf } from './control-requests.ts';
import { JobCommands } from './job-commands.ts';

/**
 * The body of `GET /api/job`.
 *
 * @example
 * ```ts
 * const job = (await (await fetch(`${base}/api/job`)).json()) as JobView;
 * ```
 */
export interface JobView {
  readonly name: string;
  readonly status: JobStatus;
  /** The highest operator parallelism (what `--parallelism` set). */
  readonly parallelism: number;
  /** ISO time when the service started the job. */
  readonly startedAt: string | undefined;
  readonly graph: JobGraphDescription;
}

/**
 * The body of `GET /api/job/checkpoints`.
 *
 * @example
 * ```ts
 * const { checkpoints } = (await (await fetch(`${base}/api/job/checkpoints`)).json()) as CheckpointsView;
 * ```
 */
export interface CheckpointsView {
  /** Completed checkpoints and savepoints in storage, oldest first. */
  readonly checkpoints: readonly CheckpointInfo[];
  readonly stats: CheckpointMetrics;
}

/**
 * The control API: read the job and its checkpoints; take a savepoint; stop with a savepoint.
 * Mutating routes need the bearer token when `SLUICE_API_TOKEN` is set.
 *
 * @example
 * ```bash
 * curl -X POST -H "Authorization: Bearer $SLUICE_API_TOKEN" -H 'content-type: application/json' \
 *   -d '{"drain":true}' localhost:8080/api/job/stop
 * ```
 */
@Controller('api/job')
export class JobController {
  private readonly lifecycle: JobLifecycle;
  private readonly commands: JobCommands;

  constructor(@Inject(JobLifecycle) lifecycle: JobLifecycle, @Inject(JobCommands) commands: JobCommands) {
    this.lifecycle = lifecycle;
    this.commands = commands;
  }

  @Get()
  job(): JobView {
    const job = this.lifecycle.client();
    const started = this.lifecycle.startedAt();
    return {
      name: job.jobName,
      status: job.status(),
      parallelism: Math.max(1, ...job.graph.vertices.map((v) => v.parallelism)),
      startedAt: started === undefined ? undefined : new Date(started).toISOString(),
      graph: job.graph,
    };
  }

  @Get('checkpoints')
  async checkpoints(): Promise<CheckpointsView> {
    const job = this.lifecycle.client();
    return { checkpoints: await job.listCheckpoints(), stats: job.metrics().checkpoints };
  }

  @Post('savepoints')
  @HttpCode(201)
  @UseGuards(BearerTokenGuard)
  savepoint(@Body() body: unknown): Promise<CheckpointInfo> {
    try {
      savepointRequestOf(body);
    } catch (error) {
      this.commands.rejected('savepoint', 'http');
      throw error;
    }
    return this.commands.savepoint('http');
  }

  @Post('stop')
  @HttpCode(200)
  @UseGuards(BearerTokenGuard)
  stop(@Body() body: unknown): Promise<CheckpointInfo> {
    let options: ReturnType<typeof stopRequestOf>;
    try {
      options = stopRequestOf(body);
    } catch (error) {
      this.commands.rejected('stop', 'http');
      throw error;
    }
    return this.commands.stop(options, 'http');
  }
}
