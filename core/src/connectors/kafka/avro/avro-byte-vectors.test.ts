import { describe, expect, it } from 'vitest';
import { compileAvroDecoder, compileAvroEncoder } from '../../../index.ts';

// Expected bytes are worked out by hand from the Avro 1.11 specification ("Binary Encoding"),
// not produced by this codec.
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function both(schema: unknown, value: unknown, bytes: string, options: { longs?: 'bigint' } = {}): void {
  const encode = compileAvroEncoder(schema as object);
  const decode = compileAvroDecoder(schema as object, options);
  expect(encode(value).toString('hex')).toBe(hex(bytes).toString('hex'));
  expect(decode(hex(bytes))).toEqual(value);
}

describe('Avro binary encoding: known byte vectors', () => {
  it('zigzag varint ints (spec table: 0→00, -1→01, 1→02, -2→03, 2→04, -64→7f, 64→80 01)', () => {
    both('"int"', 0, '00');
    both('"int"', -1, '01');
    both('"int"', 1, '02');
    both('"int"', -2, '03');
    both('"int"', 2, '04');
    both('"int"', 63, '7e');
    both('"int"', -64, '7f');
    both('"int"', 64, '80 01');
    both('"int"', 2147483647, 'fe ff ff ff 0f');
    both('"int"', -2147483648, 'ff ff ff ff 0f');
  });

  it('longs up to the JS safe range as numbers and the full 64-bit range as bigints', () => {
    both('"long"', 27, '36');
    both('"long"', 64, '80 01');
    both('"long"', -65, '81 01');
    both('"long"', 8191, 'fe 7f');
    both('"long"', 8192, '80 80 01');
    // 2^53-1 zigzags to 2^54-2: low group 1111110, then six groups of 1111111, then 11111.
    both('"long"', Number.MAX_SAFE_INTEGER, 'fe ff ff ff ff ff ff 1f');
    // -(2^53-1) zigzags to 2^54-3.
    both('"long"', Number.MIN_SAFE_INTEGER, 'fd ff ff ff ff ff ff 1f');
    // 2^32 zigzags to 2^33: 33 bits → groups 0,0,0,0 then 100000 (bit 28..34).
    both('"long"', 2 ** 32, '80 80 80 80 20');
    both('"long"', -(2 ** 32), 'ff ff ff ff 1f');
    both('"long"', 2n ** 63n - 1n, 'fe ff ff ff ff ff ff ff ff 01', { longs: 'bigint' });
    both('"long"', -(2n ** 63n), 'ff ff ff ff ff ff ff ff ff 01', { longs: 'bigint' });
    both('"long"', -1n, '01', { longs: 'bigint' });
  });

  it('strings, bytes, booleans, floats and doubles', () => {
    both('"string"', 'foo', '06 66 6f 6f');
    both('"string"', '', '00');
    both('"string"', 'é', '04 c3 a9');
    both('"bytes"', Buffer.from([0xde, 0xad]), '04 de ad');
    both('"boolean"', true, '01');
    both('"boolean"', false, '00');
    both('"null"', null, '');
    both('"float"', 1, '00 00 80 3f');
    both('"double"', 1, '00 00 00 00 00 00 f0 3f');
    both('"double"', -2.5, '00 00 00 00 00 00 04 c0');
  });

  it('the specification examples: record, array, union', () => {
    const record = {
      type: 'record',
      name: 'test',
      fields: [
        { name: 'a', type: 'long' },
        { name: 'b', type: 'string' },
      ],
    };
    both(record, { a: 27, b: 'foo' }, '36 06 66 6f 6f');
    both({ type: 'array', items: 'long' }, [3, 27], '04 06 36 00');
    both(['null', 'string'], null, '00');
    both(['null', 'string'], 'a', '02 02 61');
  });

  it('enums, maps and fixed', () => {
    both({ type: 'enum', name: 'Suit', symbols: ['SPADES', 'HEARTS'] }, 'HEARTS', '02');
    both({ type: 'map', values: 'int' }, { a: 1 }, '02 02 61 02 00');
    both({ type: 'map', values: 'int' }, {}, '00');
    both({ type: 'fixed', name: 'Two', size: 2 }, Buffer.from([0xab, 0xcd]), 'ab cd');
  });

  it('array and map blocks with a negative count carry their byte size', () => {
    // count -2 (zigzag 03), byte size 2 (04), items 1 and 2 (02 04), end (00)
    expect(compileAvroDecoder({ type: 'array', items: 'int' })(hex('03 04 02 04 00'))).toEqual([1, 2]);
    // two blocks: [-1 (size 1): 5] then [1: 6]
    expect(compileAvroDecoder({ type: 'array', items: 'int' })(hex('01 02 0a 02 0c 00'))).toEqual([5, 6]);
    // map block count -1, size 3: key "a" (02 61), value 1 (02)
    expect(compileAvroDecoder({ type: 'map', values: 'int' })(hex('01 06 02 61 02 00'))).toEqual({ a: 1 });
  });

  it('logical types: decimal as two’s-complement big-endian, date and timestamps as their integers', () => {
    const money = { type: 'bytes', logicalType: 'decimal', precision: 5, scale: 2 };
    both(money, '1.00', '02 64'); // unscaled 100 = 0x64
    both(money, '-1.28', '02 80'); // unscaled -128 = 0x80
    both(money, '1.28', '04 00 80'); // unscaled 128 needs a sign byte
    both(money, '0.00', '02 00');
    both({ type: 'fixed', name: 'Dec', size: 3, logicalType: 'decimal', precision: 6, scale: 1 }, '-0.1', 'ff ff ff');
    both({ type: 'int', logicalType: 'date' }, 19_000, 'f0 a8 02'); // 38000 = 0b10_0101000_1110000
    both({ type: 'long', logicalType: 'timestamp-millis' }, 1, '02');
  });
});
