import { type DynamicModule, Module, type Provider, type Type } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import type { Registry } from 'prom-client';
import { isValidTopicName, jobServiceConfig } from './config/job-service-config.ts';
import { BearerTokenGuard } from './control/bearer-token.guard.ts';
import { JobCommands } from './control/job-commands.ts';
import { JobController } from './control/job.controller.ts';
import { JobRoutesController, jobRouteNameProblems } from './control/job-routes.controller.ts';
import { JobServiceError } from './errors.ts';
import { HealthController } from './health/health.controller.ts';
import type { JobServiceOptions } from './job-service-options.ts';
import { kafkaControlController } from './kafka/kafka-control.controller.ts';
import { JobLifecycle } from './lifecycle/job-lifecycle.ts';
import { ControlMetrics } from './metrics/control-metrics.ts';
import { createMetricsRegistry } from './metrics/metrics-registry.ts';
import { MetricsController } from './metrics/metrics.controller.ts';
import { ProblemDetailsFilter } from './problem/problem-details.filter.ts';
import { JOB_SERVICE_TOKENS } from './tokens.ts';

/**
 * Runs one Sluice job as a NestJS app: starts it on bootstrap and stops it with a savepoint on
 * shutdown, serves `/metrics`, `/health/live`, `/health/ready` and the control API under
 * `/api/job`, answers every error as problem+json, and (with `KAFKA_BOOTSTRAP_SERVERS`) has the
 * controllers of the Kafka control transport, connected by {@link connectKafkaTransport}.
 *
 * @example
 * ```ts
 * const app = await NestFactory.create(
 *   JobServiceModule.forJob({ jobName: 'spend-alerts', start: () => startJob(jobUrl, { parallelism: 2 }) }),
 * );
 * ```
 */
@Module({})
export class JobServiceModule {
  /**
   * The module for one job. Reads and validates the configuration now (throws `INVALID_CONFIG`),
   * so a misconfigured service fails before it starts anything.
   */
  static forJob(options: JobServiceOptions): DynamicModule {
    const config = jobServiceConfig(options.jobName, options.env ?? process.env, options.config);
    const eventTopics = Object.keys(options.events ?? {});
    const badTopics = eventTopics.filter((t) => !isValidTopicName(t));
    if (badTopics.length > 0) {
      throw new JobServiceError(
        'INVALID_CONFIG',
        `Invalid Kafka topic name(s) for job events: ${badTopics.join(', ')}.`,
      );
    }
    if (config.kafka !== undefined && eventTopics.includes(config.kafka.controlTopic)) {
      throw new JobServiceError(
        'INVALID_CONFIG',
        `The job event topic ${config.kafka.controlTopic} is also the control topic; give one of them another name.`,
      );
    }
    const routeProblems = jobRouteNameProblems(Object.keys(options.routes ?? {}));
    if (routeProblems.length > 0) {
      throw new JobServiceError('INVALID_CONFIG', `Invalid job route name(s): ${routeProblems.join('; ')}.`);
    }
    const controllers: Type<unknown>[] = [JobController, HealthController, MetricsController];
    if (Object.keys(options.routes ?? {}).length > 0) controllers.push(JobRoutesController);
    if (config.kafka !== undefined) controllers.push(kafkaControlController(config.kafka.controlTopic, eventTopics));
    const providers: Provider[] = [
      { provide: JOB_SERVICE_TOKENS.options, useValue: options },
      { provide: JOB_SERVICE_TOKENS.config, useValue: config },
      JobLifecycle,
      {
        provide: JOB_SERVICE_TOKENS.registry,
        useFactory: (lifecycle: JobLifecycle): Registry =>
          createMetricsRegistry(
            {
              jobName: options.jobName,
              job: () => lifecycle.clientIfStarted(),
              startedAt: () => lifecycle.startedAt(),
            },
            options.metrics,
          ),
        inject: [JobLifecycle],
      },
      {
        provide: JOB_SERVICE_TOKENS.controlMetrics,
        useFactory: (registry: Registry) => new ControlMetrics(registry, options.jobName),
        inject: [JOB_SERVICE_TOKENS.registry],
      },
      JobCommands,
      BearerTokenGuard,
      { provide: APP_FILTER, useClass: ProblemDetailsFilter },
    ];
    return {
      module: JobServiceModule,
      imports: [TerminusModule.forRoot({ logger: false })],
      controllers,
      providers,
      exports: [JobLifecycle, JobCommands, JOB_SERVICE_TOKENS.registry, JOB_SERVICE_TOKENS.config],
    };
  }
}
