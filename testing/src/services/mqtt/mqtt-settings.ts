/**
 * The MQTT broker URL: `MQTT_URL`, else `mqtt://127.0.0.1:1883`.
 *
 * @example
 * ```ts
 * const client = await connectAsync(mqttUrl());
 * ```
 */
export function mqttUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env['MQTT_URL'] || 'mqtt://127.0.0.1:1883';
}
