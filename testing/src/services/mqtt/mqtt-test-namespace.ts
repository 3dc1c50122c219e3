import { uniqueName } from '../../unique-name.ts';
import { mqttUrl } from './mqtt-settings.ts';

/**
 * A topic namespace of its own for one test.
 *
 * @example
 * ```ts
 * const ns = mqttTestNamespace();
 * await client.subscribeAsync(ns.topic('sensors/+'));
 * ```
 */
export interface MqttTestNamespace {
  /** Broker URL from the environment (`MQTT_URL`). */
  url: string;
  /** Every topic of the test starts with this (`sluice-test/<unique>/`). */
  prefix: string;
  /** `prefix + name`. */
  topic(name: string): string;
}

/**
 * A unique MQTT topic prefix, so tests sharing a broker never see each other's messages.
 *
 * @example
 * ```ts
 * const ns = mqttTestNamespace('telemetry');
 * await client.publishAsync(ns.topic('device-1'), '42');
 * ```
 */
export function mqttTestNamespace(name = 'sluice-test'): MqttTestNamespace {
  const prefix = `${uniqueName(name)}/`;
  return { url: mqttUrl(), prefix, topic: (topic) => `${prefix}${topic}` };
}
