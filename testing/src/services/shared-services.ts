/** The env var in which the global setup lists the services it published ("kafka,s3"). */
export const SHARED_SERVICES_ENV = 'SLUICE_TESTING_SHARED';

/**
 * Records that the run's global setup published `service` through its env vars.
 *
 * @example
 * ```ts
 * markSharedByGlobalSetup('kafka');
 * ```
 */
export function markSharedByGlobalSetup(service: string): void {
  const current = new Set((process.env[SHARED_SERVICES_ENV] ?? '').split(',').filter(Boolean));
  current.add(service);
  process.env[SHARED_SERVICES_ENV] = [...current].join(',');
}

/**
 * Whether the global setup published `service` (then the external path is the normal case and
 * is not worth a log line in every test file).
 *
 * @example
 * ```ts
 * isSharedByGlobalSetup('s3'); // true inside test files of a run with the global setup
 * ```
 */
export function isSharedByGlobalSetup(service: string): boolean {
  return (process.env[SHARED_SERVICES_ENV] ?? '').split(',').includes(service);
}
