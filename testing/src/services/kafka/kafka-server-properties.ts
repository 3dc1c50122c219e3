import { randomBytes } from 'node:crypto';

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
}

/**
 * The `server.properties` of a single-node KRaft broker (combined broker + controller), tuned
 * for tests: everything bound to 127.0.0.1, replication factors 1, one-partition internal
 * topics, no initial rebalance delay. `overrides` win over the defaults.
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
  const properties: Record<string, string | number | boolean> = {
    'process.roles': 'broker,controller',
    'node.id': 1,
    listeners: `PLAINTEXT://${host}:${layout.brokerPort},CONTROLLER://${host}:${layout.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://${host}:${layout.brokerPort}`,
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
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
    ...overrides,
  };
  return `${Object.entries(properties)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join('\n')}\n`;
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
