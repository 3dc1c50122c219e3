import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// DESIGN.md §1: a connector's client library is loaded only when that connector is used. A fresh
// Node process records which Kafka libraries it resolves while importing @sluice/core and the
// client factory, then while creating a client on each library (no broker is contacted).
const script = `
import { registerHooks } from 'node:module';
const seen = new Set();
registerHooks({ resolve(specifier, context, next) {
  if (specifier === 'kafkajs' || specifier === '@platformatic/kafka') seen.add(specifier);
  return next(specifier, context);
} });
const { createKafkaClient } = await import('@sluice/core');
const steps = [[...seen]];
await createKafkaClient({ library: 'kafkajs', bootstrapServers: ['127.0.0.1:9'] });
steps.push([...seen]);
await createKafkaClient({ bootstrapServers: ['127.0.0.1:9'] });
steps.push([...seen]);
console.log(JSON.stringify(steps));
`;

describe('createKafkaClient', () => {
  it('loads a Kafka library only when a client on it is created', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--conditions=@sluice/source', '--input-type=module', '-e', script],
      { cwd: fileURLToPath(new URL('../../..', import.meta.url)), timeout: 30_000 },
    );
    const [afterImport, afterKafkaJs, afterDefault] = JSON.parse(
      stdout.trim().split('\n').at(-1) ?? '[]',
    ) as string[][];
    expect(afterImport).toEqual([]);
    expect(afterKafkaJs).toEqual(['kafkajs']);
    expect(afterDefault).toEqual(['kafkajs', '@platformatic/kafka']);
  });
});
