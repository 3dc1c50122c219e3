import { SluiceTestingError } from '../errors.ts';

/**
 * How a service was provided: `external` (coordinates from the environment, e.g. the run's
 * shared instance), `testcontainers` (a container), or `local-process` (a real Java process).
 *
 * @example
 * ```ts
 * if (kafka.mode === 'local-process') console.info('running without containers');
 * ```
 */
export type ServiceMode = 'external' | 'testcontainers' | 'local-process';

/**
 * `auto` (the default) tries external → testcontainers → local process; any other value forces
 * that one path. The env var `SLUICE_TESTING_MODE` sets it for a whole run.
 *
 * @example
 * ```ts
 * await startKafka({ mode: 'local-process' });
 * ```
 */
export type ServiceModePreference = 'auto' | ServiceMode;

const PREFERENCES: readonly ServiceModePreference[] = ['auto', 'external', 'testcontainers', 'local-process'];

/**
 * The effective preference: the option if given, else `SLUICE_TESTING_MODE`, else `auto`.
 *
 * @example
 * ```ts
 * const preference = resolveModePreference(options.mode); // 'auto'
 * ```
 */
export function resolveModePreference(option: ServiceModePreference | undefined): ServiceModePreference {
  const value = option ?? process.env['SLUICE_TESTING_MODE'] ?? 'auto';
  if ((PREFERENCES as readonly string[]).includes(value)) return value as ServiceModePreference;
  throw new SluiceTestingError(
    'INVALID_CONFIGURATION',
    `SLUICE_TESTING_MODE=${value} is not one of ${PREFERENCES.join(', ')}. Unset it or pick one of those.`,
    { domain: 'user', retriable: false },
  );
}
