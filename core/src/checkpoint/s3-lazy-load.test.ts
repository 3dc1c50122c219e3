import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// DESIGN.md §1: a connector's client is loaded only when that connector is used. A fresh Node
// process records every '@aws-sdk/*' module it resolves while importing @sluice/core, creating an
// S3CheckpointStorage, and using it once.
const script = `
import { registerHooks } from 'node:module';
const seen = [];
registerHooks({ resolve(specifier, context, next) { if (specifier.startsWith('@aws-sdk/')) seen.push(specifier); return next(specifier, context); } });
const core = await import('@sluice/core');
const counts = [seen.length];
const storage = new core.S3CheckpointStorage({
  bucket: 'b', region: 'us-east-1', endpoint: 'http://127.0.0.1:9', maxAttempts: 1,
  credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
});
counts.push(seen.length);
await storage.exists('a').catch(() => undefined);
counts.push(seen.length);
await storage.close();
console.log(JSON.stringify(counts));
`;

describe('S3CheckpointStorage', () => {
  it('loads @aws-sdk/client-s3 only when first used', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--conditions=@sluice/source', '--input-type=module', '-e', script],
      { cwd: fileURLToPath(new URL('../..', import.meta.url)), timeout: 30_000 },
    );
    const [afterImport, afterConstruct, afterUse] = JSON.parse(stdout.trim().split('\n').at(-1) ?? '[]') as number[];
    expect(afterImport).toBe(0);
    expect(afterConstruct).toBe(0);
    expect(afterUse).toBeGreaterThan(0);
  });
});
