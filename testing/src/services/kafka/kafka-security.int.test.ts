import { randomBytes } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import {
  createKafkaClient,
  type KafkaClientConfig,
  KafkaClientError,
  type KafkaClientLibrary,
  KafkaDeserializers,
  type KafkaSaslConfig,
  KafkaSink,
  KafkaSource,
  StreamExecutionEnvironment,
  WatermarkStrategy,
} from '@sluice/core';
import {
  type KafkaSaslUser,
  type KafkaSecurityListeners,
  type KafkaService,
  skipWithoutService,
  startKafka,
  uniqueTopic,
} from '@sluice/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The "security settings pass through: SASL (PLAIN, SCRAM) and TLS", against a real
 * broker: this file starts its own local broker with SASL_PLAINTEXT, SSL and SASL_SSL listeners
 * (startKafka({ security })) and drives the Sluice Kafka client and connectors through each, on
 * both client libraries. The run's shared broker is not used.
 */
const libraries: KafkaClientLibrary[] = ['platformatic', 'kafkajs'];
const mechanisms: KafkaSaslConfig['mechanism'][] = ['plain', 'scram-sha-256', 'scram-sha-512'];

describe.skipIf(skipWithoutService('kafka'))('Kafka SASL and TLS through the Sluice client and connectors', () => {
  let kafka: KafkaService;
  let listeners: KafkaSecurityListeners;
  // A name with "-" and a password with "." (what the harness allows) prove the quoting.
  const user: KafkaSaslUser = { username: 'sluice-app', password: `pw.${randomBytes(8).toString('hex')}` };

  beforeAll(async () => {
    kafka = await startKafka({ security: { users: [user] } });
    if (kafka.security === undefined) throw new TypeError('startKafka({ security }) returned no security listeners');
    listeners = kafka.security;
  });
  afterAll(async () => {
    await kafka?.stop();
  });

  /** Client settings for one listener; `sasl` with the test user unless given. */
  function config(
    library: KafkaClientLibrary,
    listener: 'saslPlaintext' | 'ssl' | 'saslSsl',
    options: { mechanism?: KafkaSaslConfig['mechanism']; password?: string; ca?: string } = {},
  ): KafkaClientConfig {
    const tls = listener === 'saslPlaintext' ? {} : { tls: { ca: [options.ca ?? listeners.caCertificate] } };
    const sasl =
      options.mechanism === undefined
        ? {}
        : {
            sasl: {
              mechanism: options.mechanism,
              username: user.username,
              password: options.password ?? user.password,
            },
          };
    return { library, bootstrapServers: listeners[listener].brokers, clientId: `security-${library}`, ...tls, ...sasl };
  }

  /** Creates a topic, writes three records and reads them back, all through one client. */
  async function roundTrip(settings: KafkaClientConfig, label: string): Promise<string[]> {
    const client = await createKafkaClient(settings);
    const admin = client.admin();
    const producer = client.producer();
    const consumer = client.consumer({ maxWaitMs: 50 });
    try {
      const topic = uniqueTopic('security');
      await admin.createTopics([{ topic, partitions: 1 }]);
      await producer.send(['a', 'b', 'c'].map((v) => ({ topic, partition: 0, value: Buffer.from(`${label}-${v}`) })));
      await consumer.assign([{ topic, partition: 0, start: { kind: 'earliest' } }]);
      const values: string[] = [];
      const deadline = performance.now() + 15_000;
      while ((consumer.position({ topic, partition: 0 }) ?? 0) < 3) {
        expect(performance.now(), `reading ${topic}`).toBeLessThan(deadline);
        for (const batch of await consumer.poll()) values.push(...batch.records.map((r) => r.value?.toString() ?? ''));
      }
      return values;
    } finally {
      await Promise.allSettled([consumer.close(), producer.close(), admin.close()]);
    }
  }

  /** The error of a first call through `settings`, and how long it took to come. */
  async function failure(settings: KafkaClientConfig): Promise<{ error: unknown; ms: number }> {
    const started = performance.now();
    const client = await createKafkaClient(settings);
    const admin = client.admin();
    try {
      await admin.createTopics([{ topic: uniqueTopic('security-denied'), partitions: 1 }]);
      return { error: undefined, ms: performance.now() - started };
    } catch (error) {
      return { error, ms: performance.now() - started };
    } finally {
      await admin.close().catch(() => undefined);
    }
  }

  it('exposes the secured listeners, the CA and the user', () => {
    expect(kafka.mode).toBe('local-process');
    expect(listeners.mechanisms).toEqual(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512']);
    expect(listeners.users).toEqual([user]);
    expect(listeners.caCertificate).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n$/);
    const addresses = [
      kafka.bootstrapServers,
      ...[listeners.saslPlaintext, listeners.ssl, listeners.saslSsl].map((l) => l.bootstrapServers),
    ];
    expect(new Set(addresses).size).toBe(4);
  });

  describe.each(libraries)('on %s', (library) => {
    it.each(mechanisms)('SASL_PLAINTEXT with %s: records go in and come out', async (mechanism) => {
      const label = `${library}-sasl-plaintext-${mechanism}`;
      expect(await roundTrip(config(library, 'saslPlaintext', { mechanism }), label)).toEqual(
        ['a', 'b', 'c'].map((v) => `${label}-${v}`),
      );
    });

    it.each(mechanisms)('SASL_SSL with %s: records go in and come out', async (mechanism) => {
      const label = `${library}-sasl-ssl-${mechanism}`;
      expect(await roundTrip(config(library, 'saslSsl', { mechanism }), label)).toEqual(
        ['a', 'b', 'c'].map((v) => `${label}-${v}`),
      );
    });

    it('SSL (TLS, trusting the test CA): records go in and come out', async () => {
      const label = `${library}-ssl`;
      expect(await roundTrip(config(library, 'ssl'), label)).toEqual(['a', 'b', 'c'].map((v) => `${label}-${v}`));
    });

    it('a wrong PLAIN or SCRAM password, or a certificate of an unknown CA, fails with AUTHENTICATION_FAILED, not a hang', async () => {
      const [plain, scram, unknownCa] = await Promise.all([
        failure(config(library, 'saslPlaintext', { mechanism: 'plain', password: 'wrong' })),
        failure(config(library, 'saslSsl', { mechanism: 'scram-sha-512', password: 'wrong' })),
        // A real CA, just not the one that signed the broker's certificate.
        failure(config(library, 'ssl', { ca: rootCertificates[0] })),
      ]);
      for (const [outcome, pattern] of [
        [plain, /rejected the SASL login: .*(Invalid username or password)/],
        [scram, /rejected the SASL login: .*invalid credentials with SASL mechanism SCRAM-SHA-512/],
        [unknownCa, /TLS certificate was not accepted: .*self-signed certificate in certificate chain.*tls\.ca/],
      ] as const) {
        expect(outcome.error).toBeInstanceOf(KafkaClientError);
        const error = outcome.error as KafkaClientError;
        expect(error.kind, error.message).toBe('AUTHENTICATION_FAILED');
        expect(error.retriable).toBe(false);
        expect(error.message).toMatch(pattern);
        // Each library retries a while before giving up (@platformatic/kafka about 9 s), but gives up.
        expect(outcome.ms).toBeLessThan(20_000);
      }
    });

    it('KafkaSource → KafkaSink over SASL_SSL with SCRAM-SHA-512', async () => {
      const settings = config(library, 'saslSsl', { mechanism: 'scram-sha-512' });
      const { bootstrapServers, ...client } = settings;
      const [input, output] = [uniqueTopic('security-in'), uniqueTopic('security-out')];
      const setup = await createKafkaClient(settings);
      const admin = setup.admin();
      const producer = setup.producer();
      const values = Array.from({ length: 20 }, (_, i) => `r${i}`);
      try {
        await admin.createTopics([
          { topic: input, partitions: 2 },
          { topic: output, partitions: 1 },
        ]);
        await producer.send(values.map((v, i) => ({ topic: input, partition: i % 2, value: Buffer.from(v) })));
      } finally {
        await Promise.allSettled([producer.close(), admin.close()]);
      }

      const env = StreamExecutionEnvironment.create({ parallelism: 1 });
      env
        .fromSource(
          new KafkaSource<string>({
            bootstrapServers,
            topics: [input],
            deserializer: KafkaDeserializers.string(),
            bounded: 'latest-at-start',
            fetchMaxWaitMs: 50,
            log: () => {},
            client,
          }),
          WatermarkStrategy.noWatermarks<string>(),
          'secured-in',
        )
        .map((v) => v.toUpperCase())
        .sinkTo(
          new KafkaSink<string>({
            bootstrapServers,
            topic: output,
            serializer: 'string',
            deliveryGuarantee: 'at-least-once',
            client,
          }),
          'secured-out',
        );
      await env.execute(`security-${library}`);

      const reader = await createKafkaClient(settings);
      const consumer = reader.consumer({ maxWaitMs: 50 });
      try {
        await consumer.assign([{ topic: output, partition: 0, start: { kind: 'earliest' } }]);
        const read: string[] = [];
        const deadline = performance.now() + 15_000;
        while ((consumer.position({ topic: output, partition: 0 }) ?? 0) < values.length) {
          expect(performance.now(), `reading ${output}`).toBeLessThan(deadline);
          for (const batch of await consumer.poll()) read.push(...batch.records.map((r) => r.value?.toString() ?? ''));
        }
        expect(read.sort()).toEqual(values.map((v) => v.toUpperCase()).sort());
      } finally {
        await consumer.close();
      }
    });
  });
});
