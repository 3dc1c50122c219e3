import { randomBytes } from 'node:crypto';
import { SluiceTestingError } from '../../errors.ts';
import type { KafkaSaslMechanismName, KafkaSaslUser } from './kafka-service.ts';

/**
 * The SASL mechanisms of the secured listeners, in the order the broker lists them.
 *
 * @example
 * ```ts
 * properties['sasl.enabled.mechanisms'] = KAFKA_SASL_MECHANISMS.join(',');
 * ```
 */
export const KAFKA_SASL_MECHANISMS: readonly KafkaSaslMechanismName[] = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'];

/**
 * The secured listeners of a test broker, for {@link kafkaServerProperties}: SASL over
 * plaintext, TLS, and SASL over TLS, on their own ports.
 *
 * @example
 * ```ts
 * const security: KafkaBrokerSecurityLayout = {
 *   saslPlaintextPort: 40125, sslPort: 40126, saslSslPort: 40127,
 *   keystoreFile: '/tmp/sluice-kafka-x/tls/broker-keystore.pem',
 *   users: [{ username: 'alice', password: 'alice-secret' }],
 * };
 * ```
 */
export interface KafkaBrokerSecurityLayout {
  saslPlaintextPort: number;
  sslPort: number;
  saslSslPort: number;
  /** PEM file with the broker's unencrypted PKCS#8 private key, then its certificate chain. */
  keystoreFile: string;
  /** Accepted by PLAIN (JAAS config) and, once formatted with {@link kafkaScramFormatArgs}, by SCRAM. */
  users: readonly KafkaSaslUser[];
}

/**
 * Inputs of {@link kafkaServerProperties}.
 *
 * @example
 * ```ts
 * const layout: KafkaBrokerLayout = { brokerPort: 40123, controllerPort: 40124, logDir: '/tmp/sluice-kafka-x/data' };
 * ```
 */
export interface KafkaBrokerLayout {
  brokerPort: number;
  controllerPort: number;
  logDir: string;
  host?: string;
  /** Adds the SASL and TLS listeners; omitted: the plaintext listener only. */
  security?: KafkaBrokerSecurityLayout;
}

/**
 * The `server.properties` of a single-node KRaft broker (combined broker + controller), tuned
 * for tests: everything bound to 127.0.0.1, replication factors 1, one-partition internal
 * topics, no initial rebalance delay, no time-based retention. With `layout.security`, three more client listeners:
 * `SASL_PLAINTEXT`, `SSL` and `SASL_SSL` (see {@link kafkaSecurityProperties}); brokers and
 * controller keep talking plaintext among themselves. `overrides` win over the defaults.
 *
 * @example
 * ```ts
 * writeFileSync(file, kafkaServerProperties({ brokerPort, controllerPort, logDir }));
 * ```
 */
export function kafkaServerProperties(
  layout: KafkaBrokerLayout,
  overrides: Record<string, string | number | boolean> = {},
): string {
  const host = layout.host ?? '127.0.0.1';
  const security = layout.security;
  const secured =
    security === undefined
      ? []
      : [
          ['SASL_PLAINTEXT', security.saslPlaintextPort],
          ['SSL', security.sslPort],
          ['SASL_SSL', security.saslSslPort],
        ];
  const clientListeners = [['PLAINTEXT', layout.brokerPort], ...secured].map(
    ([name, port]) => `${name}://${host}:${port}`,
  );
  const properties: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    listeners: [...clientListeners, `CONTROLLER://${host}:${layout.controllerPort}`].join(','),
    'advertised.listeners': clientListeners.join(','),
    'listener.security.protocol.map': ['PLAINTEXT', 'CONTROLLER', ...secured.map(([name]) => name)]
      .map((name) => `${name}:${name === 'CONTROLLER' ? 'PLAINTEXT' : name}`)
      .join(','),
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'controller.quorum.bootstrap.servers': `${host}:${layout.controllerPort}`,
    'log.dirs': layout.logDir,
    'num.partitions': 1,
    'default.replication.factor': 1,
    'min.insync.replicas': 1,
    'offsets.topic.replication.factor': 1,
    'offsets.topic.num.partitions': 1,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'transaction.state.log.num.partitions': 1,
    'share.coordinator.state.topic.replication.factor': 1,
    'share.coordinator.state.topic.min.isr': 1,
    'group.initial.rebalance.delay.ms': 0,
    'auto.create.topics.enable': true,
    'num.network.threads': 2,
    'num.io.threads': 2,
    'num.recovery.threads.per.data.dir': 1,
    'log.cleaner.threads': 1,
    // Tests write event-time timestamps from 1970: with time-based retention the broker rolls a
    // segment per append and deletes them at its next retention check (every 5 min), so a reader
    // would lose a topic's first records mid-test. Test data lives as long as the broker.
    'log.retention.ms': -1,
    ...(security === undefined ? {} : kafkaSecurityProperties(security)),
    ...overrides,
  };
  return `${Object.entries(properties)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join('\n')}\n`;
}

/**
 * The SASL and TLS entries of {@link kafkaServerProperties} for `security` (listeners aside):
 * the three mechanisms on both SASL listeners, each with its own JAAS config (PLAIN lists the
 * users; SCRAM reads the credentials from the metadata log), and the PEM keystore of the TLS
 * listeners. No client certificates are asked for.
 *
 * @example
 * ```ts
 * kafkaSecurityProperties(security)['listener.name.sasl_ssl.plain.sasl.jaas.config'];
 * // 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret";'
 * ```
 */
export function kafkaSecurityProperties(security: KafkaBrokerSecurityLayout): Record<string, string> {
  for (const user of security.users) checkSaslUser(user);
  const plain = [
    'org.apache.kafka.common.security.plain.PlainLoginModule required',
    ...security.users.map((user) => `user_${user.username}="${user.password}"`),
  ].join(' ');
  const scram = 'org.apache.kafka.common.security.scram.ScramLoginModule required';
  const properties: Record<string, string> = {
    'sasl.enabled.mechanisms': KAFKA_SASL_MECHANISMS.join(','),
    'ssl.keystore.type': 'PEM',
    'ssl.keystore.location': security.keystoreFile,
    'ssl.client.auth': 'none',
  };
  for (const listener of ['sasl_plaintext', 'sasl_ssl']) {
    properties[`listener.name.${listener}.plain.sasl.jaas.config`] = `${plain};`;
    properties[`listener.name.${listener}.scram-sha-256.sasl.jaas.config`] = `${scram};`;
    properties[`listener.name.${listener}.scram-sha-512.sasl.jaas.config`] = `${scram};`;
  }
  return properties;
}

/**
 * The `kafka-storage format` arguments that store every user's SCRAM-SHA-256 and SCRAM-SHA-512
 * credentials in the new cluster's metadata log (so SCRAM works from the broker's first start).
 *
 * @example
 * ```ts
 * kafkaScramFormatArgs([{ username: 'alice', password: 'alice-secret' }]);
 * // ['--add-scram', 'SCRAM-SHA-256=[name=alice,password=alice-secret]', '--add-scram', 'SCRAM-SHA-512=[...]']
 * ```
 */
export function kafkaScramFormatArgs(users: readonly KafkaSaslUser[]): string[] {
  return users.flatMap((user) => {
    checkSaslUser(user);
    return (['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const).flatMap((mechanism) => [
      '--add-scram',
      `${mechanism}=[name=${user.username},password=${user.password}]`,
    ]);
  });
}

/** Rejects names and passwords that would need quoting in the JAAS config or the SCRAM spec. */
function checkSaslUser(user: KafkaSaslUser): void {
  const checks = [
    ['username', user.username, /^[A-Za-z0-9_-]+$/, 'letters, digits, "_" and "-"'],
    ['password', user.password, /^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" and "-"'],
  ] as const;
  for (const [field, value, pattern, allowed] of checks) {
    if (!pattern.test(value)) {
      throw new SluiceTestingError(
        'INVALID_CONFIGURATION',
        `Kafka test user ${JSON.stringify(user.username)}: the ${field} must be non-empty and use only ${allowed} ` +
          '(it goes unquoted into the JAAS config and the SCRAM credentials).',
        { domain: 'user', retriable: false },
      );
    }
  }
}

/**
 * A random KRaft cluster id (16 random bytes, URL-safe base64, never starting with `-` so the
 * storage tool does not read it as an option).
 *
 * @example
 * ```ts
 * newKafkaClusterId(); // "q1bVh3kJQ4G8P0m2xZ7wNg"
 * ```
 */
export function newKafkaClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/**
 * A Log4j 2 configuration that writes the broker's log to stdout (which the harness sends to
 * a file), without the multi-page config dumps.
 *
 * @example
 * ```ts
 * writeFileSync(join(dataDir, 'log4j2.xml'), kafkaLog4jConfig());
 * ```
 */
export function kafkaLog4jConfig(): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="WARN">
  <Appenders>
    <Console name="stdout" target="SYSTEM_OUT">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
    </Console>
  </Appenders>
  <Loggers>
    <Logger name="org.apache.kafka.common.config.AbstractConfig" level="WARN"/>
    <Logger name="kafka.server.KafkaConfig" level="WARN"/>
    <Root level="INFO">
      <AppenderRef ref="stdout"/>
    </Root>
  </Loggers>
</Configuration>
`;
}
