import fs from 'node:fs';
import path from 'node:path';
import avro from 'avsc';
import { eventSchemas, readSchema, type AvroRecordSchema } from '../src/index.js';

const historyDir = path.resolve(import.meta.dirname, '../history/user-events');
const released = fs
  .readdirSync(historyDir)
  .filter((version) => /^v\d+$/.test(version))
  .flatMap((version) =>
    fs.readdirSync(path.join(historyDir, version)).map((file) => ({
      label: `${version}/${file}`,
      schema: JSON.parse(fs.readFileSync(path.join(historyDir, version, file), 'utf8')) as AvroRecordSchema,
    })),
  );

/** BACKWARD: a reader with the new schema can read everything written with the old one. */
function canRead(reader: AvroRecordSchema, writer: AvroRecordSchema): boolean {
  try {
    avro.Type.forSchema(reader as avro.Schema).createResolver(avro.Type.forSchema(writer as avro.Schema));
    return true;
  } catch {
    return false;
  }
}

const current = (name: string) => Object.values(eventSchemas).find((s) => s.name === name);

describe('schema changes stay BACKWARD compatible with every released version', () => {
  it('has released versions to compare with', () => {
    expect(released.length).toBeGreaterThanOrEqual(3);
  });

  it.each(released.map((r) => [r.label, r] as const))('current schema reads %s', (_label, { schema }) => {
    const reader = current(schema.name);
    expect(reader).toBeDefined();
    expect(canRead(reader!, schema)).toBe(true);
  });

  it('detects an incompatible change (the check can fail)', () => {
    const old = readSchema('user-created.avsc');
    const withRequiredField = { ...old, fields: [...old.fields, { name: 'age', type: 'int' }] };
    const withDefaultedField = { ...old, fields: [...old.fields, { name: 'age', type: 'int', default: 0 }] };
    const retyped = {
      ...old,
      fields: old.fields.map((f) => (f.name === 'version' ? { ...f, type: 'string' } : f)),
    };
    expect(canRead(withRequiredField, old)).toBe(false);
    expect(canRead(retyped, old)).toBe(false);
    expect(canRead(withDefaultedField, old)).toBe(true);
  });
});
