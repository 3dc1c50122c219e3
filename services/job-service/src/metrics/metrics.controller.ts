import { Controller, Get, Header, Inject } from '@nestjs/common';
import { Registry } from 'prom-client';
import { JOB_SERVICE_TOKENS } from '../tokens.ts';

/**
 * `GET /metrics` in the Prometheus text format: process metrics, the engine metrics of the job
 * and its job-specific metrics, all from this app's own registry.
 *
 * @example
 * ```bash
 * curl -s localhost:8080/metrics | grep sluice_operator_records_out_total
 * ```
 */
@Controller('metrics')
export class MetricsController {
  private readonly registry: Registry;

  constructor(@Inject(JOB_SERVICE_TOKENS.registry) registry: Registry) {
    this.registry = registry;
  }

  @Get()
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
