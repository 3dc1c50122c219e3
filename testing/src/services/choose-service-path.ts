import { SluiceTestingError } from '../errors.ts';
import { probeContainerRuntime } from './container-runtime.ts';
import { harnessLog } from './harness-log.ts';
import type { ServiceMode, ServiceModePreference } from './service-mode.ts';

/**
 * The three ways to provide one service, for {@link chooseServicePath}.
 *
 * @example
 * ```ts
 * const paths: ServicePaths<KafkaService> = {
 *   name: 'Kafka', externalEnvVar: 'KAFKA_BOOTSTRAP_SERVERS', external, container, localProcess,
 *   describe: (kafka) => `at ${kafka.bootstrapServers}`,
 * };
 * ```
 */
export interface ServicePaths<T extends { mode: ServiceMode }> {
  /** Display name ("Kafka", "S3"). */
  name: string;
  /** The env var that selects the external path (for messages). */
  externalEnvVar: string;
  /** The service from the environment, or `undefined` when the env var is unset. */
  external: () => T | undefined;
  container: () => Promise<T>;
  localProcess: () => Promise<T>;
  /** Where the service is, for the log line ("at 127.0.0.1:40123"). */
  describe: (service: T) => string;
  /** When false, the external path is not logged (the run's shared instance). */
  logExternal?: boolean;
}

const MISSING_TOOL_CODES = new Set(['JAVA_NOT_FOUND', 'JAVA_TOO_OLD', 'MAVEN_NOT_FOUND']);

/**
 * Provides a service by the first path that applies: (a) the env var is set → external;
 * (b) a container runtime answers → Testcontainers; (c) a real local Java process. Logs one
 * line naming the path taken. When the local path lacks a tool, the error names it and the
 * other ways out.
 *
 * @example
 * ```ts
 * const kafka = await chooseServicePath(paths, 'auto');
 * ```
 */
export async function chooseServicePath<T extends { mode: ServiceMode }>(
  paths: ServicePaths<T>,
  preference: ServiceModePreference,
  containerRuntimeTimeoutMs = 5_000,
): Promise<T> {
  if (preference === 'auto' || preference === 'external') {
    const external = paths.external();
    if (external !== undefined) {
      if (paths.logExternal !== false) {
        harnessLog(`${paths.name}: external (${paths.externalEnvVar}) ${paths.describe(external)}`);
      }
      return external;
    }
    if (preference === 'external') {
      throw new SluiceTestingError(
        'INVALID_CONFIGURATION',
        `${paths.name}: mode 'external' was asked for but ${paths.externalEnvVar} is not set. Set it, or use mode 'auto'.`,
        { domain: 'user', retriable: false },
      );
    }
  }
  let why = 'forced by SLUICE_TESTING_MODE/mode option';
  if (preference === 'auto') {
    const runtime = await probeContainerRuntime(containerRuntimeTimeoutMs);
    if (runtime.available) {
      const service = await paths.container();
      harnessLog(`${paths.name}: testcontainers ${paths.describe(service)}`);
      return service;
    }
    why = runtime.reason;
  } else if (preference === 'testcontainers') {
    const service = await paths.container();
    harnessLog(`${paths.name}: testcontainers ${paths.describe(service)}`);
    return service;
  }
  try {
    const service = await paths.localProcess();
    harnessLog(`${paths.name}: local process (${why}) ${paths.describe(service)}`);
    return service;
  } catch (error) {
    if (error instanceof SluiceTestingError && MISSING_TOOL_CODES.has(error.code)) {
      throw new SluiceTestingError(
        error.code,
        `${paths.name} cannot start: ${why}, and the local-process fallback failed: ${error.message} ` +
          `Alternatively set ${paths.externalEnvVar} to a running ${paths.name}, or make a container runtime (Docker) available.`,
        { domain: error.domain, retriable: error.retriable, cause: error },
      );
    }
    throw error;
  }
}
