import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { parse } from 'yaml';
import { tenantsFileJsonSchema } from '../src/model/tenants-schema-json';

const SCHEMA_FILE = path.join(__dirname, '..', 'schema', 'tenants.schema.json');

describe('shipped JSON Schema of the tenants file', () => {
  const schema = JSON.parse(fs.readFileSync(SCHEMA_FILE, 'utf8'));
  const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);

  test('is generated from the same description as the validator (run `npm run gen:schema`)', () => {
    expect(fs.readFileSync(SCHEMA_FILE, 'utf8')).toBe(tenantsFileJsonSchema());
  });

  test('accepts the shipped example', () => {
    const example = parse(fs.readFileSync(path.join(__dirname, '..', 'examples', 'fleet', 'tenants.yaml'), 'utf8'));
    expect(validate(example)).toBe(true);
  });

  test('rejects unknown keys and wrong types, as the validator does', () => {
    expect(validate({ tenants: [{ name: 'a', workers: [{ name: 'w', maxSise: 3 }] }] })).toBe(false);
    expect(validate({ tenants: [{ name: 'a', cni: 'flannel' }] })).toBe(false);
    expect(validate({ tenants: 'a' })).toBe(false);
    expect(validate({})).toBe(false);
    expect(validate({ platform: { extraValues: ['a'] }, tenants: [] })).toBe(false);
    expect(validate({ platform: { extraValues: { image: { pullPolicy: 'Always' } } }, tenants: [] })).toBe(true);
  });
});
