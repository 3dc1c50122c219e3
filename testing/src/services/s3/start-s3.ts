import { chooseServicePath } from '../choose-service-path.ts';
import { resolveModePreference } from '../service-mode.ts';
import { isSharedByGlobalSetup } from '../shared-services.ts';
import { createUniqueBucket } from './create-unique-bucket.ts';
import { s3ClientSettings } from './s3-client-settings.ts';
import type { S3Endpoint, S3Service, StartS3Options } from './s3-service.ts';
import { startLocalS3Mock } from './start-local-s3mock.ts';
import { startS3MockContainer } from './start-s3mock-container.ts';

/**
 * The env vars of the external path (the global setup sets them for the shared instance).
 * `S3_ENDPOINT` selects the path; the others default to `us-east-1` and `test`/`test`
 * (`AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` are used when the `S3_` ones are unset).
 */
export const S3_ENV = {
  endpoint: 'S3_ENDPOINT',
  region: 'S3_REGION',
  accessKeyId: 'S3_ACCESS_KEY_ID',
  secretAccessKey: 'S3_SECRET_ACCESS_KEY',
} as const;

/**
 * An S3 endpoint for tests plus a FRESH bucket for this call, by the first path that applies:
 * 1. `S3_ENDPOINT` is set (e.g. by the run's global setup) → that endpoint; `stop()` does nothing;
 * 2. a container runtime answers → `adobe/s3mock` in a container;
 * 3. otherwise → Adobe S3Mock as a local Java process (needs Java 17+ and, on the first run, Maven).
 *
 * @example
 * ```ts
 * const s3 = await startS3();
 * const client = new S3Client(s3.clientConfig);
 * await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'k', Body: 'v' }));
 * const other = await s3.createBucket('second');
 * ```
 */
export async function startS3(options: StartS3Options = {}): Promise<S3Service> {
  const endpoint = await startS3Endpoint(options);
  let bucket: string;
  try {
    bucket = await createUniqueBucket(endpoint, options.bucketPrefix);
  } catch (error) {
    await endpoint.stop();
    throw error;
  }
  return {
    ...endpoint,
    bucket,
    clientConfig: s3ClientSettings(endpoint),
    createBucket: (prefix) => createUniqueBucket(endpoint, prefix ?? options.bucketPrefix),
  };
}

/**
 * The endpoint part of {@link startS3}, without creating a bucket (what the global setup shares).
 *
 * @example
 * ```ts
 * const endpoint = await startS3Endpoint();
 * process.env.S3_ENDPOINT = endpoint.endpoint;
 * ```
 */
export function startS3Endpoint(options: StartS3Options = {}): Promise<S3Endpoint> {
  return chooseServicePath<S3Endpoint>(
    {
      name: 'S3',
      externalEnvVar: S3_ENV.endpoint,
      external: externalS3Endpoint,
      container: () => startS3MockContainer(options),
      localProcess: () => startLocalS3Mock(options),
      describe: (s3) => `at ${s3.endpoint}`,
      logExternal: !isSharedByGlobalSetup('s3'),
    },
    resolveModePreference(options.mode),
    options.containerRuntimeTimeoutMs,
  );
}

function externalS3Endpoint(): S3Endpoint | undefined {
  const env = process.env;
  const endpoint = env[S3_ENV.endpoint]?.trim();
  if (!endpoint) return undefined;
  return {
    endpoint,
    region: env[S3_ENV.region] || env['AWS_REGION'] || 'us-east-1',
    accessKeyId: env[S3_ENV.accessKeyId] || env['AWS_ACCESS_KEY_ID'] || 'test',
    secretAccessKey: env[S3_ENV.secretAccessKey] || env['AWS_SECRET_ACCESS_KEY'] || 'test',
    forcePathStyle: true,
    mode: 'external',
    stop: async () => {},
  };
}
