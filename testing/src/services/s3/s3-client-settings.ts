import type { S3ClientSettings, S3Endpoint } from './s3-service.ts';

/**
 * The `S3Client` settings for an endpoint.
 *
 * @example
 * ```ts
 * const client = new S3Client(s3ClientSettings(endpoint));
 * ```
 */
export function s3ClientSettings(endpoint: Omit<S3Endpoint, 'stop' | 'mode'>): S3ClientSettings {
  return {
    endpoint: endpoint.endpoint,
    region: endpoint.region,
    forcePathStyle: true,
    credentials: { accessKeyId: endpoint.accessKeyId, secretAccessKey: endpoint.secretAccessKey },
  };
}
