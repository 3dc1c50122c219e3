import { describe, expect, it } from 'vitest';
import { type AvroRecordSchema, type AvroSchema, isParsedAvroSchema, parseAvroSchema } from '../../../index.ts';

const fieldType = (schema: AvroSchema, name: string): AvroSchema => {
  const field = (schema as AvroRecordSchema).fields.find((f) => f.name === name);
  if (field === undefined) return expect.fail(`no field ${name}`);
  return field.type;
};

describe('parseAvroSchema', () => {
  it('parses primitives from JSON text, bare names and objects', () => {
    expect(parseAvroSchema('"string"')).toEqual({ type: 'string' });
    expect(parseAvroSchema('long')).toEqual({ type: 'long' });
    expect(parseAvroSchema({ type: 'int', logicalType: 'date' })).toEqual({
      type: 'int',
      logicalType: { name: 'date' },
    });
    expect(isParsedAvroSchema(parseAvroSchema('"int"'))).toBe(true);
    expect(isParsedAvroSchema({ type: 'int' })).toBe(false);
  });

  it('resolves names: dotted names, namespace attribute, inherited namespace, the null namespace', () => {
    const schema = parseAvroSchema({
      type: 'record',
      name: 'Outer',
      namespace: 'a.b',
      fields: [
        { name: 'x', type: { type: 'fixed', name: 'Hash', size: 4 } }, // a.b.Hash
        { name: 'y', type: { type: 'enum', name: 'c.Kind', symbols: ['K'] } }, // c.Kind
        { name: 'z', type: { type: 'record', name: 'Z', namespace: '', fields: [] } }, // Z (null namespace)
        { name: 'refs', type: ['Hash', 'c.Kind', 'Z', 'a.b.Outer', 'null'] },
      ],
    });
    expect((schema as AvroRecordSchema).name).toBe('a.b.Outer');
    expect(fieldType(schema, 'x')).toMatchObject({ type: 'fixed', name: 'a.b.Hash' });
    expect(fieldType(schema, 'y')).toMatchObject({ type: 'enum', name: 'c.Kind' });
    expect(fieldType(schema, 'z')).toMatchObject({ type: 'record', name: 'Z' });
    const refs = fieldType(schema, 'refs');
    expect(refs.type).toBe('union');
    if (refs.type !== 'union') return;
    expect(refs.branches[0]).toBe(fieldType(schema, 'x'));
    expect(refs.branches[1]).toBe(fieldType(schema, 'y'));
    expect(refs.branches[2]).toBe(fieldType(schema, 'z'));
    expect(refs.branches[3]).toBe(schema); // recursion is the object itself
  });

  it('types nested in a record inherit its namespace, and aliases are qualified by it', () => {
    const schema = parseAvroSchema({
      type: 'record',
      name: 'n.R',
      aliases: ['Old', 'other.Older'],
      fields: [{ name: 'inner', type: { type: 'record', name: 'I', fields: [] } }],
    }) as AvroRecordSchema;
    expect(schema.aliases).toEqual(['n.Old', 'other.Older']);
    expect(fieldType(schema, 'inner')).toMatchObject({ name: 'n.I' });
  });

  it('keeps field defaults and aliases', () => {
    const schema = parseAvroSchema({
      type: 'record',
      name: 'R',
      fields: [
        { name: 'a', type: 'int', default: 3, aliases: ['alpha'] },
        { name: 'b', type: ['null', 'int'], default: null },
        { name: 'c', type: 'int' },
      ],
    }) as AvroRecordSchema;
    expect(schema.fields.map((f) => [f.name, f.hasDefault, f.default, f.aliases])).toEqual([
      ['a', true, 3, ['alpha']],
      ['b', true, null, []],
      ['c', false, undefined, []],
    ]);
  });

  it('validates logical types and drops invalid ones', () => {
    expect(parseAvroSchema({ type: 'bytes', logicalType: 'decimal', precision: 4, scale: 2 })).toEqual({
      type: 'bytes',
      logicalType: { name: 'decimal', precision: 4, scale: 2 },
    });
    expect(parseAvroSchema({ type: 'bytes', logicalType: 'decimal', precision: 4, scale: 5 })).toEqual({
      type: 'bytes',
    });
    expect(parseAvroSchema({ type: 'long', logicalType: 'date' })).toEqual({ type: 'long' });
    expect(parseAvroSchema({ type: 'fixed', name: 'D', size: 12, logicalType: 'duration' })).toMatchObject({
      logicalType: { name: 'duration' },
    });
    expect(parseAvroSchema({ type: 'fixed', name: 'D', size: 8, logicalType: 'duration' })).not.toHaveProperty(
      'logicalType',
    );
  });

  it('rejects schemas that break the specification, saying where', () => {
    const bad: [unknown, RegExp][] = [
      [{ type: 'record', name: 'R', fields: [{ name: 'a', type: 'Nope' }] }, /fields\[0\]\(a\).*unknown type 'Nope'/],
      [['null', ['int']], /may not immediately contain a union/],
      [['int', 'int'], /'int' twice/],
      [{ type: 'record', name: '1bad', fields: [] }, /not a valid name/],
      [{ type: 'record', name: 'int', fields: [] }, /primitive type/],
      [
        { type: 'record', name: 'R', fields: [{ name: 'a', type: { type: 'record', name: 'R', fields: [] } }] },
        /defined twice/,
      ],
      [
        {
          type: 'record',
          name: 'R',
          fields: [
            { name: 'a', type: 'int' },
            { name: 'a', type: 'int' },
          ],
        },
        /appears twice/,
      ],
      [{ type: 'enum', name: 'E', symbols: ['A', 'A'] }, /repeats a symbol/],
      [{ type: 'enum', name: 'E', symbols: ['A'], default: 'B' }, /default must be one of the symbols/],
      [{ type: 'fixed', name: 'F', size: -1 }, /non-negative integer "size"/],
      [{ type: 'array' }, /needs "items"/],
      [{ type: 'record', name: 'R' }, /"fields" array/],
      [42, /expected a type name/],
    ];
    for (const [schema, message] of bad) {
      expect(() => parseAvroSchema(schema as object), JSON.stringify(schema)).toThrow(message);
    }
  });

  it('accepts the parsed form of a union ({ type: "union", branches }) so hand-built schemas parse', () => {
    expect(parseAvroSchema({ type: 'union', branches: [{ type: 'null' }, { type: 'string' }] })).toEqual({
      type: 'union',
      branches: [{ type: 'null' }, { type: 'string' }],
    });
  });
});
