import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeError, SluiceTestingError } from '../errors.ts';
import { findFreePort } from './free-port.ts';
import { harnessLog } from './harness-log.ts';
import { createDataDir } from './java-process.ts';
import { checkMqtt } from './mqtt/check-mqtt.ts';
import { type NativeProcess, startNativeProcess } from './native-process.ts';
import { findOnPath } from './prometheus/prometheus-binary.ts';
import { checkRedis } from './redis/check-redis.ts';

/** A machine service the harness can start itself when the machine's own instance is down. */
interface LocalFallback {
  /** The env var that points tests at the service (`MQTT_URL`). */
  readonly envVar: string;
  /** Checks the service at `url` (default: the URL the env gives). */
  readonly check: (url?: string) => Promise<void>;
  /** Binary names, looked up on PATH and in /usr/sbin. */
  readonly binary: string;
  /** The URL of an instance on `port`. */
  readonly url: (port: number) => string;
  /** Writes any config into `dataDir` and returns the arguments for `port`, plus the sweep marker. */
  readonly launch: (port: number, dataDir: string) => { args: string[]; marker: string };
}

const FALLBACKS = {
  mqtt: {
    envVar: 'MQTT_URL',
    check: (url) => checkMqtt(url === undefined ? {} : { url }),
    binary: 'mosquitto',
    url: (port) => `mqtt://127.0.0.1:${port}`,
    launch: (port, dataDir) => {
      const config = join(dataDir, 'mosquitto.conf');
      writeFileSync(config, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
      return { args: ['-c', config], marker: config };
    },
  },
  redis: {
    envVar: 'REDIS_URL',
    check: (url) => checkRedis(url === undefined ? {} : { url }),
    binary: 'redis-server',
    url: (port) => `redis://127.0.0.1:${port}`,
    launch: (port, dataDir) => ({
      args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dataDir],
      marker: dataDir,
    }),
  },
} satisfies Record<string, LocalFallback>;

/** The services {@link provideMachineService} can start as local processes. */
export type FallbackService = keyof typeof FALLBACKS;

/**
 * Makes `service` available to the test run: the machine's instance (or the one `MQTT_URL` /
 * `REDIS_URL` names) when it answers; otherwise — when no URL was set explicitly and the binary
 * is installed (`mosquitto`, `redis-server`) — a private instance started as a local process on a
 * free port, whose URL is put into the env var for the test workers. Returns its stop, or
 * undefined when the machine's instance is used. Throws the original check's error when neither
 * works.
 *
 * @example
 * ```ts
 * const stop = await provideMachineService('mqtt'); // MQTT_URL now points at a live broker
 * ```
 */
export async function provideMachineService(service: FallbackService): Promise<(() => Promise<void>) | undefined> {
  const fallback: LocalFallback = FALLBACKS[service];
  const explicit = Boolean(process.env[fallback.envVar]);
  try {
    await fallback.check();
    return undefined;
  } catch (error) {
    const binary = findBinary(fallback.binary);
    if (explicit || binary === undefined) throw error;
    harnessLog(
      `${service}: the machine's instance does not answer (${describeError(error)}); starting ${binary} locally`,
    );
    const local = await startLocal(fallback, binary, service);
    process.env[fallback.envVar] = local.url;
    return () => local.stop();
  }
}

/**
 * A private instance of `service` (`mosquitto` or `redis-server` from PATH or /usr/sbin) on a
 * free loopback port, with its data in a temporary directory; throws `SERVICE_UNAVAILABLE` when
 * the binary is missing or does not come up.
 *
 * @example
 * ```ts
 * const mqtt = await startLocalMachineService('mqtt');
 * const client = await connectAsync(mqtt.url);
 * await mqtt.stop();
 * ```
 */
export async function startLocalMachineService(
  service: FallbackService,
): Promise<{ readonly url: string; stop(): Promise<void> }> {
  const fallback: LocalFallback = FALLBACKS[service];
  const binary = findBinary(fallback.binary);
  if (binary === undefined) {
    throw new SluiceTestingError(
      'SERVICE_UNAVAILABLE',
      `${fallback.binary} is not installed (looked on PATH and in /usr/sbin).`,
      {
        domain: 'external',
        retriable: false,
      },
    );
  }
  return startLocal(fallback, binary, service);
}

function findBinary(name: string): string | undefined {
  return findOnPath(name, `${process.env['PATH'] ?? ''}:/usr/sbin:/usr/local/sbin`);
}

async function startLocal(
  fallback: LocalFallback,
  binary: string,
  service: string,
): Promise<{ readonly url: string; stop(): Promise<void> }> {
  const port = await findFreePort();
  const dataDir = createDataDir(service);
  const { args, marker } = fallback.launch(port, dataDir);
  const url = fallback.url(port);
  try {
    const local: NativeProcess = await startNativeProcess({
      service,
      binary,
      args,
      dataDir,
      logFile: join(dataDir, `${service}.log`),
      marker,
      what: `${service} at ${url}`,
      ready: () => fallback.check(url),
      readyTimeoutMs: 30_000,
    });
    harnessLog(`${service}: local process at ${url}`);
    return { url, stop: () => local.stop() };
  } catch (error) {
    throw new SluiceTestingError(
      'SERVICE_UNAVAILABLE',
      `${service}: a local ${binary} could not be started: ${describeError(error)}`,
      { domain: 'external', retriable: true, cause: error },
    );
  }
}
