import { join } from 'node:path';
import { SluiceTestingError } from '../errors.ts';
import { runCommand } from './run-command.ts';

/**
 * A Java runtime found on this machine.
 *
 * @example
 * ```ts
 * const java: JavaRuntime = { executable: '/usr/bin/java', majorVersion: 17 };
 * ```
 */
export interface JavaRuntime {
  executable: string;
  majorVersion: number;
}

const MINIMUM_MAJOR = 17;
let cached: Promise<JavaRuntime> | undefined;

/**
 * Finds Java (`$JAVA_HOME/bin/java`, else `java` on the PATH) and checks it is 17 or newer, as
 * Kafka 4 and S3Mock need. Throws `JAVA_NOT_FOUND` / `JAVA_TOO_OLD` saying what to install.
 *
 * @example
 * ```ts
 * const { executable } = await requireJava();
 * ```
 */
export function requireJava(): Promise<JavaRuntime> {
  cached ??= locate().catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}

/**
 * The major version in `java -version` output (`"17.0.15"` → 17, `"1.8.0_402"` → 8).
 *
 * @example
 * ```ts
 * parseJavaMajorVersion('openjdk version "17.0.15" 2025-04-15'); // 17
 * ```
 */
export function parseJavaMajorVersion(output: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(output);
  if (!match) return undefined;
  const first = Number(match[1]);
  return first === 1 && match[2] !== undefined ? Number(match[2]) : first;
}

async function locate(): Promise<JavaRuntime> {
  const home = process.env['JAVA_HOME'];
  const executable = home ? join(home, 'bin', 'java') : 'java';
  const result = await runCommand(executable, ['-version'], { timeoutMs: 30_000 });
  if (result.notFound || result.exitCode !== 0) {
    throw new SluiceTestingError(
      'JAVA_NOT_FOUND',
      `No Java runtime at ${executable}${home ? ' (from JAVA_HOME)' : ' on the PATH'}. ` +
        `Install Java ${MINIMUM_MAJOR}+ (e.g. apt-get install openjdk-17-jdk-headless) or fix JAVA_HOME.`,
      { domain: 'user', retriable: false },
    );
  }
  const majorVersion = parseJavaMajorVersion(result.output);
  if (majorVersion === undefined || majorVersion < MINIMUM_MAJOR) {
    throw new SluiceTestingError(
      'JAVA_TOO_OLD',
      `${executable} is Java ${majorVersion ?? '(unknown version)'}; Kafka 4 and S3Mock need Java ${MINIMUM_MAJOR}+. ` +
        'Install a newer JDK and point JAVA_HOME at it.',
      { domain: 'user', retriable: false },
    );
  }
  return { executable, majorVersion };
}
