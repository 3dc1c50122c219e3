import { checkMqtt, mqttTestNamespace, skipWithoutService } from '@sluice/testing';
import { connectAsync } from 'mqtt';
import { describe, expect, it, vi } from 'vitest';

describe.skipIf(skipWithoutService('mqtt'))('mqttTestNamespace', () => {
  it('publishes and subscribes under its own topic prefix', async () => {
    await checkMqtt();
    const mine = mqttTestNamespace('mqtt-int');
    const theirs = mqttTestNamespace('mqtt-int');
    expect(mine.prefix).not.toBe(theirs.prefix);

    const subscriber = await connectAsync(mine.url);
    const publisher = await connectAsync(mine.url);
    const received: { topic: string; payload: string }[] = [];
    subscriber.on('message', (topic, payload) => received.push({ topic, payload: payload.toString() }));
    try {
      await subscriber.subscribeAsync(`${mine.prefix}#`, { qos: 1 });
      // Same publisher, same QoS: the foreign message goes out first, so once ours arrived,
      // the foreign one would have too if the namespaces overlapped.
      await publisher.publishAsync(theirs.topic('sensors/t1'), 'foreign', { qos: 1 });
      await publisher.publishAsync(mine.topic('sensors/t1'), '21.5', { qos: 1 });
      await vi.waitFor(() => expect(received).toHaveLength(1), { timeout: 10_000, interval: 20 });
      expect(received).toEqual([{ topic: mine.topic('sensors/t1'), payload: '21.5' }]);
    } finally {
      await subscriber.endAsync();
      await publisher.endAsync();
    }
  });
});
