import { spawn } from 'node:child_process';
import { closeSync, openSync, rmSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { describeError, SluiceTestingError } from '../errors.ts';
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
import { waitUntil } from './wait-until.ts';

/**
 * How {@link startNativeProcess} starts a service binary (Prometheus, Mosquitto, Redis…).
 *
 * @example
 * ```ts
 * const options: NativeProcessOptions = {
 *   service: 'mosquitto', binary: '/usr/sbin/mosquitto', args: ['-c', conf], dataDir, logFile,
 *   marker: conf, ready: () => checkMqtt(), what: 'Mosquitto at 127.0.0.1:41234',
 * };
 * ```
 */
export interface NativeProcessOptions {
  /** Short name for records and messages ("mosquitto"). */
  readonly service: string;
  readonly binary: string;
  readonly args: readonly string[];
  /** Scratch directory of the process (created by the caller, removed on stop). */
  readonly dataDir: string;
  /** stdout and stderr go here. */
  readonly logFile: string;
  /** Text in the process's command line (e.g. its unique config path): the stale-service sweep kills only a pid that has it. */
  readonly marker: string;
  /** A real client call that resolves once the service answers. */
  readonly ready: () => Promise<unknown>;
  /** What is awaited, for messages ("Mosquitto at 127.0.0.1:41234"). */
  readonly what: string;
  /** Budget for `ready`, default 60 s. */
  readonly readyTimeoutMs?: number;
}

/**
 * A service process started by {@link startNativeProcess}.
 *
 * @example
 * ```ts
 * const process = await startNativeProcess(options);
 * await process.stop();
 * ```
 */
export interface NativeProcess {
  readonly pid: number;
  /** A `SERVICE_START_FAILED` error if the process exited on its own, else undefined. */
  exitError(): SluiceTestingError | undefined;
  /** The last `lines` of its log. */
  logTail(lines?: number): string;
  /** SIGTERM, then SIGKILL after 10 s; removes the data directory. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts a service binary in its own process group with its output in `logFile`, records it for
 * the stale-service sweep, arranges for it to be killed if this Node process exits without
 * `stop()`, and waits until `ready` resolves (failing at once if the process exits).
 *
 * @example
 * ```ts
 * const mosquitto = await startNativeProcess({ service: 'mosquitto', binary, args: ['-c', conf],
 *   dataDir, logFile, marker: conf, ready: probe, what: 'Mosquitto' });
 * ```
 */
export async function startNativeProcess(options: NativeProcessOptions): Promise<NativeProcess> {
  await sweepStaleServices();
  const { service, binary, dataDir, logFile } = options;
  const id = uniqueName(service);
  const logFd = openSync(logFile, 'a');
  const child = spawn(binary, [...options.args], { cwd: dataDir, detached: true, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  const pid = await new Promise<number>((resolve, reject) => {
    child.once('spawn', () => resolve(child.pid ?? -1));
    child.once('error', reject);
  }).catch((error: unknown) => {
    rmSync(dataDir, { recursive: true, force: true });
    throw new SluiceTestingError('SERVICE_START_FAILED', `Could not launch ${binary}: ${describeError(error)}`, {
      domain: 'external',
      retriable: false,
      cause: error,
    });
  });
  child.unref();
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve();
    });
  });
  writeServiceRecord({ id, service, ...currentOwner(), pid, marker: options.marker, dataDir });
  const cleanUpFiles = (): void => {
    rmSync(dataDir, { recursive: true, force: true, maxRetries: 3 });
    removeServiceRecord(id);
  };
  const unregister = onProcessExit(() => {
    killProcessGroup(pid);
    cleanUpFiles();
  });
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      for (const [signal, graceMs] of [
        ['SIGTERM', 10_000],
        ['SIGKILL', 5_000],
      ] as const) {
        if (exit !== undefined) break;
        killProcessGroup(pid, signal);
        const grace = new AbortController();
        await Promise.race([exited, delay(graceMs, undefined, { signal: grace.signal }).catch(() => undefined)]);
        grace.abort();
      }
      unregister();
      cleanUpFiles();
    })();
    return stopping;
  };
  const exitError = (): SluiceTestingError | undefined =>
    exit === undefined || stopping !== undefined
      ? undefined
      : new SluiceTestingError(
          'SERVICE_START_FAILED',
          `${service} (pid ${pid}) exited with ${exit.signal ?? `code ${exit.code}`}. Its log ends with:\n${readLogTail(logFile)}`,
          { domain: 'external', retriable: true },
        );
  try {
    await waitUntil(options.ready, {
      what: options.what,
      timeoutMs: options.readyTimeoutMs ?? 60_000,
      intervalMs: 100,
      abortIf: exitError,
      details: () => readLogTail(logFile),
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { pid, exitError, logTail: (lines) => readLogTail(logFile, lines), stop };
}
