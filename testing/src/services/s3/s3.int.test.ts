import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { type S3Service, skipWithoutService, startS3 } from '@sluice/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const MiB = 1024 * 1024;

function crc32Base64(bytes: Buffer): string {
  const value = Buffer.alloc(4);
  value.writeUInt32BE(crc32(bytes) >>> 0);
  return value.toString('base64');
}

describe.skipIf(skipWithoutService('s3'))('startS3', () => {
  let s3: S3Service;
  let client: S3Client;
  /** "METHOD path" of every request that carried an x-amz-checksum-* header. */
  let sentChecksums: string[];

  beforeEach(async () => {
    s3 = await startS3({ bucketPrefix: 's3-int' });
    // Current SDK defaults on purpose: request checksums are calculated (WHEN_SUPPORTED).
    client = new S3Client(s3.clientConfig);
    sentChecksums = [];
    client.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { method?: string; path?: string; headers?: Record<string, string> };
        if (Object.keys(request.headers ?? {}).some((name) => name.toLowerCase().startsWith('x-amz-checksum-'))) {
          sentChecksums.push(`${request.method} ${request.path}`);
        }
        return next(args);
      },
      { step: 'finalizeRequest', name: 'recordChecksumHeaders' },
    );
  });

  afterEach(async () => {
    client?.destroy();
    await s3?.stop();
  });

  it('gives every call a fresh, empty bucket', async () => {
    const other = await s3.createBucket('s3-int');
    expect(other).not.toBe(s3.bucket);
    const listed = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket }));
    expect(listed.KeyCount ?? 0).toBe(0);
    if ((process.env['SLUICE_TESTING_SHARED'] ?? '').split(',').includes('s3')) expect(s3.mode).toBe('external');
  });

  it('puts, gets and lists objects', async () => {
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'chk-1/_metadata', Body: 'meta' }));
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'chk-1/state-0', Body: 'state zero' }));
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'other/x', Body: 'x' }));

    const got = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'chk-1/state-0' }));
    expect(await got.Body?.transformToString()).toBe('state zero');

    const listed = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: 'chk-1/' }));
    expect((listed.Contents ?? []).map((object) => object.Key)).toEqual(['chk-1/_metadata', 'chk-1/state-0']);
    // The SDK's default request checksums were on (and the server accepted them).
    expect(sentChecksums.filter((request) => request.startsWith('PUT '))).toHaveLength(3);
  });

  it('completes a multipart upload of two 5 MiB parts and a tail, with CRC32 checksums', async () => {
    const parts = [randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(1234)];
    const whole = Buffer.concat(parts);
    const key = 'big/object.bin';
    const created = await client.send(
      new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: key, ChecksumAlgorithm: 'CRC32' }),
    );
    const uploaded = [];
    for (const [index, body] of parts.entries()) {
      const part = await client.send(
        new UploadPartCommand({
          Bucket: s3.bucket,
          Key: key,
          UploadId: created.UploadId,
          PartNumber: index + 1,
          Body: body,
          ChecksumAlgorithm: 'CRC32',
        }),
      );
      // S3 returns each part's checksum; S3Mock 5.2 does not echo it, so use our own CRC32
      // (the server has already checked the one the SDK sent with the part).
      uploaded.push({ PartNumber: index + 1, ETag: part.ETag, ChecksumCRC32: part.ChecksumCRC32 ?? crc32Base64(body) });
    }
    const completed = await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: s3.bucket,
        Key: key,
        UploadId: created.UploadId,
        MultipartUpload: { Parts: uploaded },
      }),
    );
    // A composite checksum: CRC32 over the parts' CRC32s, with the part count.
    const composite = crc32Base64(Buffer.concat(parts.map((body) => Buffer.from(crc32Base64(body), 'base64'))));
    expect(completed.ChecksumCRC32).toBe(`${composite}-3`);
    expect(sentChecksums.filter((request) => request.startsWith('PUT ')).length).toBeGreaterThanOrEqual(3);

    const head = await client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }));
    expect(head.ContentLength).toBe(whole.length);
    const got = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
    const bytes = Buffer.from((await got.Body?.transformToByteArray()) ?? []);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(createHash('sha256').update(whole).digest('hex'));
  });
});
