import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SluiceTestingError } from '../errors.ts';
import { uniqueName } from '../unique-name.ts';
import { onProcessExit } from './exit-cleanup.ts';
import { readLogTail } from './log-tail.ts';
import {
  currentOwner,
  killProcessGroup,
  removeServiceRecord,
  sweepStaleServices,
  writeServiceRecord,
} from './process-registry.ts';

/**
 * Options of {@link startJavaProcess}.
 *
 * @example
 * ```ts
 * const options: JavaProcessOptions = {
 *   service: 'kafka', java: 'java', jvmArgs: ['-Xmx512m'],
 *   mainArgs: ['-cp', classpath, 'kafka.Kafka', propertiesFile], dataDir, logFile,
 * };
 * ```
 */
export interface JavaProcessOptions {
  /** Short service name for records and messages ("kafka", "s3mock"). */
  service: string;
  /** The java executable (see `requireJava`). */
  java: string;
  jvmArgs: readonly string[];
  /** What follows the JVM options: `-cp … Main args…` or `-jar file args…`. */
  mainArgs: readonly string[];
  /** Scratch directory (see {@link createDataDir}); deleted on stop. Also the working directory. */
  dataDir: string;
  /** stdout and stderr of the process go here. */
  logFile: string;
  /** Time between SIGTERM and SIGKILL on stop, default 10 s. */
  stopGraceMs?: number;
}

/**
 * A running Java service process.
 *
 * @example
 * ```ts
 * const broker = await startJavaProcess(options);
 * await broker.stop();
 * ```
 */
export interface JavaProcess {
  readonly pid: number;
  /** Registry id; `-Dsluice.testing.id=<id>` is on the command line. */
  readonly id: string;
  /** An error describing the exit if the process has already exited, else `undefined`. */
  exitError(): SluiceTestingError | undefined;
  /** The last lines of the process log. */
  logTail(lines?: number): string;
  /** SIGTERM, SIGKILL after the grace period, then delete the data directory. Idempotent. */
  stop(): Promise<void>;
}

/**
 * A fresh scratch directory `<tmp>/sluice-<service>-XXXXXX`.
 *
 * @example
 * ```ts
 * const dataDir = createDataDir('kafka'); // "/tmp/sluice-kafka-q3ZxAb"
 * ```
 */
export function createDataDir(service: string): string {
  return mkdtempSync(join(tmpdir(), `sluice-${service}-`));
}

/**
 * Starts a long-running Java process in its own process group, with output to `logFile`.
 * First sweeps what interrupted runs left behind, then records the new process in the registry
 * and arranges for it to be killed if this Node process exits without calling `stop()`.
 *
 * @example
 * ```ts
 * const s3mock = await startJavaProcess({ service: 's3mock', java, jvmArgs: [], mainArgs: ['-jar', jar],
 *   dataDir, logFile: join(dataDir, 's3mock.log') });
 * ```
 */
export async function startJavaProcess(options: JavaProcessOptions): Promise<JavaProcess> {
  await sweepStaleServices();
  const id = uniqueName(options.service);
  const marker = `-Dsluice.testing.id=${id}`;
  const logFd = openSync(options.logFile, 'a');
  const child = spawn(options.java, [marker, ...options.jvmArgs, ...options.mainArgs], {
    cwd: options.dataDir,
    detached: true,
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  const pid = await new Promise<number>((resolve, reject) => {
    child.once('spawn', () => resolve(child.pid ?? -1));
    child.once('error', reject);
  }).catch((error: unknown) => {
    rmSync(options.dataDir, { recursive: true, force: true });
    throw new SluiceTestingError(
      'SERVICE_START_FAILED',
      `Could not launch ${options.java} for ${options.service}. Check the Java installation (JAVA_HOME).`,
      { domain: 'user', retriable: false, cause: error },
    );
  });
  child.unref();

  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve();
    });
  });
  writeServiceRecord({ id, service: options.service, ...currentOwner(), pid, marker, dataDir: options.dataDir });
  const cleanUpFiles = (): void => {
    rmSync(options.dataDir, { recursive: true, force: true, maxRetries: 3 });
    removeServiceRecord(id);
  };
  const unregister = onProcessExit(() => {
    killProcessGroup(pid);
    cleanUpFiles();
  });

  let stopping: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    if (exit === undefined) {
      killProcessGroup(pid, 'SIGTERM');
      await waitAtMost(exited, options.stopGraceMs ?? 10_000);
    }
    if (exit === undefined) {
      killProcessGroup(pid, 'SIGKILL');
      await waitAtMost(exited, 5_000);
    }
    unregister();
    cleanUpFiles();
  };

  return {
    pid,
    id,
    exitError: () => {
      if (exit === undefined || stopping !== undefined) return undefined;
      return new SluiceTestingError(
        'SERVICE_START_FAILED',
        `${options.service} (pid ${pid}) exited with ${exit.signal ?? `code ${exit.code}`}. ` +
          `Its log ${options.logFile} ends with:\n${readLogTail(options.logFile)}`,
        { domain: 'external', retriable: true },
      );
    },
    logTail: (lines) => readLogTail(options.logFile, lines),
    stop: () => {
      stopping ??= stop();
      return stopping;
    },
  };
}

/** Waits for `promise` or `ms`, whichever comes first; the timer keeps Node alive meanwhile. */
async function waitAtMost(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
