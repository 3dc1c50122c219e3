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
import { kafkaLog4jConfig, kafkaServerProperties, newKafkaClusterId } from './kafka-server-properties.ts';
import type { KafkaRestartOptions, KafkaService, StartKafkaOptions } from './kafka-service.ts';
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
 * deletes. Jars come from Maven (cached after the first run).
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
  const [brokerPort = 0, controllerPort = 0] = await findFreePorts(2);
  const logDir = join(dataDir, 'data');
  mkdirSync(logDir);
  writeFileSync(
    propertiesFile,
    kafkaServerProperties({ brokerPort, controllerPort, logDir }, options.brokerProperties),
  );
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
