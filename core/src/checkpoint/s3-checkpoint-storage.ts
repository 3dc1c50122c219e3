import { crc32 } from 'node:zlib';
import type { S3Client } from '@aws-sdk/client-s3';
import { SluiceError } from '../errors.ts';
import { decideRetry, type RetryPolicy } from './s3-retry.ts';
import { assertStorageKey, type CheckpointStorage, type StoredFile, storageFailed } from './storage.ts';

type S3Sdk = typeof import('@aws-sdk/client-s3');

const MiB = 1024 * 1024;
/** S3's smallest allowed part (all parts but the last). */
const MIN_PART_SIZE = 5 * MiB;

/**
 * Options of {@link S3CheckpointStorage}.
 *
 * @example
 * ```ts
 * const options: S3CheckpointStorageOptions = {
 *   bucket: 'my-checkpoints', prefix: 'prod', region: 'eu-west-1',
 * };
 * ```
 */
export interface S3CheckpointStorageOptions {
  readonly bucket: string;
  /** Key prefix of the storage root inside the bucket (no leading or trailing `/`); default none. */
  readonly prefix?: string;
  /** Default: the SDK's region resolution (`AWS_REGION`, profile). */
  readonly region?: string;
  /** A custom endpoint (MinIO, S3Mock, …). */
  readonly endpoint?: string;
  /** Default: the SDK's credential chain. */
  readonly credentials?: {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken?: string;
  };
  /** Path-style addressing (`endpoint/bucket/key`), needed by most S3-compatible servers. */
  readonly forcePathStyle?: boolean;
  /**
   * A ready client to use instead of creating one from the options above (which are then
   * ignored), e.g. to share connections or add middleware. Its own retries multiply with ours;
   * create it with `maxAttempts: 1`. It is not destroyed by {@link S3CheckpointStorage.close}.
   */
  readonly client?: S3Client;
  /** Files larger than this go through a multipart upload; default 8 MiB. */
  readonly multipartThresholdBytes?: number;
  /** Part size of multipart uploads; at least 5 MiB (S3's minimum); default 8 MiB. */
  readonly partSizeBytes?: number;
  /** Attempts per request including the first, with exponential backoff on throttling/5xx/network errors; default 5. */
  readonly maxAttempts?: number;
  /** Backoff cap of the first retry, doubling per retry; default 100 ms. */
  readonly retryBaseDelayMs?: number;
  /** Upper bound of a backoff delay; default 5 s. */
  readonly retryMaxDelayMs?: number;
}

function crc32Base64(bytes: Uint8Array): string {
  const value = Buffer.alloc(4);
  value.writeUInt32BE(crc32(bytes) >>> 0);
  return value.toString('base64');
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: unknown; $metadata?: { httpStatusCode?: unknown } } | null;
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

const delay = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/**
 * Checkpoint storage in an S3 bucket (or any S3-compatible store). `@aws-sdk/client-s3` is loaded
 * on first use, so jobs that never use S3 never load it. Files above the multipart threshold are
 * uploaded in parts (each with a CRC32 checksum); the SDK's default request checksums stay on.
 * Throttling, 5xx and network errors are retried with exponential backoff and full jitter.
 * S3 makes a `PutObject` or a completed multipart upload visible all at once, so a crash never
 * leaves a partial object under the final key; an unfinished multipart upload is aborted (a
 * process killed mid-upload cannot abort it: give the bucket a lifecycle rule that aborts
 * incomplete multipart uploads after a day, or they keep costing storage).
 *
 * @example
 * ```ts
 * const storage = new S3CheckpointStorage({ bucket: 'my-checkpoints', prefix: 'prod', region: 'eu-west-1' });
 * const store = new CheckpointStore({ storage, jobId: 'orders' });
 * ```
 */
export class S3CheckpointStorage implements CheckpointStorage {
  readonly description: string;
  private readonly options: S3CheckpointStorageOptions;
  private readonly root: string;
  private readonly threshold: number;
  private readonly partSize: number;
  private readonly retry: RetryPolicy;
  private loaded: Promise<{ sdk: S3Sdk; client: S3Client }> | undefined;

  constructor(options: S3CheckpointStorageOptions) {
    const prefix = options.prefix ?? '';
    if (prefix !== '') assertStorageKey(prefix, 'key');
    if (options.bucket === '') throw new SluiceError('INVALID_ARGUMENT', 'S3CheckpointStorage needs a bucket name.');
    this.options = options;
    this.root = prefix === '' ? '' : `${prefix}/`;
    this.partSize = options.partSizeBytes ?? 8 * MiB;
    this.threshold = options.multipartThresholdBytes ?? 8 * MiB;
    if (!Number.isSafeInteger(this.partSize) || this.partSize < MIN_PART_SIZE) {
      throw new SluiceError(
        'INVALID_ARGUMENT',
        `partSizeBytes must be an integer >= ${MIN_PART_SIZE} (S3's minimum part size).`,
      );
    }
    if (!(this.threshold >= 0)) throw new SluiceError('INVALID_ARGUMENT', 'multipartThresholdBytes must be >= 0.');
    this.retry = {
      maxAttempts: Math.max(1, options.maxAttempts ?? 5),
      baseDelayMs: options.retryBaseDelayMs ?? 100,
      maxDelayMs: options.retryMaxDelayMs ?? 5_000,
    };
    this.description = prefix === '' ? `s3://${options.bucket}` : `s3://${options.bucket}/${prefix}`;
  }

  /** Loads the SDK and creates the client once, on first use. */
  private load(): Promise<{ sdk: S3Sdk; client: S3Client }> {
    this.loaded ??= import('@aws-sdk/client-s3').then((sdk) => {
      const o = this.options;
      if (o.client !== undefined) return { sdk, client: o.client };
      const client = new sdk.S3Client({
        ...(o.region === undefined ? {} : { region: o.region }),
        ...(o.endpoint === undefined ? {} : { endpoint: o.endpoint }),
        ...(o.credentials === undefined ? {} : { credentials: { ...o.credentials } }),
        ...(o.forcePathStyle === undefined ? {} : { forcePathStyle: o.forcePathStyle }),
        // Retries are ours (decideRetry), so the attempt count is what the options say.
        maxAttempts: 1,
      });
      return { sdk, client };
    });
    return this.loaded;
  }

  /** Closes the SDK client's connections (if it was ever loaded). */
  async close(): Promise<void> {
    if (this.loaded !== undefined && this.options.client === undefined) (await this.loaded).client.destroy();
    this.loaded = undefined;
  }

  private keyOf(key: string, what: 'key' | 'directory'): string {
    assertStorageKey(key, what);
    if (what === 'directory') return key === '' ? this.root : `${this.root}${key}/`;
    return `${this.root}${key}`;
  }

  private async attempt<T>(operation: string, location: string, run: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await run();
      } catch (error) {
        const decision = decideRetry(error, attempt, this.retry, Math.random());
        if (decision.action === 'give-up') {
          const retriable = decision.reason === 'attempts-exhausted';
          const what = retriable ? `${operation} (after ${attempt} attempts)` : operation;
          throw storageFailed(what, location, error, retriable);
        }
        await delay(decision.delayMs);
      }
    }
  }

  async writeFile(key: string, data: Uint8Array): Promise<void> {
    const Key = this.keyOf(key, 'key');
    const { sdk, client } = await this.load();
    const Bucket = this.options.bucket;
    const location = `s3://${Bucket}/${Key}`;
    if (data.byteLength <= this.threshold) {
      await this.attempt('write', location, () => client.send(new sdk.PutObjectCommand({ Bucket, Key, Body: data })));
      return;
    }
    const created = await this.attempt('start a multipart upload of', location, () =>
      client.send(new sdk.CreateMultipartUploadCommand({ Bucket, Key, ChecksumAlgorithm: 'CRC32' })),
    );
    const UploadId = created.UploadId;
    if (UploadId === undefined) throw storageFailed('start a multipart upload of', location, 'no UploadId', true);
    try {
      const Parts: { PartNumber: number; ETag: string | undefined; ChecksumCRC32: string }[] = [];
      for (let offset = 0, PartNumber = 1; offset < data.byteLength; offset += this.partSize, PartNumber++) {
        const Body = data.subarray(offset, Math.min(offset + this.partSize, data.byteLength));
        const part = await this.attempt(`upload part ${PartNumber} of`, location, () =>
          client.send(
            new sdk.UploadPartCommand({ Bucket, Key, UploadId, PartNumber, Body, ChecksumAlgorithm: 'CRC32' }),
          ),
        );
        // S3 echoes each part's checksum; some compatible servers do not, so fall back to our own.
        Parts.push({ PartNumber, ETag: part.ETag, ChecksumCRC32: part.ChecksumCRC32 ?? crc32Base64(Body) });
      }
      await this.attempt('complete the multipart upload of', location, () =>
        client.send(new sdk.CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts } })),
      );
    } catch (error) {
      await client.send(new sdk.AbortMultipartUploadCommand({ Bucket, Key, UploadId })).catch(() => undefined);
      throw error;
    }
  }

  async readFile(key: string): Promise<Uint8Array | undefined> {
    const Key = this.keyOf(key, 'key');
    const { sdk, client } = await this.load();
    const Bucket = this.options.bucket;
    return this.attempt('read', `s3://${Bucket}/${Key}`, async () => {
      try {
        const got = await client.send(new sdk.GetObjectCommand({ Bucket, Key }));
        return got.Body === undefined ? new Uint8Array() : await got.Body.transformToByteArray();
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    });
  }

  async exists(key: string): Promise<boolean> {
    const Key = this.keyOf(key, 'key');
    const { sdk, client } = await this.load();
    const Bucket = this.options.bucket;
    return this.attempt('check', `s3://${Bucket}/${Key}`, async () => {
      try {
        await client.send(new sdk.HeadObjectCommand({ Bucket, Key }));
        return true;
      } catch (error) {
        if (isNotFound(error)) return false;
        throw error;
      }
    });
  }

  /** Every page of a listing under `Prefix` (optionally with a `/` delimiter). */
  private async listPages(Prefix: string, delimited: boolean): Promise<{ keys: StoredFile[]; prefixes: string[] }> {
    const { sdk, client } = await this.load();
    const Bucket = this.options.bucket;
    const keys: StoredFile[] = [];
    const prefixes: string[] = [];
    let ContinuationToken: string | undefined;
    do {
      const page = await this.attempt('list', `s3://${Bucket}/${Prefix}`, () =>
        client.send(
          new sdk.ListObjectsV2Command({
            Bucket,
            Prefix,
            ContinuationToken,
            ...(delimited ? { Delimiter: '/' } : {}),
          }),
        ),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key !== undefined)
          keys.push({ key: object.Key.slice(this.root.length), sizeBytes: object.Size ?? 0 });
      }
      for (const common of page.CommonPrefixes ?? []) {
        if (common.Prefix !== undefined) prefixes.push(common.Prefix.slice(Prefix.length, -1));
      }
      ContinuationToken = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (ContinuationToken !== undefined);
    return { keys, prefixes };
  }

  async list(dir: string): Promise<StoredFile[]> {
    const { keys } = await this.listPages(this.keyOf(dir, 'directory'), false);
    return keys.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async listSubdirectories(dir: string): Promise<string[]> {
    const { prefixes } = await this.listPages(this.keyOf(dir, 'directory'), true);
    return prefixes.filter((name) => name !== '').sort();
  }

  async deleteFile(key: string): Promise<void> {
    const Key = this.keyOf(key, 'key');
    const { sdk, client } = await this.load();
    const Bucket = this.options.bucket;
    await this.attempt('delete', `s3://${Bucket}/${Key}`, () =>
      client.send(new sdk.DeleteObjectCommand({ Bucket, Key })),
    );
  }

  async deleteDirectory(dir: string): Promise<void> {
    const Prefix = this.keyOf(dir, 'directory');
    if (dir === '') throw storageFailed('delete', this.description, 'refusing to delete the storage root', false);
    const { keys } = await this.listPages(Prefix, false);
    const { sdk, client } = await this.load();
    const Bucket = this.options.bucket;
    for (let i = 0; i < keys.length; i += 1000) {
      const Objects = keys.slice(i, i + 1000).map((file) => ({ Key: `${this.root}${file.key}` }));
      const result = await this.attempt('delete', `s3://${Bucket}/${Prefix}`, () =>
        client.send(new sdk.DeleteObjectsCommand({ Bucket, Delete: { Objects, Quiet: true } })),
      );
      const failed = result.Errors ?? [];
      if (failed.length > 0) {
        const first = failed[0];
        throw storageFailed(
          `delete ${failed.length} objects under`,
          `s3://${Bucket}/${Prefix}`,
          `${first?.Key}: ${first?.Code} ${first?.Message}`,
          true,
        );
      }
    }
  }
}
