import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { readFileSinkOutput } from '@sluice/core';
import { type S3Service, skipWithoutService, startS3 } from '@sluice/testing';
import { afterAll, describe, expect, it } from 'vitest';

/*
 * The S3 variant of core/src/checkpoint/checkpoint-fallback.test.ts, through the fresh-process
 * path: the job process is SIGKILLed after a few checkpoints, a state file of its newest
 * checkpoint in S3 is overwritten with garbage of the same size, and a NEW process (restore
 * 'latest' on start) must skip that checkpoint with a log line naming it and the reason, restore
 * the one before, and still produce exactly the output of a run without failures.
 */

const job = new URL('./fixtures/windowed-clicks.job.ts', import.meta.url);
const jobProcess = new URL('./job-process.ts', import.meta.url);
const COUNT = 12_000;

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'sluice-s3-fallback-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Started {
  readonly child: ChildProcess;
  readonly stderr: () => string;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startJobProcess(params: Record<string, string | number | boolean>): Started {
  const child = spawn(
    process.execPath,
    ['--conditions=@sluice/source', jobProcess.pathname, job.href, JSON.stringify(params), '1'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, stderr: () => stderr, exit };
}

async function objectKeys(client: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let ContinuationToken: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken }));
    for (const o of page.Contents ?? []) if (o.Key !== undefined) keys.push(o.Key);
    ContinuationToken = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (ContinuationToken !== undefined);
  return keys;
}

describe.skipIf(skipWithoutService('s3'))('restore from latest falls back past a damaged checkpoint in S3', () => {
  it('a fresh process skips the newest checkpoint whose state file is garbage and restores the one before', async () => {
    const s3: S3Service = await startS3({ bucketPrefix: 'fallback' });
    const client = new S3Client(s3.clientConfig);
    try {
      const ref = tempDir();
      const reference = startJobProcess({ out: ref, count: COUNT });
      expect((await reference.exit).code).toBe(0);
      const expected = readFileSinkOutput(ref).sort();

      const out = tempDir();
      const params = { out, count: COUNT, rate: 4_000, bucket: s3.bucket, interval: 100, retained: 3 };
      const first = startJobProcess(params);
      first.child.stderr?.on('data', () => {
        if ((first.stderr().match(/checkpoint \d+ completed/g) ?? []).length >= 3) first.child.kill('SIGKILL');
      });
      expect((await first.exit).signal).toBe('SIGKILL');

      const jobDir = 'crash-replay/windowed-clicks/';
      const keys = await objectKeys(client, s3.bucket, jobDir);
      const complete = keys
        .map((k) => /chk-(\d+)\/_metadata$/.exec(k)?.[1])
        .filter((id): id is string => id !== undefined)
        .map(Number)
        .sort((a, b) => a - b);
      expect(complete.length).toBeGreaterThanOrEqual(2);
      const newest = complete.at(-1) as number;
      const previous = complete.at(-2) as number;
      const stateKey = `${jobDir}chk-${newest}/clicks-per-second/0-of-1`;
      expect(keys).toContain(stateKey);
      const original = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: stateKey }));
      const size = (await original.Body?.transformToByteArray())?.byteLength ?? 0;
      expect(size).toBeGreaterThan(0);
      await client.send(
        new PutObjectCommand({ Bucket: s3.bucket, Key: stateKey, Body: new Uint8Array(size).fill(0x5a) }),
      );

      const second = startJobProcess(params);
      expect((await second.exit).code).toBe(0);
      const log = second.stderr();
      expect(log).toMatch(
        new RegExp(
          `skipped unusable checkpoints .*chk-${newest} \\(state file 'clicks-per-second/0-of-1' does not match its ` +
            `SHA-256 digest\\); falling back to chk-${previous}\\.`,
        ),
      );
      expect(log).toContain(`restores from checkpoint ${previous}`);
      expect(readFileSinkOutput(out).sort()).toEqual(expected);
    } finally {
      client.destroy();
      await s3.stop();
    }
  });
});
