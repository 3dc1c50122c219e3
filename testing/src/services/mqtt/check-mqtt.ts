import { describeError, SluiceTestingError } from '../../errors.ts';
import { mqttUrl } from './mqtt-settings.ts';

/**
 * Fails fast (default 3 s) with a clear `SERVICE_UNAVAILABLE` error if the MQTT broker does not
 * accept a connection.
 *
 * @example
 * ```ts
 * beforeAll(() => checkMqtt());
 * ```
 */
export async function checkMqtt(options: { timeoutMs?: number; url?: string } = {}): Promise<void> {
  const url = options.url ?? mqttUrl();
  const { connectAsync } = await import('mqtt');
  try {
    const client = await connectAsync(url, { connectTimeout: options.timeoutMs ?? 3_000, reconnectPeriod: 0 }, false);
    await client.endAsync();
  } catch (error) {
    throw new SluiceTestingError(
      'SERVICE_UNAVAILABLE',
      `The MQTT broker is not reachable at ${url} (${describeError(error)}). Start one (e.g. Mosquitto), or set MQTT_URL.`,
      { domain: 'external', retriable: true, cause: error },
    );
  }
}
