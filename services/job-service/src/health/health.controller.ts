import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, type HealthCheckResult, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { JobServiceConfig } from '../config/job-service-config.ts';
import { JobLifecycle } from '../lifecycle/job-lifecycle.ts';
import { JOB_SERVICE_TOKENS } from '../tokens.ts';
import { judgeReadiness } from './readiness.ts';

/**
 * Kubernetes probes (Terminus). `/health/live` fails only when the job FAILED (a restart may
 * help); `/health/ready` passes only while the job is RUNNING with a recent enough checkpoint
 * (see {@link judgeReadiness}). A failing probe answers 503 with a problem+json body whose
 * `checks` member holds Terminus's details.
 *
 * @example
 * ```bash
 * curl -fsS localhost:8080/health/ready
 * ```
 */
@Controller('health')
export class HealthController {
  private readonly health: HealthCheckService;
  private readonly indicators: HealthIndicatorService;
  private readonly lifecycle: JobLifecycle;
  private readonly config: JobServiceConfig;

  constructor(
    @Inject(HealthCheckService) health: HealthCheckService,
    @Inject(HealthIndicatorService) indicators: HealthIndicatorService,
    @Inject(JobLifecycle) lifecycle: JobLifecycle,
    @Inject(JOB_SERVICE_TOKENS.config) config: JobServiceConfig,
  ) {
    this.health = health;
    this.indicators = indicators;
    this.lifecycle = lifecycle;
    this.config = config;
  }

  @Get('live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([
      () => {
        const session = this.indicators.check('job');
        const status = this.lifecycle.clientIfStarted()?.status();
        return status === 'FAILED'
          ? session.down({ jobStatus: status })
          : session.up({ jobStatus: status ?? 'STARTING' });
      },
    ]);
  }

  @Get('ready')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    return this.health.check([
      () => {
        const session = this.indicators.check('job');
        const job = this.lifecycle.clientIfStarted();
        const status = job?.status();
        const verdict = judgeReadiness({
          status,
          checkpoints: job?.metrics().checkpoints,
          startedAt: this.lifecycle.startedAt(),
          now: Date.now(),
          maxCheckpointAgeMs: this.config.readinessMaxCheckpointAgeMs,
        });
        const data = {
          jobStatus: status ?? 'STARTING',
          ...(verdict.checkpointAgeMs === undefined ? {} : { checkpointAgeSeconds: verdict.checkpointAgeMs / 1000 }),
          ...(verdict.reason === undefined ? {} : { reason: verdict.reason }),
        };
        return verdict.ready ? session.up(data) : session.down(data);
      },
    ]);
  }
}
