import { describe, expect, it } from 'vitest';
import { SluiceTestingError } from '@sluice/testing';
import {
  type KafkaBrokerSecurityLayout,
  kafkaScramFormatArgs,
  kafkaServerProperties,
  newKafkaClusterId,
} from './kafka-server-properties.ts';

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
    expect(properties.get('log.retention.ms')).toBe('-1'); // 1970 event times must not expire
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

describe('kafkaServerProperties with security', () => {
  const security: KafkaBrokerSecurityLayout = {
    saslPlaintextPort: 40003,
    sslPort: 40004,
    saslSslPort: 40005,
    keystoreFile: '/tmp/sluice-kafka-x/tls/broker-keystore.pem',
    users: [
      { username: 'alice', password: 'alice-secret' },
      { username: 'bob-2', password: 'b.o.b' },
    ],
  };
  const properties = parse(kafkaServerProperties({ brokerPort: 40001, controllerPort: 40002, logDir: '/d', security }));

  it('adds SASL_PLAINTEXT, SSL and SASL_SSL client listeners; brokers and controller stay plaintext', () => {
    expect(properties.get('listeners')).toBe(
      'PLAINTEXT://127.0.0.1:40001,SASL_PLAINTEXT://127.0.0.1:40003,SSL://127.0.0.1:40004,' +
        'SASL_SSL://127.0.0.1:40005,CONTROLLER://127.0.0.1:40002',
    );
    expect(properties.get('advertised.listeners')).toBe(
      'PLAINTEXT://127.0.0.1:40001,SASL_PLAINTEXT://127.0.0.1:40003,SSL://127.0.0.1:40004,SASL_SSL://127.0.0.1:40005',
    );
    expect(properties.get('listener.security.protocol.map')).toBe(
      'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL',
    );
    expect(properties.get('inter.broker.listener.name')).toBe('PLAINTEXT');
    expect(properties.get('controller.listener.names')).toBe('CONTROLLER');
  });

  it('enables PLAIN and both SCRAMs on both SASL listeners, PLAIN listing every user', () => {
    expect(properties.get('sasl.enabled.mechanisms')).toBe('PLAIN,SCRAM-SHA-256,SCRAM-SHA-512');
    for (const listener of ['sasl_plaintext', 'sasl_ssl']) {
      expect(properties.get(`listener.name.${listener}.plain.sasl.jaas.config`)).toBe(
        'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret" user_bob-2="b.o.b";',
      );
      for (const scram of ['scram-sha-256', 'scram-sha-512']) {
        expect(properties.get(`listener.name.${listener}.${scram}.sasl.jaas.config`)).toBe(
          'org.apache.kafka.common.security.scram.ScramLoginModule required;',
        );
      }
    }
  });

  it('serves TLS from the PEM keystore without asking for client certificates', () => {
    expect(properties.get('ssl.keystore.type')).toBe('PEM');
    expect(properties.get('ssl.keystore.location')).toBe('/tmp/sluice-kafka-x/tls/broker-keystore.pem');
    expect(properties.get('ssl.client.auth')).toBe('none');
  });

  it('adds nothing of this without security', () => {
    const plain = kafkaServerProperties({ brokerPort: 1, controllerPort: 2, logDir: '/d' });
    expect(plain).not.toMatch(/sasl|ssl/i);
  });

  it('rejects a user that would need quoting', () => {
    for (const user of [
      { username: 'a b', password: 'x' },
      { username: 'a.b', password: 'x' },
      { username: 'a', password: 'x"y' },
      { username: 'a', password: 'x,y]' },
      { username: 'a', password: '' },
    ]) {
      expect(() =>
        kafkaServerProperties({
          brokerPort: 1,
          controllerPort: 2,
          logDir: '/d',
          security: { ...security, users: [user] },
        }),
      ).toThrow(SluiceTestingError);
      expect(() => kafkaScramFormatArgs([user])).toThrow(/only letters, digits/);
    }
  });
});

describe('kafkaScramFormatArgs', () => {
  it('adds SCRAM-SHA-256 and SCRAM-SHA-512 credentials of every user at format time', () => {
    expect(
      kafkaScramFormatArgs([
        { username: 'alice', password: 'alice-secret' },
        { username: 'bob', password: 'b.o.b' },
      ]),
    ).toEqual([
      '--add-scram',
      'SCRAM-SHA-256=[name=alice,password=alice-secret]',
      '--add-scram',
      'SCRAM-SHA-512=[name=alice,password=alice-secret]',
      '--add-scram',
      'SCRAM-SHA-256=[name=bob,password=b.o.b]',
      '--add-scram',
      'SCRAM-SHA-512=[name=bob,password=b.o.b]',
    ]);
    expect(kafkaScramFormatArgs([])).toEqual([]);
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
