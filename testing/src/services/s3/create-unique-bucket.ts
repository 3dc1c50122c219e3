import { SluiceTestingError } from '../../errors.ts';
import { uniqueName } from '../../unique-name.ts';
import { s3ClientSettings } from './s3-client-settings.ts';
import type { S3Endpoint } from './s3-service.ts';

/**
 * Creates a bucket with a name no other test or run uses (`<prefix>-<pid>-<n>-<random>`, valid
 * as an S3 bucket name) and returns the name.
 *
 * @example
 * ```ts
 * const bucket = await createUniqueBucket(endpoint, 'checkpoints');
 * ```
 */
export async function createUniqueBucket(
  endpoint: Omit<S3Endpoint, 'stop' | 'mode'>,
  prefix = 'test',
): Promise<string> {
  const bucket = uniqueName(prefix, { maxLength: 63 });
  const { CreateBucketCommand, S3Client } = await import('@aws-sdk/client-s3');
  const client = new S3Client(s3ClientSettings(endpoint));
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    return bucket;
  } catch (error) {
    throw new SluiceTestingError(
      'SERVICE_UNAVAILABLE',
      `Creating bucket ${bucket} at ${endpoint.endpoint} failed. Check that the endpoint is up and the credentials may create buckets.`,
      { domain: 'external', retriable: true, cause: error },
    );
  } finally {
    client.destroy();
  }
}
