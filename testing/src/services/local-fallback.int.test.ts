import { Redis } from 'ioredis';
import { connectAsync } from 'mqtt';
import { describe, expect, it, vi } from 'vitest';
import { checkMqtt } from './mqtt/check-mqtt.ts';
import { checkRedis } from './redis/check-redis.ts';
import { provideMachineService, startLocalMachineService } from './local-fallback.ts';

// The global setup starts these only when the machine's own broker is down; here they are
// started on purpose, so the fallback path is exercised on every run.
describe('startLocalMachineService', () => {
  it('starts a private Mosquitto that carries messages, and stops it', async () => {
    const mqtt = await startLocalMachineService('mqtt');
    expect(mqtt.url).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    expect(mqtt.url).not.toBe('mqtt://127.0.0.1:1883');
    const subscriber = await connectAsync(mqtt.url);
    const publisher = await connectAsync(mqtt.url);
    const received: string[] = [];
    subscriber.on('message', (_topic, payload) => received.push(payload.toString()));
    try {
      await subscriber.subscribeAsync('local/#', { qos: 1 });
      await publisher.publishAsync('local/t1', 'hello', { qos: 1 });
      await vi.waitFor(() => expect(received).toEqual(['hello']), { timeout: 10_000, interval: 20 });
    } finally {
      await subscriber.endAsync();
      await publisher.endAsync();
      await mqtt.stop();
    }
    await expect(checkMqtt({ url: mqtt.url, timeoutMs: 1_000 })).rejects.toThrow(/not reachable/);
  });

  it('starts a private Redis that stores values, and stops it', async () => {
    const redis = await startLocalMachineService('redis');
    expect(redis.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    const client = new Redis(redis.url, { lazyConnect: true });
    try {
      await client.connect();
      await client.set('sluice:local', '42');
      expect(await client.get('sluice:local')).toBe('42');
    } finally {
      client.disconnect();
      await redis.stop();
    }
    await expect(checkRedis({ url: redis.url, timeoutMs: 1_000 })).rejects.toThrow(/not reachable/);
  });
});

describe('provideMachineService', () => {
  it('does not replace a broker the user named explicitly: a dead MQTT_URL fails the check', async () => {
    const previous = process.env['MQTT_URL'];
    process.env['MQTT_URL'] = 'mqtt://127.0.0.1:1'; // nothing listens on port 1
    try {
      await expect(provideMachineService('mqtt')).rejects.toThrow(/not reachable at mqtt:\/\/127\.0\.0\.1:1/);
      expect(process.env['MQTT_URL']).toBe('mqtt://127.0.0.1:1');
    } finally {
      if (previous === undefined) delete process.env['MQTT_URL'];
      else process.env['MQTT_URL'] = previous;
    }
  });
});
