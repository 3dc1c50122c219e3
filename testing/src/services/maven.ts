import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { SluiceTestingError } from '../errors.ts';
import { sluiceCacheDir } from './cache-dir.ts';
import { harnessLog } from './harness-log.ts';
import { runCommand } from './run-command.ts';

/**
 * Options of {@link resolveMavenClasspath}.
 *
 * @example
 * ```ts
 * const options: MavenClasspathOptions = { name: 'kafka', pomFile: '/repo/testing/java/kafka/pom.xml' };
 * ```
 */
export interface MavenClasspathOptions {
  /** Short name for the cache file and messages ("kafka", "s3mock"). */
  name: string;
  /** The committed pom whose runtime dependencies make the classpath. */
  pomFile: string;
  /** Default: `<sluiceCacheDir()>/classpath`. */
  cacheDir?: string;
  /** Budget for a cold Maven resolution (downloads), default 10 min. */
  timeoutMs?: number;
}

const inFlight = new Map<string, Promise<string[]>>();

/**
 * The jar paths of a pom's dependencies. The first call runs
 * `mvn dependency:build-classpath` (jars land in ~/.m2) and caches the list in a file keyed by a
 * hash of the pom; later calls only read that file (and check the jars still exist), so Maven
 * does not run again until the pom changes.
 *
 * @example
 * ```ts
 * const jars = await resolveMavenClasspath({ name: 'kafka', pomFile });
 * spawn('java', ['-cp', jars.join(':'), 'kafka.Kafka', 'server.properties']);
 * ```
 */
export function resolveMavenClasspath(options: MavenClasspathOptions): Promise<string[]> {
  const pom = readPom(options.pomFile);
  const hash = createHash('sha256').update(pom).digest('hex').slice(0, 16);
  const cacheDir = options.cacheDir ?? join(sluiceCacheDir(), 'classpath');
  const cacheFile = join(cacheDir, `${options.name}-${hash}.txt`);
  let pending = inFlight.get(cacheFile);
  if (pending === undefined) {
    pending = resolve(options, cacheDir, cacheFile).finally(() => inFlight.delete(cacheFile));
    inFlight.set(cacheFile, pending);
  }
  return pending;
}

async function resolve(options: MavenClasspathOptions, cacheDir: string, cacheFile: string): Promise<string[]> {
  const cached = readCachedClasspath(cacheFile);
  if (cached !== undefined) return cached;

  const version = await runCommand('mvn', ['-v'], { timeoutMs: 60_000 });
  if (version.notFound || version.exitCode !== 0) {
    throw new SluiceTestingError(
      'MAVEN_NOT_FOUND',
      `Maven (mvn) is not on the PATH; it is needed once to download the ${options.name} jars ` +
        `listed in ${options.pomFile}. Install Maven 3.8+ (e.g. apt-get install maven).`,
      { domain: 'user', retriable: false },
    );
  }
  mkdirSync(cacheDir, { recursive: true });
  const temporary = `${cacheFile}.${process.pid}.tmp`;
  harnessLog(`${options.name}: resolving jars with Maven (first run only; cached in ${cacheFile})`);
  const result = await runCommand(
    'mvn',
    [
      '-B',
      '-q',
      '-Dstyle.color=never',
      '-f',
      options.pomFile,
      'dependency:build-classpath',
      '-Dmdep.includeScope=runtime',
      `-Dmdep.outputFile=${temporary}`,
    ],
    { timeoutMs: options.timeoutMs ?? 600_000 },
  );
  if (result.exitCode !== 0 || !existsSync(temporary)) {
    rmSync(temporary, { force: true });
    throw new SluiceTestingError(
      'MAVEN_RESOLUTION_FAILED',
      `Maven could not resolve the ${options.name} jars from ${options.pomFile} (exit ${result.exitCode}). ` +
        'Check that Maven Central is reachable (or a mirror in ~/.m2/settings.xml), then run again.\n' +
        result.output.slice(-4_000),
      { domain: 'external', retriable: true },
    );
  }
  renameSync(temporary, cacheFile);
  const jars = readCachedClasspath(cacheFile);
  if (jars === undefined) {
    throw new SluiceTestingError(
      'MAVEN_RESOLUTION_FAILED',
      `Maven wrote an empty or stale classpath for ${options.name} to ${cacheFile}. Delete it and run again.`,
      { domain: 'internal', retriable: true },
    );
  }
  return jars;
}

function readPom(pomFile: string): string {
  try {
    return readFileSync(pomFile, 'utf8');
  } catch (error) {
    throw new SluiceTestingError(
      'INVALID_CONFIGURATION',
      `Cannot read ${pomFile}; the @sluice/testing package looks incomplete. Reinstall it.`,
      { domain: 'internal', retriable: false, cause: error },
    );
  }
}

function readCachedClasspath(cacheFile: string): string[] | undefined {
  let text: string;
  try {
    text = readFileSync(cacheFile, 'utf8').trim();
  } catch {
    return undefined;
  }
  const jars = text.split(delimiter).filter((entry) => entry.length > 0);
  if (jars.length === 0 || !jars.every((jar) => existsSync(jar))) return undefined;
  return jars;
}
