import { Body, Controller, HttpCode, Inject, Logger, NotFoundException, Param, Post, UseGuards } from '@nestjs/common';
import { JobLifecycle } from '../lifecycle/job-lifecycle.ts';
import type { ControlMetrics } from '../metrics/control-metrics.ts';
import type { JobServiceOptions } from '../job-service-options.ts';
import { JOB_SERVICE_TOKENS } from '../tokens.ts';
import { BearerTokenGuard } from './bearer-token.guard.ts';
import { outcomeOf } from './job-commands.ts';

/** Names a job route may have: a lowercase path segment, not one the service uses itself. */
const ROUTE_NAME = /^[a-z][a-z0-9-]*$/;
const RESERVED = ['job'];

/**
 * Problems of the job's route names (empty when fine).
 *
 * @example
 * ```ts
 * jobRouteNameProblems(['rules']); // []
 * jobRouteNameProblems(['Rules', 'job']); // two problems
 * ```
 */
export function jobRouteNameProblems(names: readonly string[]): string[] {
  const problems: string[] = [];
  for (const name of names) {
    if (!ROUTE_NAME.test(name)) problems.push(`'${name}' is not a lowercase path segment ([a-z][a-z0-9-]*)`);
    else if (RESERVED.includes(name)) problems.push(`'${name}' is the service's own (/api/${name})`);
  }
  return problems;
}

/**
 * `POST /api/<route>` for each route of {@link JobServiceOptions.routes}: the body (JSON) goes
 * to the job's handler, whose result is the `202 Accepted` body. Protected by the bearer token
 * like the other mutating routes; a `JobServiceError('INVALID_REQUEST')` from the handler is a
 * 400 problem+json; each call is counted in `sluice_control_commands_total{command=<route>,transport="http"}`.
 *
 * @example
 * ```bash
 * curl -X POST -H "Authorization: Bearer $SLUICE_API_TOKEN" -H 'content-type: application/json' \
 *   -d '{"id":"lower-velocity","rules":{"velocity":{"maxTransactions":3}}}' localhost:8080/api/rules
 * ```
 */
@Controller('api')
export class JobRoutesController {
  private readonly lifecycle: JobLifecycle;
  private readonly options: JobServiceOptions;
  private readonly metrics: ControlMetrics;
  private readonly logger: Logger;

  constructor(
    @Inject(JobLifecycle) lifecycle: JobLifecycle,
    @Inject(JOB_SERVICE_TOKENS.options) options: JobServiceOptions,
    @Inject(JOB_SERVICE_TOKENS.controlMetrics) metrics: ControlMetrics,
  ) {
    this.lifecycle = lifecycle;
    this.options = options;
    this.metrics = metrics;
    this.logger = new Logger(`http:${options.jobName}`);
  }

  @Post(':route')
  @HttpCode(202)
  @UseGuards(BearerTokenGuard)
  async handle(@Param('route') route: string, @Body() body: unknown): Promise<unknown> {
    const handler = Object.hasOwn(this.options.routes ?? {}, route) ? this.options.routes?.[route] : undefined;
    if (handler === undefined) throw new NotFoundException(`Cannot POST /api/${route}`);
    try {
      const result = await handler(body, { job: this.lifecycle.client(), logger: this.logger });
      this.metrics.command(route, 'http', 'ok');
      return result ?? { accepted: true };
    } catch (error) {
      this.metrics.command(route, 'http', outcomeOf(error));
      throw error;
    }
  }
}
