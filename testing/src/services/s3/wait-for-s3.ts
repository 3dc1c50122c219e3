import { waitUntil, type WaitUntilOptions } from '../wait-until.ts';
import { s3ClientSettings } from './s3-client-settings.ts';
import type { S3Endpoint } from './s3-service.ts';

/**
 * Polls the endpoint with an S3 `ListBuckets` call until it answers.
 *
 * @example
 * ```ts
 * await waitForS3(endpoint, { what: 'S3Mock', timeoutMs: 90_000 });
 * ```
 */
export async function waitForS3(endpoint: Omit<S3Endpoint, 'stop' | 'mode'>, options: WaitUntilOptions): Promise<void> {
  const { ListBucketsCommand, S3Client } = await import('@aws-sdk/client-s3');
  const client = new S3Client({ ...s3ClientSettings(endpoint), maxAttempts: 1 });
  try {
    await waitUntil(
      () => client.send(new ListBucketsCommand({}), { abortSignal: AbortSignal.timeout(5_000) }),
      options,
    );
  } finally {
    client.destroy();
  }
}
