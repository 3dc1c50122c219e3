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
  /**
   * Stops the process (SIGTERM with the grace period, or SIGKILL at once), waits `downtimeMs`,
   * and starts it again with the same command line in the same data directory (a broker comes
   * back with its data, on the same ports). `pid` changes; wait for readiness yourself.
   */
  restart(options?: JavaProcessRestartOptions): Promise<void>;
}

/**
 * Options of {@link JavaProcess.restart}.
 *
 * @example
 * ```ts
 * await broker.restart({ downtimeMs: 3_000, signal: 'SIGKILL' });
 * ```
 */
export interface JavaProcessRestartOptions {
  /** Time between the exit and the new start; default 0. */
  downtimeMs?: number;
  /** `SIGTERM` (default: a clean shutdown, SIGKILL after the grace period) or `SIGKILL` (a crash). */
  signal?: 'SIGTERM' | 'SIGKILL';
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
export function startJavaProcess(options: JavaProcessOptions): Promise<JavaProcess> {
  const markerOf = (id: string): string => `-Dsluice.testing.id=${id}`;
  return startServiceProcess({
    service: options.service,
    command: options.java,
    args: (id) => [markerOf(id), ...options.jvmArgs, ...options.mainArgs],
    marker: markerOf,
    dataDir: options.dataDir,
    logFile: options.logFile,
    ...(options.stopGraceMs === undefined ? {} : { stopGraceMs: options.stopGraceMs }),
    launchFailure: `Could not launch ${options.java} for ${options.service}. Check the Java installation (JAVA_HOME).`,
  });
}

/**
 * Options of {@link startServiceProcess}: any service executable (a JVM, Mosquitto, Prometheus…).
 *
 * @example
 * ```ts
 * const options: ServiceProcessOptions = { service: 'mosquitto', command: '/usr/sbin/mosquitto',
 *   args: () => ['-c', conf], marker: () => conf, dataDir, logFile, launchFailure: 'Could not launch mosquitto.' };
 * ```
 */
export interface ServiceProcessOptions {
  /** Short service name for records and messages. */
  readonly service: string;
  readonly command: string;
  /** The arguments, given the registry id of the process (e.g. for a marker flag). */
  readonly args: (id: string) => readonly string[];
  /** Text in the process's command line: the stale-service sweep only kills a pid that has it. */
  readonly marker: (id: string) => string;
  /** Scratch directory; deleted on stop. Also the working directory. */
  readonly dataDir: string;
  /** stdout and stderr of the process go here. */
  readonly logFile: string;
  /** Time between SIGTERM and SIGKILL on stop, default 10 s. */
  readonly stopGraceMs?: number;
  /** The message when the executable cannot be started at all. */
  readonly launchFailure: string;
}

/**
 * Starts a service executable in its own process group with output to `logFile`, after sweeping
 * what interrupted runs left behind; records it in the registry and kills it if this Node process
 * exits without `stop()`. The returned handle can also restart it in place.
 *
 * @example
 * ```ts
 * const service = await startServiceProcess(options);
 * await service.stop();
 * ```
 */
export async function startServiceProcess(options: ServiceProcessOptions): Promise<JavaProcess> {
  await sweepStaleServices();
  const id = uniqueName(options.service);
  const marker = options.marker(id);
  const args = options.args(id);
  let current = await launch(options, args).catch((error: unknown) => {
    rmSync(options.dataDir, { recursive: true, force: true });
    throw error;
  });
  writeServiceRecord({
    id,
    service: options.service,
    ...currentOwner(),
    pid: current.pid,
    marker,
    dataDir: options.dataDir,
  });
  const cleanUpFiles = (): void => {
    rmSync(options.dataDir, { recursive: true, force: true, maxRetries: 3 });
    removeServiceRecord(id);
  };
  const unregister = onProcessExit(() => {
    killProcessGroup(current.pid);
    cleanUpFiles();
  });

  const terminate = async (signal: 'SIGTERM' | 'SIGKILL'): Promise<void> => {
    if (current.exit === undefined && signal === 'SIGTERM') {
      killProcessGroup(current.pid, 'SIGTERM');
      await waitAtMost(current.exited, options.stopGraceMs ?? 10_000);
    }
    if (current.exit === undefined) {
      killProcessGroup(current.pid, 'SIGKILL');
      await waitAtMost(current.exited, 5_000);
    }
  };
  let stopping: Promise<void> | undefined;
  let restarting: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    await restarting?.catch(() => undefined);
    await terminate('SIGTERM');
    unregister();
    cleanUpFiles();
  };
  const restart = async (restartOptions: JavaProcessRestartOptions): Promise<void> => {
    await terminate(restartOptions.signal ?? 'SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, restartOptions.downtimeMs ?? 0));
    if (stopping !== undefined) return;
    current = await launch(options, args);
    writeServiceRecord({
      id,
      service: options.service,
      ...currentOwner(),
      pid: current.pid,
      marker,
      dataDir: options.dataDir,
    });
  };

  return {
    get pid() {
      return current.pid;
    },
    id,
    exitError: () => {
      const exit = current.exit;
      if (exit === undefined || stopping !== undefined || restarting !== undefined) return undefined;
      return new SluiceTestingError(
        'SERVICE_START_FAILED',
        `${options.service} (pid ${current.pid}) exited with ${exit.signal ?? `code ${exit.code}`}. ` +
          `Its log ${options.logFile} ends with:\n${readLogTail(options.logFile)}`,
        { domain: 'external', retriable: true },
      );
    },
    logTail: (lines) => readLogTail(options.logFile, lines),
    stop: () => {
      stopping ??= stop();
      return stopping;
    },
    restart: (restartOptions = {}) => {
      if (stopping !== undefined) {
        return Promise.reject(
          new SluiceTestingError('SERVICE_START_FAILED', `${options.service} was stopped; start a new one instead.`, {
            domain: 'user',
            retriable: false,
          }),
        );
      }
      if (restarting !== undefined) return restarting;
      const started = restart(restartOptions).finally(() => {
        restarting = undefined;
      });
      restarting = started;
      return started;
    },
  };
}

interface Launched {
  readonly pid: number;
  readonly exited: Promise<void>;
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
}

/** Spawns the process in its own process group, output appended to `logFile`. */
async function launch(options: ServiceProcessOptions, args: readonly string[]): Promise<Launched> {
  const logFd = openSync(options.logFile, 'a');
  const child = spawn(options.command, [...args], {
    cwd: options.dataDir,
    detached: true,
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  const pid = await new Promise<number>((resolve, reject) => {
    child.once('spawn', () => resolve(child.pid ?? -1));
    child.once('error', reject);
  }).catch((error: unknown) => {
    throw new SluiceTestingError('SERVICE_START_FAILED', options.launchFailure, {
      domain: 'user',
      retriable: false,
      cause: error,
    });
  });
  child.unref();
  const launched: Launched = {
    pid,
    exit: undefined,
    exited: new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        launched.exit = { code, signal };
        resolve();
      });
    }),
  };
  return launched;
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
