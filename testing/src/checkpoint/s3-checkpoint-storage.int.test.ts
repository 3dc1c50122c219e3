import { createHash, randomBytes } from 'node:crypto';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CheckpointStore, type NewCheckpoint, S3CheckpointStorage } from '@sluice/core';
import { type S3Service, skipWithoutService, startS3 } from '@sluice/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const MiB = 1024 * 1024;
const bytes = (text: string) => new TextEncoder().encode(text);
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

function checkpoint(checkpointId: number): NewCheckpoint {
  return {
    kind: 'checkpoint',
    checkpointId,
    triggeredAt: 10_000 + checkpointId,
    completedAt: 10_050 + checkpointId,
    sourcePositions: { 'orders-source': { 'orders-0': String(checkpointId * 10) } },
  };
}

/** Records "METHOD path" of every request, and can fail the next requests matching a method. */
function instrument(client: S3Client) {
  const requests: { method: string; path: string; query: Record<string, unknown>; checksum: boolean }[] = [];
  const failures = { method: '', remaining: 0, partNumber: undefined as string | undefined };
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as {
        method: string;
        path: string;
        query?: Record<string, unknown>;
        headers?: Record<string, string>;
      };
      const checksum = Object.keys(request.headers ?? {}).some((h) => h.toLowerCase().startsWith('x-amz-checksum-'));
      requests.push({ method: request.method, path: request.path, query: request.query ?? {}, checksum });
      const partMatches = failures.partNumber === undefined || request.query?.['partNumber'] === failures.partNumber;
      if (request.method === failures.method && partMatches && failures.remaining > 0) {
        failures.remaining--;
        throw Object.assign(new Error('Please reduce your request rate.'), {
          name: 'SlowDown',
          $metadata: { httpStatusCode: 503 },
        });
      }
      return next(args);
    },
    { step: 'finalizeRequest', name: 'recordRequests' },
  );
  return { requests, failures };
}

describe.skipIf(skipWithoutService('s3'))('S3CheckpointStorage against a real S3 API', () => {
  let s3: S3Service;
  let client: S3Client;
  let recorded: ReturnType<typeof instrument>;

  beforeEach(async () => {
    s3 = await startS3({ bucketPrefix: 'chk' });
    // SDK defaults (request checksums on); retries are the storage's own.
    client = new S3Client({ ...s3.clientConfig, maxAttempts: 1 });
    recorded = instrument(client);
  });
  afterEach(async () => {
    client?.destroy();
    await s3?.stop();
  });

  function storage(extra: Partial<ConstructorParameters<typeof S3CheckpointStorage>[0]> = {}) {
    return new S3CheckpointStorage({ bucket: s3.bucket, prefix: 'prod/checkpoints', client, ...extra });
  }

  it('builds its own client from endpoint, region, credentials and forcePathStyle', async () => {
    const own = new S3CheckpointStorage({
      bucket: s3.bucket,
      endpoint: s3.endpoint,
      region: s3.region,
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
      forcePathStyle: s3.forcePathStyle,
    });
    try {
      await own.writeFile('job/chk-1/_metadata', bytes('m'));
      expect(await own.list('')).toEqual([{ key: 'job/chk-1/_metadata', sizeBytes: 1 }]);
      expect(own.description).toBe(`s3://${s3.bucket}`);
    } finally {
      await own.close();
    }
  });

  it('writes, reads, lists and deletes under its prefix', async () => {
    const st = storage();
    await st.writeFile('job/chk-1/op/kg-0', bytes('zero'));
    await st.writeFile('job/chk-1/_metadata', bytes('{}'));
    await st.writeFile('job/chk-10/_metadata', bytes('{}!'));
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'elsewhere/x', Body: 'x' }));

    expect(new TextDecoder().decode(await st.readFile('job/chk-1/op/kg-0'))).toBe('zero');
    expect(await st.readFile('job/chk-2/_metadata')).toBeUndefined();
    expect(await st.exists('job/chk-1/_metadata')).toBe(true);
    expect(await st.exists('job/chk-2/_metadata')).toBe(false);
    expect(await st.list('job/chk-1')).toEqual([
      { key: 'job/chk-1/_metadata', sizeBytes: 2 },
      { key: 'job/chk-1/op/kg-0', sizeBytes: 4 },
    ]);
    expect(await st.listSubdirectories('job')).toEqual(['chk-1', 'chk-10']);
    expect(await st.listSubdirectories('')).toEqual(['job']);

    await st.deleteDirectory('job/chk-1');
    expect(await st.listSubdirectories('job')).toEqual(['chk-10']);
    await st.deleteFile('job/chk-10/_metadata');
    expect(await st.list('')).toEqual([]);
    expect(await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'elsewhere/y', Body: 'y' }))).toBeDefined();
    // Every PUT carried the SDK's default request checksum.
    expect(recorded.requests.filter((r) => r.method === 'PUT').every((r) => r.checksum)).toBe(true);
  });

  it('stores checkpoints: listing, latestCompleted with fallback, and retention', async () => {
    const warnings: string[] = [];
    const st = storage();
    const store = new CheckpointStore({
      storage: st,
      jobId: 'orders',
      retainedCheckpoints: 2,
      logger: { warn: (line) => warnings.push(line) },
    });
    for (let id = 1; id <= 4; id++) {
      await store.writeCheckpoint(checkpoint(id), { 'counts/kg-0': bytes(`state ${id}`), 'counts/kg-1': bytes('x') });
    }
    // Checkpoint 5 crashed before its _metadata: invisible.
    await store.writeStateFile({ kind: 'checkpoint', checkpointId: 5 }, 'counts/kg-0', bytes('partial'));

    const listed = await store.listCheckpoints();
    expect(listed.map((c) => [c.checkpointId, c.durationMs, c.totalSizeBytes])).toEqual([
      [3, 50, 8],
      [4, 50, 8],
    ]);
    expect(listed[1]?.sourcePositions).toEqual({ 'orders-source': { 'orders-0': '40' } });
    expect(listed[1]?.location).toBe(`s3://${s3.bucket}/prod/checkpoints/orders/chk-4`);
    expect(await st.listSubdirectories('orders')).toEqual(['chk-3', 'chk-4', 'chk-5']);

    const latest = await store.latestCompleted();
    expect(latest?.checkpointId).toBe(4);
    expect(new TextDecoder().decode(await store.readStateFile(latest!, 'counts/kg-0'))).toBe('state 4');

    // Damage chk-4 behind the store's back: same size, different bytes.
    await client.send(
      new PutObjectCommand({ Bucket: s3.bucket, Key: 'prod/checkpoints/orders/chk-4/counts/kg-0', Body: 'STATE 4' }),
    );
    warnings.length = 0;
    expect((await store.latestCompleted())?.checkpointId).toBe(3);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('chk-5 (no _metadata (never completed))');
    expect(warnings[0]).toContain("chk-4 (state file 'counts/kg-0' does not match its SHA-256 digest)");
    expect(warnings[0]).toContain('falling back to chk-3');
  });

  it('uploads a file larger than the part threshold in parts, with checksums', async () => {
    const st = storage({ multipartThresholdBytes: 5 * MiB, partSizeBytes: 5 * MiB });
    const store = new CheckpointStore({ storage: st, jobId: 'big' });
    const big = new Uint8Array(randomBytes(11 * MiB + 123));
    const meta = await store.writeCheckpoint(checkpoint(1), { 'window/kg-0': big, small: bytes('s') });

    const parts = recorded.requests.filter((r) => r.method === 'PUT' && r.query['partNumber'] !== undefined);
    expect(parts.map((r) => r.query['partNumber']).sort()).toEqual(['1', '2', '3']);
    expect(parts.every((r) => r.checksum)).toBe(true);
    expect(meta.files.find((f) => f.path === 'window/kg-0')).toEqual({
      path: 'window/kg-0',
      sizeBytes: big.byteLength,
      sha256: sha256(big),
    });
    const latest = await store.latestCompleted();
    expect(latest?.checkpointId).toBe(1);
    expect(sha256(await store.readStateFile(latest!, 'window/kg-0'))).toBe(sha256(big));
  });

  it('aborts a multipart upload whose part fails, leaving no object', async () => {
    const st = storage({ multipartThresholdBytes: 5 * MiB, partSizeBytes: 5 * MiB, maxAttempts: 1 });
    recorded.failures.method = 'PUT';
    recorded.failures.partNumber = '2';
    recorded.failures.remaining = 1;
    const error = await st.writeFile('job/chk-1/big', new Uint8Array(11 * MiB)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CHECKPOINT_STORAGE_FAILED' });
    expect((error as Error).message).toContain('upload part 2');
    expect(recorded.requests.some((r) => r.method === 'DELETE' && r.query['uploadId'] !== undefined)).toBe(true);
    expect(await st.exists('job/chk-1/big')).toBe(false);
  });

  it('retries throttled requests with backoff, and gives up after maxAttempts', async () => {
    const st = storage({ maxAttempts: 3, retryBaseDelayMs: 1, retryMaxDelayMs: 5 });
    recorded.failures.method = 'PUT';
    recorded.failures.remaining = 2;
    await st.writeFile('job/chk-1/s', bytes('after two throttles'));
    expect(recorded.requests.filter((r) => r.method === 'PUT')).toHaveLength(3);
    expect(new TextDecoder().decode(await st.readFile('job/chk-1/s'))).toBe('after two throttles');

    recorded.failures.remaining = 3;
    const error = await st.writeFile('job/chk-1/t', bytes('never')).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CHECKPOINT_STORAGE_FAILED', retriable: true });
    expect((error as Error).message).toMatch(/after 3 attempts/);
    expect(await st.exists('job/chk-1/t')).toBe(false);
  });

  it('does not retry a client error', async () => {
    const st = new S3CheckpointStorage({ bucket: `${s3.bucket}-missing`, client });
    const before = recorded.requests.length;
    const error = await st.writeFile('job/x', bytes('x')).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CHECKPOINT_STORAGE_FAILED', retriable: false });
    expect(recorded.requests.length - before).toBe(1);
  });
});
