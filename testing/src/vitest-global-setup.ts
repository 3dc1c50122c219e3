import { describeError, SluiceTestingError } from './errors.ts';
import { harnessLog } from './services/harness-log.ts';
import { type FallbackService, provideMachineService } from './services/local-fallback.ts';
import { startKafka } from './services/kafka/start-kafka.ts';
import { checkPostgres } from './services/postgres/check-postgres.ts';
import { S3_ENV, startS3Endpoint } from './services/s3/start-s3.ts';
import { markSharedByGlobalSetup, SHARED_SERVICES_ENV } from './services/shared-services.ts';
import {
  HARNESS_SERVICES,
  type HarnessServiceName,
  isCi,
  recordServiceUnavailable,
  unavailableEnvVar,
} from './service-availability.ts';

type Stop = () => Promise<void>;

/**
 * Vitest global setup: starts ONE Kafka broker and ONE S3 endpoint for the whole run and checks
 * PostgreSQL, Redis and MQTT (Redis and MQTT fall back to a private `redis-server` / `mosquitto`
 * process when the machine's instance does not answer). Test workers inherit the coordinates through env vars
 * (`KAFKA_BOOTSTRAP_SERVERS`, `S3_ENDPOINT`, `S3_REGION`, `S3_ACCESS_KEY_ID`,
 * `S3_SECRET_ACCESS_KEY`), so `startKafka()` / `startS3()` in test files take the external path
 * and share these instances. `SLUICE_TESTING_SERVICES` (comma list, or `none`) narrows what is
 * started or checked.
 *
 * A service that is unavailable fails the run when `CI=true`; otherwise its reason is recorded
 * for `skipWithoutService` and one loud line is printed. Returns the teardown.
 *
 * @example
 * ```ts
 * // vitest.config.ts
 * export default defineConfig({ test: { globalSetup: ['@sluice/testing/vitest-global-setup'] } });
 * ```
 */
export default async function setup(): Promise<() => Promise<void>> {
  const wanted = servicesToProvide();
  const stops: Stop[] = [];
  const previousEnv = snapshotEnv();
  const failures: { service: HarnessServiceName; error: unknown }[] = [];

  const machineService = async (service: FallbackService): Promise<void> => {
    const stop = await provideMachineService(service);
    if (stop !== undefined) stops.push(stop);
  };
  const provide: Record<HarnessServiceName, () => Promise<void>> = {
    kafka: async () => {
      const kafka = await startKafka();
      stops.push(() => kafka.stop());
      process.env['KAFKA_BOOTSTRAP_SERVERS'] = kafka.bootstrapServers;
      markSharedByGlobalSetup('kafka');
    },
    s3: async () => {
      const s3 = await startS3Endpoint();
      stops.push(() => s3.stop());
      process.env[S3_ENV.endpoint] = s3.endpoint;
      process.env[S3_ENV.region] = s3.region;
      process.env[S3_ENV.accessKeyId] = s3.accessKeyId;
      process.env[S3_ENV.secretAccessKey] = s3.secretAccessKey;
      markSharedByGlobalSetup('s3');
    },
    postgres: () => checkPostgres(),
    redis: () => machineService('redis'),
    mqtt: () => machineService('mqtt'),
  };

  const started = performance.now();
  await Promise.all(
    wanted.map(async (service) => {
      try {
        await provide[service]();
      } catch (error) {
        failures.push({ service, error });
      }
    }),
  );
  const teardown = async (): Promise<void> => {
    await Promise.allSettled(stops.map((stop) => stop()));
    restoreEnv(previousEnv);
  };

  if (failures.length > 0 && isCi()) {
    await teardown();
    const list = failures.map(({ service, error }) => `- ${service}: ${describeError(error)}`).join('\n');
    throw new SluiceTestingError(
      'SERVICE_UNAVAILABLE',
      `CI=true and ${failures.length} test service(s) could not be provided, so the run fails instead of skipping:\n${list}`,
      { domain: 'external', retriable: false, cause: failures[0]?.error },
    );
  }
  for (const { service, error } of failures) {
    const reason = describeError(error).split('\n')[0] ?? 'unknown reason';
    recordServiceUnavailable(service, reason);
    console.warn(
      `[sluice-testing] !!! ${service.toUpperCase()} UNAVAILABLE: its integration tests will be SKIPPED (under CI=true this fails the run): ${reason}`,
    );
  }
  if (wanted.length > 0) {
    harnessLog(`global setup ready in ${Math.round(performance.now() - started)} ms (${wanted.join(', ')})`);
  }
  return teardown;
}

function servicesToProvide(): HarnessServiceName[] {
  const setting = process.env['SLUICE_TESTING_SERVICES']?.trim();
  if (!setting) return [...HARNESS_SERVICES];
  if (setting === 'none') return [];
  const names = setting.split(',').map((name) => name.trim().toLowerCase());
  const unknown = names.filter((name) => !(HARNESS_SERVICES as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new SluiceTestingError(
      'INVALID_CONFIGURATION',
      `SLUICE_TESTING_SERVICES names unknown service(s) ${unknown.join(', ')}; use a comma list of ${HARNESS_SERVICES.join(', ')}, or none.`,
      { domain: 'user', retriable: false },
    );
  }
  return names as HarnessServiceName[];
}

const PUBLISHED_ENV = [
  'KAFKA_BOOTSTRAP_SERVERS',
  'MQTT_URL',
  'REDIS_URL',
  S3_ENV.endpoint,
  S3_ENV.region,
  S3_ENV.accessKeyId,
  S3_ENV.secretAccessKey,
  SHARED_SERVICES_ENV,
  ...HARNESS_SERVICES.map(unavailableEnvVar),
];

function snapshotEnv(): Map<string, string | undefined> {
  return new Map(PUBLISHED_ENV.map((name) => [name, process.env[name]]));
}

function restoreEnv(snapshot: Map<string, string | undefined>): void {
  for (const [name, value] of snapshot) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}
