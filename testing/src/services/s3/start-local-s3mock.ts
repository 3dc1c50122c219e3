import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SluiceTestingError } from '../../errors.ts';
import { findFreePorts } from '../free-port.ts';
import { requireJava } from '../java.ts';
import { createDataDir, startJavaProcess } from '../java-process.ts';
import { resolveMavenClasspath } from '../maven.ts';
import type { S3Endpoint, StartS3Options } from './s3-service.ts';
import { waitForS3 } from './wait-for-s3.ts';

/** The committed pom naming the S3Mock executable jar (`testing/java/s3mock/pom.xml`). */
const S3MOCK_POM = fileURLToPath(new URL('../../../java/s3mock/pom.xml', import.meta.url));

const DEFAULT_S3MOCK_JVM_ARGS = [
  '-Xms64m',
  '-Xmx512m',
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
  '-Djava.awt.headless=true',
];

/**
 * Starts Adobe S3Mock (a Spring Boot executable jar from Maven Central) as a local Java process
 * on random 127.0.0.1 ports, storing objects in a fresh temp directory that `stop()` deletes.
 *
 * @example
 * ```ts
 * const endpoint = await startLocalS3Mock();
 * try { ... } finally { await endpoint.stop(); }
 * ```
 */
export async function startLocalS3Mock(options: StartS3Options = {}): Promise<S3Endpoint> {
  const java = await requireJava();
  const [jar] = await resolveMavenClasspath({ name: 's3mock', pomFile: S3MOCK_POM });
  if (jar === undefined || !jar.endsWith('-exec.jar')) {
    throw new SluiceTestingError(
      'MAVEN_RESOLUTION_FAILED',
      `Expected the S3Mock executable jar from ${S3MOCK_POM}, got ${jar ?? 'nothing'}. Check the pom's classifier (exec).`,
      { domain: 'internal', retriable: false },
    );
  }
  const dataDir = createDataDir('s3mock');
  const logFile = join(dataDir, 's3mock.log');
  // S3Mock serves HTTPS on server.port and plain HTTP on http.port: both get a free port.
  const [httpPort = 0, httpsPort = 0] = await findFreePorts(2);
  const process = await startJavaProcess({
    service: 's3mock',
    java: java.executable,
    jvmArgs: options.jvmArgs ?? DEFAULT_S3MOCK_JVM_ARGS,
    mainArgs: [
      '-jar',
      jar,
      `--http.port=${httpPort}`,
      `--server.port=${httpsPort}`,
      '--server.address=127.0.0.1',
      `--com.adobe.testing.s3mock.store.root=${join(dataDir, 'store')}`,
    ],
    dataDir,
    logFile,
  });
  const endpoint = {
    endpoint: `http://127.0.0.1:${httpPort}`,
    region: 'us-east-1',
    accessKeyId: 'test',
    secretAccessKey: 'test',
    forcePathStyle: true as const,
  };
  try {
    await waitForS3(endpoint, {
      what: `S3Mock (pid ${process.pid}) at ${endpoint.endpoint}`,
      timeoutMs: options.readyTimeoutMs ?? 90_000,
      abortIf: () => process.exitError(),
      details: () => `S3Mock log ${logFile} ends with:\n${process.logTail()}`,
    });
  } catch (error) {
    await process.stop();
    throw error;
  }
  return { ...endpoint, mode: 'local-process', stop: () => process.stop() };
}
