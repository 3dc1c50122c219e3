import type { SluiceTestingError } from '../errors.ts';
import { startServiceProcess } from './java-process.ts';
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
  const { service, binary } = options;
  const started = await startServiceProcess({
    service,
    command: binary,
    args: () => options.args,
    marker: () => options.marker,
    dataDir: options.dataDir,
    logFile: options.logFile,
    launchFailure: `Could not launch ${binary} for ${service}.`,
  });
  try {
    await waitUntil(options.ready, {
      what: options.what,
      timeoutMs: options.readyTimeoutMs ?? 60_000,
      intervalMs: 100,
      abortIf: () => started.exitError(),
      details: () => started.logTail(),
    });
  } catch (error) {
    await started.stop();
    throw error;
  }
  return { pid: started.pid, exitError: () => started.exitError(), logTail: started.logTail, stop: started.stop };
}
