import { type INestApplication, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type MicroserviceOptions, Transport } from '@nestjs/microservices';
import type { JobServiceConfig } from './config/job-service-config.ts';
import type { JobServiceOptions } from './job-service-options.ts';
import { JobServiceModule } from './job-service.module.ts';
import { JOB_SERVICE_TOKENS } from './tokens.ts';

/**
 * Connects and starts the Kafka control transport of an app built on {@link JobServiceModule},
 * if its configuration has Kafka (`KAFKA_BOOTSTRAP_SERVERS`); returns whether it did. Call it
 * after `app.init()` (the job is running then) and before `app.listen()`.
 *
 * @example
 * ```ts
 * const app = moduleRef.createNestApplication();
 * await app.init();
 * await connectKafkaTransport(app);
 * await app.listen(0, '127.0.0.1');
 * ```
 */
export async function connectKafkaTransport(app: INestApplication): Promise<boolean> {
  const config = app.get<JobServiceConfig>(JOB_SERVICE_TOKENS.config);
  const kafka = config.kafka;
  if (kafka === undefined) return false;
  app.connectMicroservice<MicroserviceOptions>({
    transport: Transport.KAFKA,
    options: {
      client: { clientId: kafka.groupId, brokers: [...kafka.brokers] },
      consumer: { groupId: kafka.groupId },
      subscribe: { fromBeginning: kafka.fromBeginning },
      postfixId: '',
    },
  });
  await app.startAllMicroservices();
  new Logger('job-service').log(`Kafka control transport on ${kafka.brokers.join(',')} (group ${kafka.groupId})`);
  return true;
}

/**
 * Starts a job service: creates the app, enables shutdown hooks (SIGTERM stops the job with a
 * savepoint), starts the job, connects the Kafka transport when configured and listens on `PORT`.
 *
 * @example
 * ```ts
 * // main.ts
 * await bootstrapJobService({ jobName: 'spend-alerts', start: () => startJob(jobUrl) });
 * ```
 */
export async function bootstrapJobService(options: JobServiceOptions): Promise<INestApplication> {
  const app = await NestFactory.create(JobServiceModule.forJob(options));
  app.enableShutdownHooks();
  await app.init();
  await connectKafkaTransport(app);
  const config = app.get<JobServiceConfig>(JOB_SERVICE_TOKENS.config);
  if (config.apiToken === undefined) {
    new Logger('job-service').warn(
      'SLUICE_API_TOKEN is not set: the mutating control routes are open to anyone who can reach the port',
    );
  }
  await app.listen(config.port);
  new Logger('job-service').log(`job '${options.jobName}' serving HTTP on ${await app.getUrl()}`);
  return app;
}
