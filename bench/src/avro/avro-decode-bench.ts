// Avro decode throughput: compiled decoder and the schema-registry deserializer on ~200-byte
// records, with JSON.parse of the same data as a reference point.
//
//   npx node --conditions=@sluice/source bench/src/avro/avro-decode-bench.ts [--records 2000000] [--json]
//
// Single-threaded and CPU-bound: run it on an otherwise idle machine for stable numbers.
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { BenchError } from '../errors.ts';
import { avroSerializer, compileAvroDecoder, compileAvroEncoder, type KafkaRecord, SeededRandom } from '@sluice/core';

const { values: args } = parseArgs({
  options: { records: { type: 'string', default: '2000000' }, json: { type: 'boolean', default: false } },
});
const RECORDS = Number(args.records);

const schema = {
  type: 'record',
  name: 'Transaction',
  namespace: 'bench',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'card', type: 'string' },
    { name: 'merchant', type: 'string' },
    { name: 'amount', type: 'double' },
    { name: 'currency', type: { type: 'enum', name: 'Currency', symbols: ['EUR', 'USD', 'GBP', 'JPY'] } },
    { name: 'timestamp', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'country', type: 'string' },
    { name: 'approved', type: 'boolean' },
    { name: 'tags', type: { type: 'array', items: 'string' } },
    { name: 'attributes', type: { type: 'map', values: 'string' } },
    { name: 'note', type: ['null', 'string'], default: null },
  ],
};

const random = new SeededRandom();
random.reset(42, 0);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random.next() * xs.length)] as T;
const word = (n: number) =>
  Array.from({ length: n }, () => String.fromCharCode(97 + Math.floor(random.next() * 26))).join('');
const values = Array.from({ length: 10_000 }, (_, i) => ({
  id: 1_000_000_000 + i,
  card: `4${word(15)}`,
  merchant: `merchant-${word(24)}`,
  amount: Math.round(random.next() * 1_000_000) / 100,
  currency: pick(['EUR', 'USD', 'GBP', 'JPY']),
  timestamp: 1_700_000_000_000 + i * 37,
  country: pick(['DE', 'FR', 'US', 'JP']),
  approved: random.next() < 0.9,
  tags: [word(6), word(8), word(5), word(9)],
  attributes: { channel: pick(['web', 'pos', 'app']), device: word(16), ip: '192.0.2.17', session: word(20) },
  note: random.next() < 0.5 ? null : `note ${word(40)}`,
}));

const encode = compileAvroEncoder(schema);
const payloads = values.map((v) => encode(v));
const serializer = avroSerializer({ schema, schemaId: 1 });
const records: KafkaRecord[] = values.map((v, i) => ({
  topic: 'bench',
  partition: 0,
  offset: i,
  key: null,
  value: serializer.serialize(v),
  headers: [],
  timestamp: 0,
}));
const jsons = values.map((v) => Buffer.from(JSON.stringify(v)));
const avgBytes = payloads.reduce((s, p) => s + p.length, 0) / payloads.length;
const avgJsonBytes = jsons.reduce((s, p) => s + p.length, 0) / jsons.length;

/**
 * Wall-clock records/s, and records per CPU-second of this process (steadier on a shared
 * machine, where the wall clock also counts time other processes held the CPU).
 */
function measure(
  name: string,
  run: (i: number) => unknown,
): { name: string; recordsPerSecond: number; recordsPerCpuSecond: number } {
  let sink = 0;
  for (let i = 0; i < 200_000; i++) if (run(i % 10_000) !== undefined) sink++; // warm-up
  const start = performance.now();
  const cpu = process.cpuUsage();
  for (let i = 0; i < RECORDS; i++) if (run(i % 10_000) !== undefined) sink++;
  const used = process.cpuUsage(cpu);
  const seconds = (performance.now() - start) / 1000;
  if (sink === 0) throw new BenchError('BAD_OUTPUT', 'nothing was decoded');
  const cpuSeconds = (used.user + used.system) / 1e6;
  return {
    name,
    recordsPerSecond: Math.round(RECORDS / seconds),
    recordsPerCpuSecond: Math.round(RECORDS / cpuSeconds),
  };
}

const decode = compileAvroDecoder(schema);
// The deserializer without a registry round trip: a decoder for id 1 behind the wire format.
const decodeWire = (i: number) => {
  const bytes = (records[i] as KafkaRecord).value as Buffer;
  return decode(bytes, 5, bytes.length);
};
const results = [
  measure('avro compileAvroDecoder', (i) => decode(payloads[i] as Buffer)),
  measure('avro wire format (header + decode)', decodeWire),
  measure('JSON.parse (reference)', (i) => JSON.parse((jsons[i] as Buffer).toString('utf8'))),
];

for (const r of results) {
  const bytes = r.name.startsWith('JSON') ? avgJsonBytes : avgBytes;
  const line = {
    ...r,
    avgRecordBytes: Math.round(bytes),
    mbPerSecond: Math.round((r.recordsPerSecond * bytes) / 1e6),
    records: RECORDS,
  };
  console.log(
    args.json
      ? JSON.stringify(line)
      : `${r.name.padEnd(40)} ${r.recordsPerSecond.toLocaleString('en')} records/s, ${r.recordsPerCpuSecond.toLocaleString('en')} records/CPU-s  (${line.avgRecordBytes} B/record, ${line.mbPerSecond} MB/s)`,
  );
}
