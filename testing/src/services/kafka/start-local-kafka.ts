import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SluiceTestingError } from '../../errors.ts';
import { findFreePorts } from '../free-port.ts';
import { requireJava } from '../java.ts';
import { createDataDir, startJavaProcess } from '../java-process.ts';
import { readLogTail } from '../log-tail.ts';
import { resolveMavenClasspath } from '../maven.ts';
import { runCommand } from '../run-command.ts';
import {
  KAFKA_SASL_MECHANISMS,
  type KafkaBrokerSecurityLayout,
  kafkaLog4jConfig,
  kafkaScramFormatArgs,
  kafkaServerProperties,
  newKafkaClusterId,
} from './kafka-server-properties.ts';
import type {
  KafkaListenerAddress,
  KafkaRestartOptions,
  KafkaSaslUser,
  KafkaSecurityListeners,
  KafkaService,
  StartKafkaOptions,
} from './kafka-service.ts';
import { createKafkaTestCertificates } from './kafka-test-certificates.ts';
import { waitForKafka } from './wait-for-kafka.ts';

/** The committed pom listing the broker's jars (`testing/java/kafka/pom.xml`). */
const KAFKA_POM = fileURLToPath(new URL('../../../java/kafka/pom.xml', import.meta.url));

/** Small heap and C1-only JIT: a test broker starts in seconds and needs little memory. */
const DEFAULT_KAFKA_JVM_ARGS = [
  '-Xms128m',
  '-Xmx512m',
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
  '-Djava.awt.headless=true',
];

/**
 * Starts a real Apache Kafka 4 broker as a local Java process: single-node KRaft (combined
 * broker + controller) on random 127.0.0.1 ports, in a fresh temp data directory that `stop()`
 * deletes. Jars come from Maven (cached after the first run). With `options.security`, it also
 * listens with SASL and TLS (a throwaway CA is made in the data directory; see
 * `KafkaSecurityOptions`).
 *
 * @example
 * ```ts
 * const kafka = await startLocalKafka();
 * try { ... } finally { await kafka.stop(); }
 * ```
 */
export async function startLocalKafka(options: StartKafkaOptions = {}): Promise<KafkaService> {
  const java = await requireJava();
  const jars = await resolveMavenClasspath({ name: 'kafka', pomFile: KAFKA_POM });
  const classpath = jars.join(delimiter);
  const dataDir = createDataDir('kafka');
  const logFile = join(dataDir, 'kafka.log');
  const propertiesFile = join(dataDir, 'server.properties');
  const log4jFile = join(dataDir, 'log4j2.xml');
  // `true` = the defaults; `false` = none.
  const securityOptions = options.security === true ? {} : options.security || undefined;
  const secured = securityOptions !== undefined;
  const [brokerPort = 0, controllerPort = 0, saslPlaintextPort = 0, sslPort = 0, saslSslPort = 0] = await findFreePorts(
    secured ? 5 : 2,
  );
  const logDir = join(dataDir, 'data');
  mkdirSync(logDir);
  let security: { layout: KafkaBrokerSecurityLayout; caCertificate: string } | undefined;
  if (secured) {
    const users = securityOptions.users ?? [defaultUser()];
    try {
      const certificates = await createKafkaTestCertificates(join(dataDir, 'tls'));
      security = {
        layout: { saslPlaintextPort, sslPort, saslSslPort, keystoreFile: certificates.keystoreFile, users },
        caCertificate: certificates.caCertificate,
      };
    } catch (error) {
      rmSync(dataDir, { recursive: true, force: true });
      throw error;
    }
  }
  try {
    writeFileSync(
      propertiesFile,
      kafkaServerProperties(
        { brokerPort, controllerPort, logDir, ...(security === undefined ? {} : { security: security.layout }) },
        options.brokerProperties,
      ),
    );
  } catch (error) {
    // An invalid user: nothing was started yet.
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  writeFileSync(log4jFile, kafkaLog4jConfig());
  const jvmArgs = [...(options.jvmArgs ?? DEFAULT_KAFKA_JVM_ARGS), `-Dlog4j2.configurationFile=${log4jFile}`];

  const format = await runCommand(
    java.executable,
    [
      ...jvmArgs,
      '-cp',
      classpath,
      'kafka.tools.StorageTool',
      'format',
      '--cluster-id',
      newKafkaClusterId(),
      '--config',
      propertiesFile,
      '--standalone',
      ...(security === undefined ? [] : kafkaScramFormatArgs(security.layout.users)),
    ],
    { cwd: dataDir, timeoutMs: 120_000 },
  );
  appendFileSync(logFile, format.output);
  if (format.exitCode !== 0) {
    const tail = readLogTail(logFile);
    rmSync(dataDir, { recursive: true, force: true });
    throw new SluiceTestingError(
      'SERVICE_START_FAILED',
      `Formatting the Kafka storage failed (kafka.tools.StorageTool exit ${format.exitCode}). ` +
        `If the pom was edited, check the Kafka version in ${KAFKA_POM}.\n${tail}`,
      { domain: 'external', retriable: false },
    );
  }

  const broker = await startJavaProcess({
    service: 'kafka',
    java: java.executable,
    jvmArgs,
    mainArgs: ['-cp', classpath, 'kafka.Kafka', propertiesFile],
    dataDir,
    logFile,
  });
  const bootstrapServers = `127.0.0.1:${brokerPort}`;
  const ready = (timeoutMs: number): Promise<void> =>
    waitForKafka(bootstrapServers, {
      what: `Kafka broker (pid ${broker.pid}) at ${bootstrapServers}`,
      timeoutMs,
      abortIf: () => broker.exitError(),
      details: () => `Broker log ${logFile} ends with:\n${broker.logTail()}`,
    });
  try {
    await ready(options.readyTimeoutMs ?? 90_000);
  } catch (error) {
    await broker.stop();
    throw error;
  }
  return {
    bootstrapServers,
    brokers: [bootstrapServers],
    mode: 'local-process',
    ...(security === undefined ? {} : { security: securityListeners(security.layout, security.caCertificate) }),
    stop: () => broker.stop(),
    restart: async (restart: KafkaRestartOptions = {}) => {
      await broker.restart({
        ...(restart.downtimeMs === undefined ? {} : { downtimeMs: restart.downtimeMs }),
        ...(restart.signal === undefined ? {} : { signal: restart.signal }),
      });
      await ready(restart.readyTimeoutMs ?? 90_000);
    },
  };
}

/** The user of `startKafka({ security: true })`: `sluice` with a random password. */
function defaultUser(): KafkaSaslUser {
  return { username: 'sluice', password: randomBytes(12).toString('hex') };
}

function securityListeners(layout: KafkaBrokerSecurityLayout, caCertificate: string): KafkaSecurityListeners {
  const address = (port: number): KafkaListenerAddress => ({
    bootstrapServers: `127.0.0.1:${port}`,
    brokers: [`127.0.0.1:${port}`],
  });
  return {
    saslPlaintext: address(layout.saslPlaintextPort),
    ssl: address(layout.sslPort),
    saslSsl: address(layout.saslSslPort),
    caCertificate,
    mechanisms: KAFKA_SASL_MECHANISMS,
    users: layout.users.map((user) => ({ ...user })),
  };
}
