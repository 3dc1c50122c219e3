import { describe, expect, it } from 'vitest';
import { compileAvroDecoder, compileAvroEncoder, SluiceError } from '../../../index.ts';

/** Encodes `value` with `writer`, decodes with `writer` resolved to `reader`. */
function evolve(writer: unknown, reader: unknown, value: unknown, options: { longs?: 'bigint' } = {}): unknown {
  const bytes = compileAvroEncoder(writer as object)(value);
  return compileAvroDecoder(writer as object, { ...options, readerSchema: reader as object })(bytes);
}

const v1 = {
  type: 'record',
  name: 'com.acme.User',
  fields: [
    { name: 'id', type: 'int' },
    { name: 'name', type: 'string' },
    { name: 'legacy', type: { type: 'array', items: { type: 'map', values: 'string' } } },
    { name: 'score', type: 'float' },
  ],
};

describe('Avro schema resolution (writer → reader)', () => {
  it('drops fields the reader lacks, adds defaults, promotes numbers, reorders by reader', () => {
    const v2 = {
      type: 'record',
      name: 'User', // unqualified names match across namespaces
      namespace: 'org.other',
      fields: [
        { name: 'score', type: 'double' },
        { name: 'id', type: 'long' },
        { name: 'email', type: ['null', 'string'], default: null },
        { name: 'tags', type: { type: 'array', items: 'string' }, default: ['new'] },
        { name: 'name', type: 'bytes' },
      ],
    };
    const decoded = evolve(v1, v2, { id: 7, name: 'ann', legacy: [{ a: 'b' }], score: 0.5 });
    expect(decoded).toEqual({ score: 0.5, id: 7, email: null, tags: ['new'], name: Buffer.from('ann') });
    expect(Object.keys(decoded as object)).toEqual(['score', 'id', 'email', 'tags', 'name']);
  });

  it('gives each record its own copy of a mutable default', () => {
    const reader = {
      type: 'record',
      name: 'R',
      fields: [{ name: 'tags', type: { type: 'array', items: 'string' }, default: [] }],
    };
    const writer = { type: 'record', name: 'R', fields: [] };
    const decode = compileAvroDecoder<{ tags: string[] }>(writer, { readerSchema: reader });
    const a = decode(Buffer.alloc(0));
    a.tags.push('x');
    expect(decode(Buffer.alloc(0)).tags).toEqual([]);
  });

  it('matches renamed fields and types through aliases', () => {
    const reader = {
      type: 'record',
      name: 'Person',
      aliases: ['com.acme.User'],
      fields: [
        { name: 'userId', type: 'long', aliases: ['id'] },
        { name: 'fullName', type: 'string', aliases: ['name'] },
      ],
    };
    expect(evolve(v1, reader, { id: 1, name: 'b', legacy: [], score: 1 })).toEqual({ userId: 1, fullName: 'b' });
  });

  it('promotes int and long to bigint readers in bigint mode, and long to double', () => {
    expect(evolve('"int"', '"long"', -5, { longs: 'bigint' })).toBe(-5n);
    expect(evolve('"long"', '"double"', 2n ** 60n)).toBe(2 ** 60);
    expect(evolve('"long"', '"float"', 3)).toBe(3);
    expect(evolve('"string"', '"bytes"', 'é')).toEqual(Buffer.from('é'));
  });

  it('resolves enums: unknown writer symbols take the reader default, or fail that record only', () => {
    const writer = { type: 'enum', name: 'Suit', symbols: ['SPADES', 'HEARTS', 'JOKER'] };
    const withDefault = { type: 'enum', name: 'Suit', symbols: ['HEARTS', 'SPADES', 'UNKNOWN'], default: 'UNKNOWN' };
    expect(evolve(writer, withDefault, 'SPADES')).toBe('SPADES');
    expect(evolve(writer, withDefault, 'JOKER')).toBe('UNKNOWN');
    const strict = { type: 'enum', name: 'Suit', symbols: ['HEARTS', 'SPADES'] };
    expect(evolve(writer, strict, 'HEARTS')).toBe('HEARTS');
    expect(() => evolve(writer, strict, 'JOKER')).toThrow(/not in the reader's enum/);
  });

  it('resolves unions on either side', () => {
    // writer non-union → reader union: first exact match, else first promotable
    expect(evolve('"int"', ['null', 'string', 'long'], 4)).toBe(4);
    expect(evolve('"string"', ['null', 'string'], 's')).toBe('s');
    // writer union → reader non-union: each branch resolved; a branch the reader cannot read fails per record
    expect(evolve(['null', 'int'], '"long"', 9)).toBe(9);
    expect(() => evolve(['null', 'int'], '"long"', null)).toThrow(/branch 0 cannot be read/);
    // union → union
    expect(evolve(['null', 'int', 'string'], ['string', 'null', 'double'], 2)).toBe(2);
  });

  it('resolves recursive types and records inside arrays, maps and unions', () => {
    const node = (name: string, extra: object[] = []) => ({
      type: 'record',
      name,
      fields: [
        { name: 'v', type: 'int' },
        { name: 'kids', type: { type: 'array', items: name } },
        { name: 'next', type: ['null', name] },
        ...extra,
      ],
    });
    const reader = node('T', [{ name: 'depth', type: 'long', default: -1 }]);
    const value = { v: 1, kids: [{ v: 2, kids: [], next: null }], next: { v: 3, kids: [], next: null } };
    expect(evolve(node('T'), reader, value)).toEqual({
      v: 1,
      kids: [{ v: 2, kids: [], next: null, depth: -1 }],
      next: { v: 3, kids: [], next: null, depth: -1 },
      depth: -1,
    });
  });

  it('skips removed fields of every shape, including recursive ones and negative-count blocks', () => {
    const writer = {
      type: 'record',
      name: 'W',
      fields: [
        {
          name: 'a',
          type: {
            type: 'map',
            values: { type: 'array', items: ['null', 'double', { type: 'fixed', name: 'F', size: 3 }] },
          },
        },
        { name: 'self', type: ['null', 'W'] },
        { name: 'keep', type: 'string' },
      ],
    };
    const reader = { type: 'record', name: 'W', fields: [{ name: 'keep', type: 'string' }] };
    const value = {
      a: { k: [null, 1.5, Buffer.from([1, 2, 3])] },
      self: { a: {}, self: null, keep: 'inner' },
      keep: 'outer',
    };
    expect(evolve(writer, reader, value)).toEqual({ keep: 'outer' });
    // A block with a negative count is skipped by its byte size: array of int [1, 2] then the string.
    const arrWriter = {
      type: 'record',
      name: 'X',
      fields: [
        { name: 'xs', type: { type: 'array', items: 'int' } },
        { name: 's', type: 'string' },
      ],
    };
    const bytes = Buffer.from([0x03, 0x04, 0x02, 0x04, 0x00, 0x02, 0x61]);
    const decode = compileAvroDecoder(arrWriter, {
      readerSchema: { type: 'record', name: 'X', fields: [{ name: 's', type: 'string' }] },
    });
    expect(decode(bytes)).toEqual({ s: 'a' });
  });

  it('refuses schemas that cannot match, naming the field', () => {
    const missing = { type: 'record', name: 'com.acme.User', fields: [{ name: 'age', type: 'int' }] };
    expect(() => compileAvroDecoder(v1, { readerSchema: missing })).toThrow(
      /\$\.age: the reader's field 'age' is not in the writer's record and has no default/,
    );
    expect(() => compileAvroDecoder('"string"', { readerSchema: '"int"' })).toThrow(
      /cannot be read as the reader's 'int'/,
    );
    expect(() =>
      compileAvroDecoder(
        { type: 'record', name: 'A', fields: [] },
        { readerSchema: { type: 'record', name: 'B', fields: [] } },
      ),
    ).toThrow(/does not match/);
    expect(() =>
      compileAvroDecoder(
        { type: 'fixed', name: 'F', size: 2 },
        { readerSchema: { type: 'fixed', name: 'F', size: 3 } },
      ),
    ).toThrow(/2 bytes/);
    try {
      compileAvroDecoder('"string"', { readerSchema: '"int"' });
    } catch (e) {
      expect(e).toBeInstanceOf(SluiceError);
      expect((e as SluiceError).code).toBe('DESERIALIZATION_FAILED');
    }
  });
});
