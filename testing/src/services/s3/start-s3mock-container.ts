import { SluiceTestingError } from '../../errors.ts';
import type { S3Endpoint, StartS3Options } from './s3-service.ts';
import { waitForS3 } from './wait-for-s3.ts';

/** Default image of the Testcontainers path: the same S3Mock version as the local-process path. */
export const DEFAULT_S3MOCK_IMAGE = 'adobe/s3mock:5.2.0';

/** S3Mock's plain-HTTP port inside the container. */
const S3MOCK_HTTP_PORT = 9090;

/**
 * Starts Adobe S3Mock in a container (Testcontainers `GenericContainer`) and waits until a
 * ListBuckets call answers.
 *
 * @example
 * ```ts
 * const endpoint = await startS3MockContainer();
 * ```
 */
export async function startS3MockContainer(options: StartS3Options = {}): Promise<S3Endpoint> {
  const image = options.image ?? process.env['SLUICE_S3MOCK_IMAGE'] ?? DEFAULT_S3MOCK_IMAGE;
  const { GenericContainer } = await import('testcontainers');
  let container: Awaited<ReturnType<InstanceType<typeof GenericContainer>['start']>>;
  try {
    container = await new GenericContainer(image).withExposedPorts(S3MOCK_HTTP_PORT).start();
  } catch (error) {
    throw new SluiceTestingError(
      'SERVICE_START_FAILED',
      `The S3Mock container (${image}) did not start. Check that the image can be pulled, or set ` +
        'SLUICE_TESTING_MODE=local-process to run S3Mock as a local Java process instead.',
      { domain: 'external', retriable: true, cause: error },
    );
  }
  const endpoint = {
    endpoint: `http://${container.getHost()}:${container.getMappedPort(S3MOCK_HTTP_PORT)}`,
    region: 'us-east-1',
    accessKeyId: 'test',
    secretAccessKey: 'test',
    forcePathStyle: true as const,
  };
  const stop = async (): Promise<void> => {
    await container.stop();
  };
  try {
    await waitForS3(endpoint, {
      what: `S3Mock container ${image} at ${endpoint.endpoint}`,
      timeoutMs: options.readyTimeoutMs ?? 90_000,
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { ...endpoint, mode: 'testcontainers', stop };
}
