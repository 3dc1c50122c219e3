import { describe, expect, it } from 'vitest';
import { kafkaServerProperties, newKafkaClusterId } from './kafka-server-properties.ts';

function parse(text: string): Map<string, string> {
  return new Map(
    text
      .trim()
      .split('\n')
      .map((line) => {
        const at = line.indexOf('=');
        return [line.slice(0, at), line.slice(at + 1)] as [string, string];
      }),
  );
}

describe('kafkaServerProperties', () => {
  it('describes a single-node combined KRaft broker on loopback, tuned for tests', () => {
    const properties = parse(
      kafkaServerProperties({ brokerPort: 40001, controllerPort: 40002, logDir: '/tmp/sluice-kafka-x/data' }),
    );
    expect(properties.get('process.roles')).toBe('broker,controller');
    expect(properties.get('listeners')).toBe('PLAINTEXT://127.0.0.1:40001,CONTROLLER://127.0.0.1:40002');
    expect(properties.get('advertised.listeners')).toBe('PLAINTEXT://127.0.0.1:40001');
    expect(properties.get('controller.quorum.bootstrap.servers')).toBe('127.0.0.1:40002');
    expect(properties.get('offsets.topic.replication.factor')).toBe('1');
    expect(properties.get('transaction.state.log.replication.factor')).toBe('1');
    expect(properties.get('transaction.state.log.min.isr')).toBe('1');
    expect(properties.get('group.initial.rebalance.delay.ms')).toBe('0');
    expect(properties.get('log.dirs')).toBe('/tmp/sluice-kafka-x/data');
  });

  it('lets overrides win', () => {
    const properties = parse(
      kafkaServerProperties(
        { brokerPort: 1, controllerPort: 2, logDir: '/d' },
        { 'num.partitions': 6, 'auto.create.topics.enable': false },
      ),
    );
    expect(properties.get('num.partitions')).toBe('6');
    expect(properties.get('auto.create.topics.enable')).toBe('false');
  });
});

describe('newKafkaClusterId', () => {
  it('is 16 random bytes in URL-safe base64 that never looks like an option', () => {
    for (let i = 0; i < 200; i++) {
      const id = newKafkaClusterId();
      expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
      expect(Buffer.from(id, 'base64url')).toHaveLength(16);
    }
  });
});
