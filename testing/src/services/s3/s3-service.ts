import type { ServiceMode, ServiceModePreference } from '../service-mode.ts';

/**
 * Where an S3-compatible endpoint is and how to sign in; what `startS3` is built on.
 *
 * @example
 * ```ts
 * const endpoint: S3Endpoint = {
 *   endpoint: 'http://127.0.0.1:40125', region: 'us-east-1', accessKeyId: 'test',
 *   secretAccessKey: 'test', forcePathStyle: true, mode: 'local-process', stop: async () => {},
 * };
 * ```
 */
export interface S3Endpoint {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: true;
  mode: ServiceMode;
  /** Stops what was started (a no-op for `external`). */
  stop(): Promise<void>;
}

/**
 * The settings to pass to `new S3Client(...)`.
 *
 * @example
 * ```ts
 * const client = new S3Client(s3.clientConfig);
 * ```
 */
export interface S3ClientSettings {
  endpoint: string;
  region: string;
  forcePathStyle: true;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

/**
 * An S3 endpoint with a fresh bucket of its own.
 *
 * @example
 * ```ts
 * const s3 = await startS3();
 * const client = new S3Client(s3.clientConfig);
 * await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'a', Body: 'x' }));
 * ```
 */
export interface S3Service extends S3Endpoint {
  /** A bucket created for this `startS3()` call; no other call gets it. */
  bucket: string;
  clientConfig: S3ClientSettings;
  /** Creates another fresh, uniquely named bucket and returns its name. */
  createBucket(prefix?: string): Promise<string>;
}

/**
 * Options of `startS3`.
 *
 * @example
 * ```ts
 * await startS3({ bucketPrefix: 'checkpoints' });
 * ```
 */
export interface StartS3Options {
  /** Force one path; default `SLUICE_TESTING_MODE` or `auto`. */
  mode?: ServiceModePreference;
  /** Container image for the Testcontainers path; default `SLUICE_S3MOCK_IMAGE` or `adobe/s3mock:5.2.0`. */
  image?: string;
  /** Prefix of the fresh bucket's name, default `test`. */
  bucketPrefix?: string;
  /** Budget for the endpoint to answer, default 90 s. */
  readyTimeoutMs?: number;
  /** Budget for the container runtime check, default 5 s. */
  containerRuntimeTimeoutMs?: number;
  /** JVM options of the local S3Mock, replacing the defaults. */
  jvmArgs?: string[];
}
