import { SluiceTestingError } from './errors.ts';

/**
 * The services the global setup provides or checks.
 *
 * @example
 * ```ts
 * const service: HarnessServiceName = 'kafka';
 * ```
 */
export type HarnessServiceName = 'kafka' | 's3' | 'postgres' | 'redis' | 'mqtt';

/**
 * All {@link HarnessServiceName}s, in start order.
 *
 * @example
 * ```ts
 * for (const service of HARNESS_SERVICES) console.info(service);
 * ```
 */
export const HARNESS_SERVICES: readonly HarnessServiceName[] = ['kafka', 's3', 'postgres', 'redis', 'mqtt'];

/**
 * The env var that carries why a service is unavailable (`SLUICE_TESTING_UNAVAILABLE_KAFKA`).
 *
 * @example
 * ```ts
 * unavailableEnvVar('s3'); // "SLUICE_TESTING_UNAVAILABLE_S3"
 * ```
 */
export function unavailableEnvVar(service: HarnessServiceName): string {
  return `SLUICE_TESTING_UNAVAILABLE_${service.toUpperCase()}`;
}

/**
 * Whether this is a CI run (`CI` is `true` or `1`): there, a missing service fails the run.
 *
 * @example
 * ```ts
 * isCi({ CI: 'true' }); // true
 * ```
 */
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env['CI']?.toLowerCase();
  return value === 'true' || value === '1';
}

/**
 * Records (in the environment the test workers inherit) why a service is unavailable.
 *
 * @example
 * ```ts
 * recordServiceUnavailable('kafka', 'Java is not installed');
 * ```
 */
export function recordServiceUnavailable(service: HarnessServiceName, reason: string): void {
  process.env[unavailableEnvVar(service)] = reason.replace(/\s+/g, ' ').trim() || 'unknown reason';
}

/**
 * Why the global setup could not provide a service, or `undefined` if it is available (or the
 * run has no global setup).
 *
 * @example
 * ```ts
 * const reason = serviceUnavailableReason('redis');
 * ```
 */
export function serviceUnavailableReason(service: HarnessServiceName): string | undefined {
  return process.env[unavailableEnvVar(service)] || undefined;
}

/**
 * The skip policy of integration suites, for `describe.skipIf`: `false` when the service is
 * available; `true` (skip) when the global setup recorded it as unavailable outside CI (the
 * global setup already printed one loud line saying why); and under `CI=true` it THROWS
 * instead, so a missing service can never turn into a green run.
 *
 * @example
 * ```ts
 * describe.skipIf(skipWithoutService('kafka'))('orders topic', () => {
 *   it('round-trips', async () => { ... });
 * });
 * ```
 */
export function skipWithoutService(service: HarnessServiceName): boolean {
  const reason = serviceUnavailableReason(service);
  if (reason === undefined) return false;
  if (isCi()) {
    throw new SluiceTestingError(
      'SERVICE_UNAVAILABLE',
      `${service} is unavailable in a CI run (${reason}); integration tests may not skip under CI=true. ` +
        'Fix the service setup of the CI machine.',
      { domain: 'external', retriable: false },
    );
  }
  return true;
}
